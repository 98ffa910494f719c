import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { resolveModule } from '../adapters/node-resolve';
import { stripComments } from '../config/strip-comments';
import { tsconfigChainFiles } from '../core/tsconfig-read';

/**
 * What a config's build depends on besides the package's own files, found by reading source
 * text, never by executing it (vercel/turborepo#14059: every value baked into an output must
 * be an input):
 *
 * - modules the config imports by relative path, transitively (a shared `tools/build-preset.ts`),
 *   and workspace packages it imports by name (the whole package directory);
 * - `process.env.NAME` the config or those modules read (a `define` fed from the environment);
 * - the tsconfig chain the builders read (`extends` outside the package, the `tsconfig` option).
 *
 * `files` are inputs for Nx to hash; `watched` are the workspace-relative files whose
 * content decided this result (the targets cache re-checks them, so an edited helper or
 * tsconfig re-infers the targets).
 */
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
/**
 * Per-machine variables: a config may read them (a cache directory under HOME), but as inputs
 * they would give every machine its own hash and end remote cache sharing. Nx's own variables
 * (NX_TASK_HASH…) are set by the run itself.
 */
const MACHINE_ENV = new Set(['PATH', 'HOME', 'USERPROFILE', 'USER', 'USERNAME', 'LOGNAME', 'TMPDIR', 'TEMP', 'TMP', 'PWD', 'OLDPWD', 'INIT_CWD', 'SHELL', 'HOSTNAME']);
const isMachineEnv = (name: string) => MACHINE_ENV.has(name) || name.startsWith('NX_') || name.startsWith('npm_');

/** `process.env.NAME`, `process.env['NAME']`, `const { NAME } = process.env`, in code without comments. */
export function envNamesIn(code: string): string[] {
  const names = new Set<string>();
  for (const m of code.matchAll(/\bprocess\s*\.\s*env\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
  for (const m of code.matchAll(/\bprocess\s*\.\s*env\s*(?:\?\.)?\s*\[\s*(['"`])([A-Za-z_][\w]*)\1\s*\]/g)) names.add(m[2]);
  for (const m of code.matchAll(/\{([^{}]*)\}\s*=\s*process\s*\.\s*env\b/g)) {
    for (const part of m[1].split(',')) {
      const key = /^\s*(['"]?)([A-Za-z_$][\w$]*)\1\s*(?:[:=]|$)/.exec(part);
      if (key && !part.trim().startsWith('...')) names.add(key[2]);
    }
  }
  return [...names].filter((n) => !isMachineEnv(n)).sort();
}

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

/**
 * The config's dependencies outside the package. `configFile` and `projectRoot` are
 * workspace-relative; `tsconfigs` are the config's `tsconfig` values (relative to the package).
 */
export function scanConfigDependencies(workspaceRoot: string, projectRoot: string, configFile: string, source: string, tsconfigs: readonly string[]): ConfigDependencies {
  const files = new Set<string>();
  const watched = new Set<string>();
  const env = new Set<string>();
  const root = resolve(workspaceRoot);
  const inWorkspace = (abs: string) => {
    const rel = relative(root, abs);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('node_modules') ? rel.split(sep).join('/') : undefined;
  };
  const pkgAbs = join(root, projectRoot);

  // Modules, breadth first from the config.
  const seen = new Set<string>([join(root, configFile)]);
  const queue: { abs: string; code: string }[] = [{ abs: join(root, configFile), code: stripComments(source) }];
  while (queue.length) {
    const { abs, code } = queue.shift()!;
    for (const n of envNamesIn(code)) env.add(n);
    for (const spec of importSpecifiersIn(code)) {
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = resolveModule(spec, abs);
        const rel = target && inWorkspace(target);
        if (!target || !rel || seen.has(target) || seen.size >= MAX_MODULES) continue;
        seen.add(target);
        files.add(rel);
        watched.add(rel);
        if (!SCRIPT_EXT.some((e) => target.endsWith(e))) continue;
        try {
          queue.push({ abs: target, code: stripComments(readFileSync(target, 'utf8')) });
        } catch {
          /* unreadable: its hash still counts */
        }
      } else {
        const dir = workspacePackageDir(root, pkgAbs, spec);
        const rel = dir && inWorkspace(dir);
        // The package itself is the project's own files; a workspace package is hashed whole.
        if (rel && dir !== pkgAbs) files.add(`${rel}/**/*`);
      }
    }
  }

  // tsconfig chains: each builder reads the package's tsconfig.json (esbuild and bun find the
  // nearest one above the sources), tsc and declarations the `tsconfig` option.
  const starts = new Set<string>();
  const own = join(pkgAbs, 'tsconfig.json');
  watched.add(inWorkspace(own) ?? 'tsconfig.json');
  if (existsSync(own)) starts.add(own);
  else {
    for (let d = dirname(pkgAbs); inWorkspace(d) !== undefined || d === root; d = dirname(d)) {
      const candidate = join(d, 'tsconfig.json');
      const rel = inWorkspace(candidate);
      if (rel) watched.add(rel);
      if (existsSync(candidate)) {
        starts.add(candidate);
        break;
      }
      if (d === root) break;
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
  const asInput = (rel: string) => (prefix === '' ? `{projectRoot}/${rel}` : rel.startsWith(prefix) ? `{projectRoot}/${rel.slice(prefix.length)}` : `{workspaceRoot}/${rel}`);
  return { files: [...files].sort().map(asInput), env: [...env].sort(), watched: [...watched].sort() };
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
