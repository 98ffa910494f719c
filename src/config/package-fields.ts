import { posix } from 'node:path';
import { entryOutputs, packageTypeOf, type PackageType } from './outputs';
import { resolveEntries, type EntryPoint } from './resolve';
import type { Format } from './schema';

/**
 * What package.json should say about a build's outputs (`main`, `module`, `types`, `exports`,
 * and `outputDir` in `files`), computed from the resolved config, and how to bring a
 * package.json in step with it. Pure: the config generator, the Nx sync generator and
 * `build-system sync` all use these two functions (docs/records-and-cli.md, "sync").
 */

type Json = Record<string, unknown>;

export interface EntryFieldsInput {
  entries: readonly { name: string }[];
  format: readonly Format[];
  /** posix, relative to the package root. */
  outputDir: string;
  dts: boolean;
  packageType: PackageType;
}

export interface EntryFields {
  main: string;
  module?: string;
  types?: string;
  /** Our subpaths only (`.` first), each with its conditions. */
  exports: Record<string, Json>;
}

/**
 * The entry named `index` (else the first) is the package's `.`; the others are subpaths
 * named after their output (`cli/index` → `./cli`). Conditions list `types` first (TypeScript
 * takes the first match); with both formats each gets its own declarations, so a `require`
 * sees `.d.cts` types and an `import` `.d.ts`/`.d.mts` ones.
 */
export function wantedEntryFields(input: EntryFieldsInput): EntryFields {
  const primary = input.entries.find((e) => e.name === 'index') ?? input.entries[0];
  const ordered = [primary, ...input.entries.filter((e) => e !== primary)];
  const outputs = entryOutputs(ordered, input.format, input.packageType);
  const at = (p: string) => `./${input.outputDir}/${p}`;
  const files = (name: string, format: Format) => {
    const o = outputs.find((x) => x.entry === name && x.format === format);
    return o && { js: at(o.js), dts: at(o.dts) };
  };
  const conditions = (f: { js: string; dts: string }): Json => (input.dts ? { types: f.dts, default: f.js } : { default: f.js });
  const exports: Record<string, Json> = {};
  for (const e of ordered) {
    const esm = files(e.name, 'esm');
    const cjs = files(e.name, 'cjs');
    const subpath = e === primary ? '.' : `./${e.name.replace(/\/index$/, '')}`;
    if (esm && cjs) exports[subpath] = { import: conditions(esm), require: conditions(cjs) };
    else exports[subpath] = conditions((esm ?? cjs)!);
  }
  const esm = files(primary.name, 'esm');
  const cjs = files(primary.name, 'cjs');
  // `main` and `types` serve resolvers without `exports` (node10): they read CommonJS first.
  const main = (cjs ?? esm)!;
  return { main: main.js, ...(esm ? { module: esm.js } : {}), ...(input.dts ? { types: main.dts } : {}), exports };
}

export interface ApplyOptions {
  outputDir: string;
  /** Add `"./package.json": "./package.json"` to exports when missing (the config generator does). */
  exportPackageJson?: boolean;
}

export interface AppliedFields {
  pkg: Json;
  /** The fields that changed, as written in messages: `main`, `exports["./cli"]`, `files`. */
  changed: string[];
}

const JS_OR_TYPES = /\.(c|m)?js$|\.d\.(c|m)?ts$/;

/**
 * package.json with the wanted fields: ours replace theirs; other subpaths of `exports` stay
 * (a `./package.json`, a stylesheet), except those pointing only at modules in directories the
 * build writes or wrote (an entry that is gone). Fields keep their place; new ones go where
 * they conventionally sit.
 */
export function applyEntryFields(before: Json, wanted: EntryFields, opts: ApplyOptions): AppliedFields {
  let pkg = before;
  pkg = withField(pkg, 'main', wanted.main);
  if (wanted.module) pkg = withField(pkg, 'module', wanted.module);
  else if (typeof pkg.module === 'string') pkg = withoutField(pkg, 'module');
  if (wanted.types) {
    pkg = withField(pkg, 'types', wanted.types);
    if ('typings' in pkg) pkg = withField(pkg, 'typings', wanted.types);
  } else {
    // A `types` left pointing into outputDir would name a file the build no longer writes.
    for (const key of ['types', 'typings'])
      if (typeof pkg[key] === 'string' && isUnder(pkg[key] as string, opts.outputDir)) pkg = withoutField(pkg, key);
  }
  pkg = withField(pkg, 'exports', mergeExports(before, wanted, opts));
  if (Array.isArray(pkg.files) && !pkg.files.some((f) => typeof f === 'string' && isUnder(f, opts.outputDir, true))) {
    pkg = withField(pkg, 'files', [...pkg.files, opts.outputDir]);
  }
  return { pkg, changed: changedFields(before, pkg) };
}

function mergeExports(before: Json, wanted: EntryFields, opts: ApplyOptions): Json {
  const existing = before.exports;
  const isSubpathMap =
    !!existing && typeof existing === 'object' && !Array.isArray(existing) && Object.keys(existing).every((k) => k.startsWith('.'));
  // A top-level string or conditions object describes only `.`, so it is replaced whole.
  const theirs: Json = isSubpathMap ? (existing as Json) : {};
  const written = buildDirectories(before, opts.outputDir);
  // Existing subpaths keep their order (ours updated in place); new ones are added after.
  const out: Json = {};
  for (const [k, v] of Object.entries(theirs)) {
    if (k in wanted.exports) out[k] = wanted.exports[k];
    else if (k.includes('*') || !pointsOnlyInto(v, written)) out[k] = v;
  }
  for (const [k, v] of Object.entries(wanted.exports)) out[k] ??= v;
  if (opts.exportPackageJson) out['./package.json'] ??= './package.json';
  return out;
}

/** outputDir, and the directories the package.json's own entry fields point into (an earlier outputDir). */
function buildDirectories(pkg: Json, outputDir: string): string[] {
  const dirs = new Set([outputDir]);
  const exportsRoot =
    pkg.exports && typeof pkg.exports === 'object' && !Array.isArray(pkg.exports) ? (pkg.exports as Json)['.'] : pkg.exports;
  for (const v of [pkg.main, pkg.module, pkg.types, pkg.typings, ...leaves(exportsRoot)]) {
    if (typeof v !== 'string' || !JS_OR_TYPES.test(v)) continue;
    const parts = v.replace(/^\.\//, '').split('/');
    if (parts.length > 1 && parts[0] !== '..') dirs.add(parts.slice(0, -1).join('/'));
  }
  return [...dirs];
}

function leaves(v: unknown): unknown[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (v && typeof v === 'object') return Object.values(v).flatMap(leaves);
  return [];
}

function pointsOnlyInto(value: unknown, dirs: string[]): boolean {
  const all = leaves(value);
  return all.length > 0 && all.every((l) => typeof l === 'string' && JS_OR_TYPES.test(l) && dirs.some((d) => isUnder(l, d)));
}

function isUnder(path: string, dir: string, allowDirItself = false): boolean {
  const p = path
    .replace(/^\.\//, '')
    .replace(/\/\*\*(\/\*)?$/, '')
    .replace(/\/+$/, '');
  return p.startsWith(`${dir}/`) || (allowDirItself && p === dir);
}

/** Top-level fields that differ, in the order of the new file (removed ones last); `exports` per subpath. */
function changedFields(before: Json, after: Json): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const changed: string[] = [];
  for (const key of new Set([...Object.keys(after), ...Object.keys(before)])) {
    if (same(before[key], after[key])) continue;
    if (key !== 'exports' || !isPlainObject(after.exports) || !isPlainObject(before.exports)) {
      changed.push(key);
      continue;
    }
    const b = before.exports as Json;
    const a = after.exports as Json;
    const subpaths = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k]));
    // Only the order changed: the field as a whole.
    changed.push(...(subpaths.length ? subpaths.map((k) => `exports[${JSON.stringify(k)}]`) : ['exports']));
  }
  return changed;
}

const isPlainObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

const FIELD_ORDER = [
  'name',
  'version',
  'private',
  'description',
  'license',
  'type',
  'main',
  'module',
  'types',
  'typings',
  'exports',
  'files',
];

/** Sets a field in place, or inserts a new one after the fields that conventionally precede it. */
export function withField(pkg: Json, key: string, value: unknown): Json {
  if (key in pkg) return { ...pkg, [key]: value };
  const before = new Set(FIELD_ORDER.slice(0, FIELD_ORDER.indexOf(key)));
  const keys = Object.keys(pkg);
  let at = 0;
  keys.forEach((k, i) => {
    if (before.has(k)) at = i + 1;
  });
  const out: Json = {};
  keys.slice(0, at).forEach((k) => (out[k] = pkg[k]));
  out[key] = value;
  keys.slice(at).forEach((k) => (out[k] = pkg[k]));
  return out;
}

function withoutField(pkg: Json, key: string): Json {
  const { [key]: _removed, ...rest } = pkg;
  return rest;
}

/**
 * package.json in step with a resolved config (docs/records-and-cli.md, "sync"); undefined for
 * a custom build, whose outputs only its command knows.
 */
export function packageJsonInStep(
  config: { builder: string; entries: readonly { name: string }[]; format: readonly Format[]; outputDir: string; dts: boolean },
  pkg: Json,
): AppliedFields | undefined {
  if (config.builder === 'custom') return undefined;
  const wanted = wantedEntryFields({ ...config, packageType: packageTypeOf(pkg) });
  return applyEntryFields(pkg, wanted, { outputDir: config.outputDir });
}

/** JSON as the file had it: same indentation, same final newline. */
export function formatLike(original: string, value: unknown): string {
  const indent = /^([ \t]+)"/m.exec(original)?.[1] ?? '  ';
  return JSON.stringify(value, null, indent) + (original === '' || original.endsWith('\n') ? '\n' : '');
}

/** What sync reads from a config. */
export interface SyncConfig {
  builder: string;
  entries: EntryPoint[];
  format: Format[];
  outputDir: string;
  dts: boolean;
}

/**
 * The fields sync needs from a plain-data config (static-config.ts), with the environment's
 * overrides and the defaults of config/resolve.ts; undefined when a field is not a plain value
 * of the expected type (the caller then loads and validates the config for real).
 */
export function syncConfigFromStatic(raw: Record<string, unknown>, pkg: Json, environment = 'production'): SyncConfig | undefined {
  const envs = raw.environments;
  const env = (isPlainObject(envs) && isPlainObject(envs[environment]) ? envs[environment] : {}) as Json;
  const pick = (key: string) => (env[key] !== undefined ? env[key] : raw[key]);
  const builder = raw.builder ?? 'esbuild';
  const entry = raw.entry ?? 'src/index.ts';
  const outputDir = raw.outputDir ?? 'dist';
  const format = pick('format') ?? 'esm';
  const dts = pick('dts') ?? Boolean(pkg.types ?? pkg.typings);
  const formats = Array.isArray(format) ? format : [format];
  const entryOk =
    (typeof entry === 'string' && entry !== '') ||
    (Array.isArray(entry) && entry.length > 0 && entry.every((e) => typeof e === 'string' && e !== '')) ||
    (isPlainObject(entry) && Object.values(entry).every((e) => typeof e === 'string' && e !== ''));
  if (typeof builder !== 'string' || typeof outputDir !== 'string' || typeof dts !== 'boolean' || !entryOk) return undefined;
  if (!formats.length || !formats.every((f) => f === 'esm' || f === 'cjs')) return undefined;
  const dir = posix.normalize(outputDir.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/\/+$/, '');
  if (!dir || dir === '.' || dir.startsWith('../') || posix.isAbsolute(dir)) return undefined;
  return { builder, entries: resolveEntries(entry as string), format: [...new Set(formats as Format[])], outputDir: dir, dts };
}
