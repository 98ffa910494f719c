import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isFile } from './files';
import { readPackageJson } from './package-json';

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx', '.json'];
const CONDITIONS = ['import', 'module', 'node', 'default', 'require'];

/**
 * Just enough module resolution for bundling TypeScript packages: relative paths (with `.ts`
 * or `.js` written for a `.ts` file, or no extension), and bare specifiers through
 * node_modules honouring package.json `exports` (import/module/node/default), `module` and
 * `main` — including workspace packages whose exports point at TypeScript source.
 */
export function resolveModule(specifier: string, importer: string): string | undefined {
  const baseDir = dirname(importer);
  if (specifier.startsWith('.') || specifier.startsWith('/')) return resolveFile(resolve(baseDir, specifier));
  if (specifier.startsWith('#')) return resolveSubpathImport(specifier, baseDir);
  const { name, subpath } = splitSpecifier(specifier);
  for (let dir = baseDir; ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', name);
    if (existsSync(join(pkgDir, 'package.json'))) return resolvePackage(pkgDir, subpath);
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * A `#name` specifier through the `imports` field of the nearest package.json above the
 * importer (Node's subpath imports): a relative target is a file of that package, any other is
 * resolved as a specifier from it (`"#dep": "some-package"`).
 */
function resolveSubpathImport(specifier: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const target = matchSubpaths(readPackageJson(dir)?.imports, specifier);
      if (!target) return undefined;
      return target.startsWith('./') ? resolveFile(resolve(dir, target)) : resolveModule(target, join(dir, 'package.json'));
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** The package a bare specifier names: `@scope/pkg/sub` → `@scope/pkg`, `pkg/sub` → `pkg`. */
export function packageNameOf(spec: string): string {
  return splitSpecifier(spec).name;
}

function splitSpecifier(spec: string): { name: string; subpath: string } {
  const parts = spec.split('/');
  const n = spec.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, n).join('/'), subpath: parts.length > n ? `./${parts.slice(n).join('/')}` : '.' };
}

function resolvePackage(pkgDir: string, subpath: string): string | undefined {
  const pkg = readPackageJson(pkgDir);
  if (!pkg) return undefined;
  if (pkg.exports !== undefined) {
    const target = matchExports(pkg.exports, subpath);
    return target ? resolveFile(resolve(pkgDir, target)) : undefined;
  }
  if (subpath !== '.') return resolveFile(resolve(pkgDir, subpath));
  return resolveFile(resolve(pkgDir, pkg.module ?? pkg.main ?? 'index.js'));
}

function matchExports(exports: unknown, subpath: string): string | undefined {
  if (typeof exports === 'string' || Array.isArray(exports)) return subpath === '.' ? pickCondition(exports) : undefined;
  if (!exports || typeof exports !== 'object') return undefined;
  if (!Object.keys(exports).some((k) => k.startsWith('.'))) return subpath === '.' ? pickCondition(exports) : undefined;
  return matchSubpaths(exports, subpath);
}

/** `subpath` (`./x`, `#x`) in a map of subpaths to targets, `*` patterns included. */
function matchSubpaths(subpaths: unknown, subpath: string): string | undefined {
  if (!subpaths || typeof subpaths !== 'object' || Array.isArray(subpaths)) return undefined;
  const map = subpaths as Record<string, unknown>;
  const keys = Object.keys(map);
  if (subpath in map) return pickCondition(map[subpath]);
  for (const key of keys) {
    const star = key.indexOf('*');
    if (star === -1) continue;
    const [pre, post] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.startsWith(pre) && subpath.endsWith(post)) {
      const target = pickCondition(map[key]);
      return target?.replace('*', subpath.slice(pre.length, subpath.length - post.length));
    }
  }
  return undefined;
}

function pickCondition(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const r = pickCondition(v);
      if (r) return r;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const c of CONDITIONS) if (c in value) return pickCondition((value as Record<string, unknown>)[c]);
  }
  return undefined;
}

function resolveFile(path: string): string | undefined {
  if (isFile(path)) return path;
  // `./x.js` written for `./x.ts` (TypeScript's convention), and `./x` without extension.
  const stem = path.replace(/\.(m|c)?js$/, '');
  if (stem !== path) {
    const ts = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] }[path.slice(stem.length)] ?? [];
    for (const ext of ts) if (isFile(stem + ext)) return stem + ext;
  }
  for (const ext of EXTENSIONS) if (isFile(path + ext)) return path + ext;
  for (const ext of EXTENSIONS) if (isFile(join(path, `index${ext}`))) return join(path, `index${ext}`);
  return undefined;
}
