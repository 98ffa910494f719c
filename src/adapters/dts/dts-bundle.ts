/**
 * Bundled declarations (docs/builders.md, "Declarations"): one rollup run over the per-file
 * declarations the workspace's TypeScript emitted, with rollup-plugin-dts, written once per
 * format (`index.d.ts`, `index.d.mts`, `index.d.cts`), shared types in `chunks/`.
 *
 * Runs in a worker process (dts-bundle-worker.ts, or the isolated-declarations worker after its
 * emit): rollup-plugin-dts parses with TypeScript's JS API, which is loaded there once, from a
 * code cache. The same TypeScript resolves imports, so `paths`, `exports` conditions, `types`
 * fields and `@types` resolve as the compiler resolved them.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type * as TS from 'typescript';
import type { Plugin, RollupLog } from 'rollup';
import type { DtsExtension, JsExtension } from '../../config/outputs';
import { codeCacheEnabled, codeCachePath, preloadWithCodeCache } from '../../utils/code-cache';
import { walkRelative } from '../../utils/files';
import { tsconfigChainText } from '../../utils/tsconfig-read';
import { chunkSpecifiersToModules, declarationPathOf } from './dts-specifiers';
import { readPackageJson } from '../../utils/package-json';
import { packageNameOf } from '../../utils/node-resolve';

export interface DtsBundleSpec {
  workspaceRoot: string;
  packageRoot: string;
  /** The tsconfig the package builds with: its module resolution options are used. */
  tsconfig?: string;
  /** Where the per-file declarations were emitted, mirroring the workspace root. */
  declarationsDir: string;
  outDir: string;
  /** Entry name (`index`, `cli/index`) → its declaration file, absolute. */
  inputs: Record<string, string>;
  /** One output per format. */
  outputs: { dts: DtsExtension; js: JsExtension }[];
  /** Package names that stay imports (`name` and `name/…`). */
  external: string[];
  /** Node builtins stay imports (platform node). */
  builtinsExternal: boolean;
  /** Resolved module paths of rollup and rollup-plugin-dts. */
  rollup: string;
  plugin: string;
}

/** What the isolated-declarations worker is told besides its tsconfig. */
export interface IsolatedDtsOptions {
  /** Package names that stay imports: their imports are not followed. */
  external: string[];
  builtinsExternal: boolean;
  /** Where to write the JSON list of the sources read. */
  readsFile?: string;
  /** Bundle the emitted files in the same process. */
  bundle?: DtsBundleSpec;
}

/** What the checked-declarations worker is told besides its tsconfig. */
export interface CheckedDtsOptions {
  packageRoot: string;
  /** Directories of workspace packages imported as dependencies: their sources are checked by their own build. */
  checkedElsewhere: string[];
  /** Where to write the JSON list of the program's files. */
  readsFile?: string;
  /** Bundle the emitted files in the same process. */
  bundle?: DtsBundleSpec;
}

export interface DtsBundleMessage {
  message: string;
  /** Absolute. */
  file?: string;
  line?: number;
  column?: number;
}

export interface DtsBundleResult {
  errors: DtsBundleMessage[];
  warnings: DtsBundleMessage[];
}

type TypeScript = typeof TS;

/**
 * The TypeScript whose JS API rollup-plugin-dts uses, as it finds it: `typescript` beside it,
 * else the `@typescript/typescript6` compatibility package (TypeScript 7 has no JS API).
 */
export function loadTypeScriptFor(pluginPath: string): TypeScript | string {
  const req = createRequire(pluginPath);
  let ts: (TypeScript & { version?: string }) | undefined;
  try {
    ts = req('typescript') as TypeScript;
  } catch {
    /* not installed, or not loadable with require */
  }
  if (ts && typeof ts.createProgram === 'function') return ts;
  try {
    return req('@typescript/typescript6') as TypeScript;
  } catch {
    return ts
      ? `bundled declarations parse with TypeScript's JS API, which typescript@${ts.version} does not have: ` +
          'install @typescript/typescript6 beside it (npm i -D @typescript/typescript6), or set dts: { bundle: false }'
      : 'bundled declarations need the typescript package (npm i -D typescript)';
  }
}

/** What the worker prints before its one-line JSON result (the parent parses it). */
export const DTS_BUNDLE_MARKER = '@@BUILD_SYSTEM_DTS_BUNDLE@@';

export function printBundleResult(result: DtsBundleResult): void {
  process.stdout.write(`\n${DTS_BUNDLE_MARKER}${JSON.stringify(result)}\n`);
}

/**
 * TypeScript 5.x/6.x is one 9 MB file compiled on every start: loaded from the V8 code cache
 * (utils/code-cache.ts) before rollup-plugin-dts requires it, which then gets that instance.
 */
export function preloadTypeScript(spec: Pick<DtsBundleSpec, 'plugin' | 'workspaceRoot'>): void {
  if (!codeCacheEnabled()) return;
  let file: string;
  try {
    file = createRequire(spec.plugin).resolve('typescript');
  } catch {
    return;
  }
  // The JS compiler API's file (TypeScript 7's entry is a stub: the plugin finds its fallback).
  if (!/[\\/]lib[\\/]typescript\.js$/.test(file)) return;
  preloadWithCodeCache(file, codeCachePath(spec.workspaceRoot, file));
}

/**
 * Bundling is skipped when nothing it reads changed: an edit inside a function body re-emits
 * the same declarations, and their bundle is then the previous one, kept in the state
 * directory. The key covers the spec, the rollup and rollup-plugin-dts versions, the tsconfig
 * chain (resolution options), every file of the emitted tree (a new file may change what an
 * import resolves to) and every other file the last bundle read (hand-written `.d.ts`, a
 * package's types).
 */
interface BundleManifest {
  key: string;
  /** Absolute files outside the emitted tree that the bundle read. */
  outside: string[];
  /** The files written, relative to outDir. */
  outputs: string[];
}

const bundleStore = (spec: DtsBundleSpec) => ({ dir: `${spec.declarationsDir}-bundled`, manifest: `${spec.declarationsDir}-bundled.json` });

function bundleKey(spec: DtsBundleSpec, outside: readonly string[]): string {
  const hash = createHash('sha1');
  const version = (module: string) => {
    for (let dir = dirname(module); dirname(dir) !== dir; dir = dirname(dir)) {
      const pkg = readPackageJson(dir);
      if (pkg) return String(pkg.version);
    }
    return '';
  };
  const { outDir: _outDir, ...rest } = spec;
  hash.update(JSON.stringify(rest)).update(`\0${version(spec.rollup)}\0${version(spec.plugin)}\0`);
  if (spec.tsconfig) hash.update(tsconfigChainText(spec.tsconfig));
  const fileHash = (file: string) => {
    try {
      return createHash('sha1').update(readFileSync(file)).digest('hex');
    } catch {
      return 'missing';
    }
  };
  for (const rel of [...walkRelative(spec.declarationsDir)].sort()) hash.update(`\0${rel}\0${fileHash(join(spec.declarationsDir, rel))}`);
  for (const file of outside) hash.update(`\0${file}\0${fileHash(file)}`);
  return hash.digest('hex');
}

/** Writes the previous bundle into outDir when nothing it read changed; false otherwise. */
export function reuseBundle(spec: DtsBundleSpec): boolean {
  const store = bundleStore(spec);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(store.manifest, 'utf8')) as BundleManifest;
  } catch {
    return false;
  }
  if (!Array.isArray(manifest.outside) || !Array.isArray(manifest.outputs)) return false;
  if (manifest.key !== bundleKey(spec, manifest.outside) || !manifest.outputs.every((f) => existsSync(join(store.dir, f)))) return false;
  for (const f of manifest.outputs) {
    mkdirSync(dirname(join(spec.outDir, f)), { recursive: true });
    copyFileSync(join(store.dir, f), join(spec.outDir, f));
  }
  return true;
}

function saveBundle(spec: DtsBundleSpec, read: string[], outputs: string[]): void {
  const store = bundleStore(spec);
  rmSync(store.dir, { recursive: true, force: true });
  for (const f of outputs) {
    mkdirSync(dirname(join(store.dir, f)), { recursive: true });
    copyFileSync(join(spec.outDir, f), join(store.dir, f));
  }
  const outside = read.filter((f) => isAbsolute(f) && relative(spec.declarationsDir, f).startsWith('..')).sort();
  const manifest: BundleManifest = { key: bundleKey(spec, outside), outside, outputs };
  writeFileSync(store.manifest, JSON.stringify(manifest));
}

export async function bundleDeclarations(spec: DtsBundleSpec): Promise<DtsBundleResult> {
  const result: DtsBundleResult = { errors: [], warnings: [] };
  if (reuseBundle(spec)) return result;
  rmSync(bundleStore(spec).manifest, { force: true });
  const ts = loadTypeScriptFor(spec.plugin);
  if (typeof ts === 'string') return { errors: [{ message: ts }], warnings: [] };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rollup = require(spec.rollup) as typeof import('rollup');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { dts } = require(spec.plugin) as typeof import('rollup-plugin-dts');
  let bundle: import('rollup').RollupBuild | undefined;
  try {
    bundle = await rollup.rollup({
      input: spec.inputs,
      plugins: [declarationResolver(ts, spec, result), dts()],
      onLog: (level, log) => {
        if (level === 'warn' && log.code !== 'CIRCULAR_DEPENDENCY' && log.code !== 'EMPTY_BUNDLE') result.warnings.push(fromLog(log));
      },
    });
    if (result.errors.length) return result;
    // One rollup run; each format is one more write of the same bundle.
    const written: string[] = [];
    for (const out of spec.outputs) {
      const { output } = await bundle.write({
        dir: spec.outDir,
        format: 'es',
        entryFileNames: `[name]${out.dts}`,
        // A chunk is named after its first module, a declaration file (`types.d`): `chunks/types-<hash>.d.ts`.
        chunkFileNames: (chunk) => `chunks/${chunk.name.replace(/\.d$/, '')}-[hash]${out.dts}`,
        plugins: [
          { name: 'build-system:dts-chunk-specifiers', renderChunk: (code) => ({ code: chunkSpecifiersToModules(code, out.dts, out.js) }) },
        ],
      });
      written.push(...output.map((o) => o.fileName));
    }
    if (!result.errors.length && !result.warnings.length) saveBundle(spec, bundle.watchFiles, written);
  } catch (err) {
    if (!result.errors.length) result.errors.push(fromLog(err as RollupLog));
  } finally {
    await bundle?.close();
  }
  return result;
}

function fromLog(log: RollupLog): DtsBundleMessage {
  const file = log.loc?.file ?? log.id;
  return {
    message: (log.message ?? String(log)).replace(/^.*?\(\d+:\d+\): /, ''),
    file: file && isAbsolute(file) ? file : undefined,
    line: log.loc?.line,
    column: log.loc?.column !== undefined ? log.loc.column + 1 : undefined,
  };
}

const BUILTINS = new Set(builtinModules);

/**
 * Where each import of a declaration file leads: external packages (dependencies, builtins on
 * node) stay imports, as in the JavaScript bundle; anything else is inlined from its
 * declarations — the emitted ones for workspace sources (a `noExternal` package whose exports
 * point at TypeScript, a `paths` alias), a package's own `.d.ts` otherwise. A relative import
 * whose declarations are missing is an error; a package with no declarations stays an import,
 * with a warning.
 */
function declarationResolver(ts: TypeScript, spec: DtsBundleSpec, result: DtsBundleResult): Plugin {
  const options = resolutionOptions(ts, spec);
  const host = ts.sys;
  const emitted = (source: string) => join(spec.declarationsDir, relative(spec.workspaceRoot, declarationPathOf(source)));
  const insideWorkspace = (file: string) => {
    const rel = relative(spec.workspaceRoot, file);
    return !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('node_modules');
  };
  /** A declaration file in the emitted tree stands for the source it came from (imports resolve from there). */
  const sourceSide = (importer: string) => {
    const rel = relative(spec.declarationsDir, importer);
    return rel.startsWith('..') || isAbsolute(rel) ? importer : join(spec.workspaceRoot, rel);
  };
  const warned = new Set<string>();
  return {
    name: 'build-system:dts-resolve',
    resolveId(source, importer) {
      if (!importer || source.startsWith('\0')) return null;
      const relativeImport = source.startsWith('.') || isAbsolute(source);
      if (!relativeImport) {
        const name = packageNameOf(source.replace(/^node:/, ''));
        if (source.startsWith('node:') || BUILTINS.has(source)) {
          if (spec.builtinsExternal) return { id: source, external: true };
        } else if (spec.external.includes(name)) return { id: source, external: true };
      }
      const from = sourceSide(importer);
      const resolved = ts.resolveModuleName(source, from, options, host).resolvedModule?.resolvedFileName;
      const file = resolved && declarationFor(resolve(resolved));
      if (file) return file;
      if (relativeImport) {
        const what = resolved ? `no declarations were emitted for ${relative(spec.workspaceRoot, resolved)}` : 'it does not resolve';
        result.errors.push({ message: `declarations import "${source}" but ${what}`, file: from });
        return { id: source, external: true };
      }
      if (!warned.has(source)) {
        warned.add(source);
        const message =
          `declarations keep the import of "${source}": it is not a dependency and has no declarations to inline ` +
          '(consumers need it installed)';
        result.warnings.push({ message, file: from });
      }
      return { id: source, external: true };
    },
  };

  function declarationFor(file: string): string | undefined {
    if (/\.d\.[cm]?ts$/.test(file)) return file;
    if (/\.json$/.test(file)) return undefined;
    // A workspace source: the declarations the compiler emitted for it.
    if (insideWorkspace(file)) {
      const out = emitted(file);
      if (existsSync(out)) return out;
    }
    // JavaScript with hand-written declarations beside it.
    const beside = declarationPathOf(file);
    return beside !== file && existsSync(beside) ? beside : undefined;
  }
}

/**
 * The package's compiler options, for resolution only: its `paths`, `baseUrl`,
 * `customConditions`, `types`; resolved as a bundler resolves (package `exports` with the
 * `types` and `import` conditions, extensionless and `.ts` relative imports).
 */
function resolutionOptions(ts: TypeScript, spec: DtsBundleSpec): TS.CompilerOptions {
  let options: TS.CompilerOptions = {};
  if (spec.tsconfig && existsSync(spec.tsconfig)) {
    // Only the options: no `include` expansion (a workspace-wide glob would walk every file).
    const dir = dirname(spec.tsconfig);
    const json = { extends: spec.tsconfig, files: [], include: [] };
    options = ts.parseJsonConfigFileContent(json, ts.sys, dir, undefined, join(dir, '__dts_bundle__.json')).options;
  }
  const bundler = { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler };
  return { ...options, ...bundler, allowImportingTsExtensions: true, resolveJsonModule: true, allowJs: true };
}
