import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { resolveModule } from '../utils/node-resolve';
import { tsconfigCandidates } from './resolve';
import { envNamesIn } from './env-reads';
import { stripComments } from '../utils/strip-comments';
import { tsconfigChainFiles } from '../utils/tsconfig-read';

/**
 * What a config's build depends on besides the package's own files, found by reading source
 * text, never by executing it (vercel/turborepo#14059: every value baked into an output must
 * be an input):
 *
 * - modules the config imports by relative path, transitively (a shared `tools/build-preset.ts`),
 *   and workspace packages it imports by name (the whole package directory);
 * - `process.env.NAME` the config or those modules read (a `define` fed from the environment),
 *   directly or through an alias of `process.env`, including the modules of workspace packages
 *   it imports by name;
 * - files they read by a literal path (`readFileSync(new URL('../../shared/banner.txt', import.meta.url))`);
 * - the tsconfig chain the builders read (`extends` outside the package, the `tsconfig` option).
 *
 * `files` are inputs for Nx to hash; `watched` are the workspace-relative files whose
 * content decided this result (the targets cache re-checks them, so an edited helper or
 * tsconfig re-infers the targets).
 */
// In env-reads.ts (the CLI's up-to-date check reads them too); exported here as before.
export { envAliasesIn, envNamesIn } from './env-reads';

export interface ConfigDependencies {
  /** Nx file inputs (`{projectRoot}/…`, `{workspaceRoot}/…`) the project's own inputs may miss. */
  files: string[];
  /** Environment variables the config (or a module it imports) reads. */
  env: string[];
  /** Workspace-relative files read (or probed) to compute this: the targets cache key. */
  watched: string[];
}

const MAX_MODULES = 64;
const SCRIPT_EXT = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];
const escapeRegExp = (s: string) => s.replace(/[$.*+?^()[\]{}|\\]/g, '\\$&');

/** Module specifiers a source imports at runtime (type-only imports erase to nothing). */
export function importSpecifiersIn(code: string): string[] {
  const specs = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s+(type\s+)?[\w$*{}\s,]*?\s*\bfrom\s*(['"])([^'"\n]+)\2/g,
    /\bimport\s*()(['"])([^'"\n]+)\2/g,
    /\bimport\s*\(\s*()(['"])([^'"\n]+)\2\s*[,)]/g,
    /\brequire\s*\(\s*()(['"])([^'"\n]+)\2\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) if (!m[1]) specs.add(m[3]);
  return [...specs];
}

/** A file a module reads by a path written in its source. */
export interface LiteralRead {
  path: string;
  /** `module`: relative to the module's directory (`__dirname`, `import.meta.url`); `cwd`: a bare path, relative to the working directory. */
  base: 'module' | 'cwd';
  /** Read as a directory listing (`readdirSync`). */
  directory: boolean;
}

const READ_CALL = /\b(readFileSync|readFile|createReadStream|readJsonSync|readJson|readJSONSync|readJSON|existsSync|readdirSync)\s*\(/g;
const LITERAL = String.raw`(['"\`])([^'"\`$\n]*)\1`;
const BARE_PATH = new RegExp(String.raw`^${LITERAL}$`);
const URL_PATH = new RegExp(
  String.raw`^(?:(?:url\s*\.\s*)?fileURLToPath\s*\(\s*)?new\s+URL\s*\(\s*${LITERAL}\s*,\s*import\s*\.\s*meta\s*\.\s*url\s*\)\s*\)?$`,
);
const JOINED_PATH =
  /^(?:path\s*\.\s*|posix\s*\.\s*)?(?:join|resolve)\s*\(\s*(?:__dirname|import\s*\.\s*meta\s*\.\s*dirname)\s*((?:,\s*(['"`])[^'"`$\n]*\2\s*)+),?\s*\)$/;

/**
 * Files read by a path written as a literal: `readFileSync('../x.txt')` (relative to the
 * working directory), `readFileSync(new URL('../x.txt', import.meta.url))`,
 * `readFileSync(join(__dirname, '../x.txt'))`, or a `const` holding one of those. A path
 * computed at run time is not seen.
 */
export function fileReadsIn(code: string): LiteralRead[] {
  const reads: LiteralRead[] = [];
  for (const m of code.matchAll(READ_CALL)) {
    const arg = firstArgument(code, m.index! + m[0].length);
    const read = literalPath(arg) ?? (/^[A-Za-z_$][\w$]*$/.test(arg) ? literalPath(constValue(code, arg)) : undefined);
    if (read) reads.push({ ...read, directory: m[1] === 'readdirSync' });
  }
  return reads;
}

function literalPath(expr: string | undefined): Omit<LiteralRead, 'directory'> | undefined {
  if (!expr) return undefined;
  const bare = BARE_PATH.exec(expr);
  if (bare) return bare[2] ? { path: bare[2], base: 'cwd' } : undefined;
  const url = URL_PATH.exec(expr);
  if (url) return { path: url[2], base: 'module' };
  const joined = JOINED_PATH.exec(expr);
  if (joined) return { path: [...joined[1].matchAll(/(['"`])([^'"`$\n]*)\1/g)].map((p) => p[2]).join('/') || '.', base: 'module' };
  return undefined;
}

/** The initializer of `const NAME = …` (up to `;` or the end of the line at depth 0). */
function constValue(code: string, name: string): string | undefined {
  const m = new RegExp(String.raw`\b(?:const|let|var)\s+${escapeRegExp(name)}\s*(?::[^=;]+)?=\s*`).exec(code);
  return m ? expressionAt(code, m.index + m[0].length, ';\n') : undefined;
}

/** The text of the argument starting at `start` (up to `,` or `)` at depth 0). */
function firstArgument(code: string, start: number): string {
  return expressionAt(code, start, ',)');
}

function expressionAt(code: string, start: number, stops: string): string {
  let depth = 0;
  let i = start;
  for (; i < code.length; i++) {
    const c = code[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < code.length && code[i] !== c; i++) if (code[i] === '\\') i++;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if (depth === 0 && stops.includes(c)) break;
  }
  return code.slice(start, i).trim();
}

/**
 * The config's dependencies outside the package. `configFile` and `projectRoot` are
 * workspace-relative; `tsconfigs` are the config's `tsconfig` values (relative to the package).
 */
export function scanConfigDependencies(
  workspaceRoot: string,
  projectRoot: string,
  configFile: string,
  source: string,
  tsconfigs: readonly string[],
): ConfigDependencies {
  const files = new Set<string>();
  const watched = new Set<string>();
  const env = new Set<string>();
  const root = resolve(workspaceRoot);
  const inWorkspace = (abs: string) => {
    const rel = relative(root, abs);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('node_modules')
      ? rel.split(sep).join('/')
      : undefined;
  };
  const pkgAbs = join(root, projectRoot);

  // Workspace packages the config imports by name are hashed whole: their files need no entry each.
  const wholePackages: string[] = [];
  const covered = (abs: string) => wholePackages.some((d) => abs === d || abs.startsWith(d + sep));
  const addFile = (abs: string, pattern = '') => {
    const rel = inWorkspace(abs);
    if (!rel) return;
    watched.add(rel);
    if (!covered(abs)) files.add(rel + pattern);
  };

  // Modules, breadth first from the config (and from the entries of workspace packages it imports).
  const seen = new Set<string>([join(root, configFile)]);
  const queue: { abs: string; code: string }[] = [{ abs: join(root, configFile), code: stripComments(source) }];
  const enqueue = (target: string) => {
    seen.add(target);
    if (!SCRIPT_EXT.some((e) => target.endsWith(e))) return;
    try {
      queue.push({ abs: target, code: stripComments(readFileSync(target, 'utf8')) });
    } catch {
      /* unreadable: its hash still counts */
    }
  };
  while (queue.length) {
    const { abs, code } = queue.shift()!;
    for (const n of envNamesIn(code)) env.add(n);
    // A bare path is relative to the working directory: the workspace root under Nx, the
    // package when built from there. Candidates that do not exist still hash (as absent).
    for (const read of fileReadsIn(code)) {
      const bases = read.base === 'module' ? [dirname(abs)] : [pkgAbs, root];
      for (const base of bases) addFile(resolve(base, read.path), read.directory ? '/**/*' : '');
    }
    for (const spec of importSpecifiersIn(code)) {
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = resolveModule(spec, abs);
        if (!target || !inWorkspace(target) || seen.has(target) || seen.size >= MAX_MODULES) continue;
        addFile(target);
        enqueue(target);
      } else {
        const dir = workspacePackageDir(root, pkgAbs, spec);
        const rel = dir && inWorkspace(dir);
        // The package itself is the project's own files; a workspace package is hashed whole,
        // and the module the import resolves to is read for the environment it reads.
        if (!rel || dir === pkgAbs) continue;
        files.add(`${rel}/**/*`);
        if (!wholePackages.includes(dir)) wholePackages.push(dir);
        const entry = realPath(resolveModule(spec, abs));
        if (!entry || !inWorkspace(entry) || seen.has(entry) || seen.size >= MAX_MODULES) continue;
        addFile(entry);
        enqueue(entry);
      }
    }
  }

  // tsconfig chains: the nearest tsconfig.json from the package up (what esbuild and bun find,
  // and tsc and declarations use without a `tsconfig` option: packageTsconfig), and the
  // `tsconfig` option. Each candidate up to the one found is watched: one created nearer
  // changes which is read.
  const starts = new Set<string>();
  for (const candidate of tsconfigCandidates(pkgAbs, root)) {
    watched.add(inWorkspace(candidate) ?? 'tsconfig.json');
    if (existsSync(candidate)) {
      starts.add(candidate);
      break;
    }
  }
  for (const t of tsconfigs) starts.add(resolve(pkgAbs, t));
  const nxRootTsconfig = ['tsconfig.base.json', 'tsconfig.json'].find((f) => existsSync(join(root, f)));
  const chainSeen = new Set<string>();
  for (const start of starts) {
    for (const file of tsconfigChainFiles(start, chainSeen)) {
      const rel = inWorkspace(file);
      if (!rel) continue;
      watched.add(rel);
      // Nx hashes the root tsconfig's options itself (without `paths` of other projects: every
      // package added to `paths` must not invalidate every build); the package's own
      // tsconfig*.json are inputs already.
      if (rel === nxRootTsconfig) continue;
      if (dirname(file) === pkgAbs && /^tsconfig[^/]*\.json$/.test(rel.slice(rel.lastIndexOf('/') + 1))) continue;
      files.add(rel);
    }
  }

  const prefix = projectRoot === '.' || projectRoot === '' ? '' : `${projectRoot.split(sep).join('/')}/`;
  const asInput = (rel: string) =>
    prefix === ''
      ? `{projectRoot}/${rel}`
      : rel.startsWith(prefix)
        ? `{projectRoot}/${rel.slice(prefix.length)}`
        : `{workspaceRoot}/${rel}`;
  // A file found before the workspace package holding it was: the package's glob covers it.
  const wholeRel = wholePackages.map((d) => `${inWorkspace(d)}/`);
  const listed = [...files].filter((f) => f.endsWith('/**/*') || !wholeRel.some((d) => f.startsWith(d)));
  return { files: listed.sort().map(asInput), env: [...env].sort(), watched: [...watched].sort() };
}

function realPath(file: string | undefined): string | undefined {
  try {
    return file && realpathSync(file);
  } catch {
    return undefined;
  }
}

/** The directory of a workspace package imported by name (linked into node_modules), if any. */
function workspacePackageDir(root: string, pkgAbs: string, spec: string): string | undefined {
  if (spec.startsWith('node:') || spec === '@repo/build-system' || spec.startsWith('@repo/build-system/')) return undefined;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (!name || !/^(@[\w.-]+\/)?[\w.-]+$/.test(name)) return undefined;
  for (const nm of [join(pkgAbs, 'node_modules'), join(root, 'node_modules')]) {
    const link = join(nm, name);
    try {
      if (!lstatSync(link).isSymbolicLink()) return undefined;
      return realpathSync(link);
    } catch {
      /* not here */
    }
  }
  return undefined;
}
