/**
 * Child process: the workspace's tsc, compiled from a V8 code cache (see code-cache.ts).
 * argv: <tsc compiler .js> <cache file> ...tsc arguments. tsc reads `process.argv.slice(2)`
 * and exits the process itself.
 */
import { requireWithCodeCache } from '../../utils/code-cache';

const [compiler, cacheFile, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], compiler, ...args];
requireWithCodeCache(compiler, cacheFile);
