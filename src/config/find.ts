import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILDER_NAMES } from './builders';
import { CONFIG_FILE_NAMES } from './define';

/** First match wins, in the documented order (README.md, "build.config.ts"). */
export function findConfigFile(packageRoot: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const file = join(packageRoot, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

const OUR_IMPORT = /['"]@repo\/build-system['"]/;
const FOREIGN_IMPORT = /['"](unbuild|tsup|tsdown|obuild|@nx\/[\w-]+)['"]/;
const SEED_EXPORT = /export\s+(const|let|var|async\s+function|function)\s+buildConfig\b|exports\.buildConfig\b/;
const BUILDER_KEY = new RegExp(`\\bbuilder\\s*:\\s*['"](${BUILDER_NAMES.join('|')})['"]`);

/**
 * Decides, without executing the file, whether a build.config.* is ours. unbuild and others
 * use the same file name; running their configs at graph time would be slow and could throw.
 */
export function isOwnConfigSource(source: string): boolean {
  if (OUR_IMPORT.test(source)) return true;
  if (FOREIGN_IMPORT.test(source)) return false;
  return SEED_EXPORT.test(source) || BUILDER_KEY.test(source);
}

/** The builder a config's source names (`builder: 'tsc'`), read without executing it. */
export function builderInSource(source: string): string | undefined {
  return BUILDER_KEY.exec(source)?.[1];
}

export function isOwnConfigFile(file: string): boolean {
  try {
    return isOwnConfigSource(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}
