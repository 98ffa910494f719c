import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { dtsExtension, jsExtension, packageTypeOf, type DtsExtension, type JsExtension } from '../../config/outputs';
import { CONFIG_FILE_NAMES } from '../../config/define';
import { commonDir, packageTsconfig, toPosix, workspacePath, type ResolvedBuildConfig } from '../../config/resolve';
import { declaresTypes } from '../../config/resolve/defaults';
import { readStaticConfig } from '../../config/static-config';
import { buildError, type BuildError } from '../../errors';
import type { AdapterContext, AdapterResult } from '../types';
import { codeCacheEnabled, codeCachePath } from '../../utils/code-cache';
import { walkRelative } from '../../utils/files';
import { resolveModule, packageNameOf } from '../../utils/node-resolve';
import { resolveToolModule, resolveWorkspaceModule } from '../../utils/find-tool';
import { findCompilerApi, findTranspileDeclarationApi, parseTscDiagnostics, runTsc, typescriptVersion } from '../tsc/tsc-cli';
import { prepareIncrementalTsc } from '../tsc/tsc-reuse';
import { runCommand } from '../../utils/spawn';
import { runInDtsThread } from './dts-thread';
import {
  DTS_BUNDLE_MARKER,
  reuseBundle,
  type CheckedDtsOptions,
  type DtsBundleResult,
  type DtsBundleSpec,
  type IsolatedDtsOptions,
} from './dts-bundle';
import { bareSpecifiers, declarationPathOf, declarationStem, perFileSpecifier, rewriteRelativeSpecifiers } from './dts-specifiers';
import { readCompilerOption, unsetInherited } from '../../utils/tsconfig-read';
import { emitWithOxc, loadOxcTransform, type OxcTransform } from './oxc-declarations';
import type * as TS from 'typescript';
import { packageVersionAt, readPackageJson } from '../../utils/package-json';

/** Errors and warnings of the declarations step, and the sources its program read (AdapterResult). */
type DeclarationsResult = Required<Pick<AdapterResult, 'errors' | 'warnings'>> & Pick<AdapterResult, 'reads'>;

/**
 * What made the per-file declarations (the record's `metadata.declarations`): the workspace's
 * TypeScript with a type-check, its `transpileDeclaration` under `isolatedDeclarations`, or
 * oxc-transform under `isolatedDeclarations`.
 */
export type DeclarationsMode = 'checked' | 'isolated' | 'oxc';

/**
 * Declarations for bundled builds (docs/builders.md, "Declarations"), in two steps:
 *
 * 1. Per-file `.d.ts` from the workspace's own TypeScript, into the state directory, mirroring
 *    the workspace (so a private workspace package the bundle inlines is emitted too). By default
 *    the workspace's tsc emits them (type-checking on the way; incremental, exact as the tsc
 *    builder's build info is). Where the tsconfig sets `isolatedDeclarations`, each file's
 *    declarations come from its own syntax, with no program and no type-check: from oxc-transform
 *    in this process when the workspace has it (an optional peer), else from TypeScript's
 *    `transpileDeclaration` (5.5–6.x) in a worker process; several times faster either way.
 * 2. Bundled (the default): one rollup run with rollup-plugin-dts over those files writes each
 *    entry's declarations once per format beside its module (`index.d.ts`/`.d.mts`/`.d.cts`),
 *    externals kept as imports, inlined packages' types inlined. `dts: { bundle: false }`
 *    copies the per-file tree instead, once per format, specifiers rewritten to the modules.
 */
export async function emitDeclarations(ctx: AdapterContext): Promise<DeclarationsResult & { mode?: DeclarationsMode }> {
  const { config } = ctx;
  const tools = config.dtsBundle ? bundleTools(config) : undefined;
  if (typeof tools === 'string') return { errors: [buildError('BUILDER_UNAVAILABLE', tools, { phase: 'dts' })], warnings: [] };
  const isolated = usesIsolatedDeclarations(config);
  const oxc = isolated ? await workspaceOxc(config) : undefined;
  const oxcFallback = typeof oxc === 'string' ? [buildError('BUILDER_FALLBACK', oxc, { phase: 'dts' })] : [];
  const oxcApi = typeof oxc === 'object' ? oxc : undefined;
  const isolatedApi = isolated && !oxcApi ? findTranspileDeclarationApi(config) : undefined;
  const mode: DeclarationsMode = oxcApi ? 'oxc' : isolatedApi ? 'isolated' : 'checked';
  const declarationsDir = join(ctx.stateDir, mode === 'checked' ? 'dts' : 'dts-isolated');
  const bundle = tools && bundleSpec(ctx, declarationsDir, tools);
  const checkedApi = mode === 'checked' ? findCompilerApi(config) : undefined;
  const emitted = oxcApi
    ? emitOxc(ctx, oxcApi, declarationsDir)
    : isolatedApi
      ? await emitIsolated(ctx, isolatedApi, declarationsDir, bundle)
      : await emitChecked(ctx, declarationsDir, checkedApi ? { api: checkedApi, bundle } : undefined);
  const warnings = [...oxcFallback, ...emitted.warnings];
  // The workers of the JS API bundle in their own process (their TypeScript is loaded already).
  if (emitted.errors.length || (bundle && (isolatedApi || checkedApi))) return { ...emitted, warnings, mode };
  if (bundle) {
    // The same declarations as last time (an edit inside a body): the same bundle, no worker.
    const bundled = reuseBundle(bundle)
      ? { errors: [], warnings: [] }
      : oxcApi
        ? await bundleInThread(ctx, bundle)
        : await bundleInWorker(ctx, bundle);
    return { errors: bundled.errors, warnings: [...warnings, ...bundled.warnings], reads: emitted.reads, mode };
  }
  return { ...emitted, warnings: [...warnings, ...copyPerFile(config, declarationsDir, ctx.outDir)], mode };
}

/**
 * Checked: the workspace's TypeScript writes into its own directory under the state dir,
 * incrementally (an edit re-checks what it affects). With a JS API (5.x/6.x) in one worker that
 * also bundles (checked-dts-worker.ts); TypeScript 7 (native) as its tsc process.
 */
async function emitChecked(
  ctx: AdapterContext,
  declarationsDir: string,
  worker: { api: string; bundle: DtsBundleSpec | undefined } | undefined,
): Promise<DeclarationsResult> {
  const { config } = ctx;
  const checkedElsewhere = worker ? dependenciesCheckedByTheirBuild(config) : [];
  const run = prepareIncrementalTsc({
    config,
    stateDir: ctx.stateDir,
    name: 'dts',
    rootDir: resolve(config.packageRoot, entriesRoot(config)),
    outDir: declarationsDir,
    tsconfig: (buildInfo) => dtsTsconfig(config, declarationsDir, buildInfo),
    // Build info of another TypeScript, or of a program that checked other files, is not reused.
    key: JSON.stringify([typescriptVersion(config), worker ? 'thread' : 'tsc', checkedElsewhere]),
  });
  if (worker) {
    const readsFile = join(ctx.stateDir, 'dts-checked-reads.json');
    rmSync(readsFile, { force: true });
    const options: CheckedDtsOptions = { packageRoot: config.packageRoot, checkedElsewhere, readsFile, bundle: worker.bundle };
    const cache = codeCacheEnabled() ? codeCachePath(config.workspaceRoot, worker.api) : '';
    const request = { tsModule: worker.api, cacheFile: cache, tsconfig: run.tsconfig, options };
    const result = parseWorkerOutput(ctx, await runInDtsThread(request, ctx.signal));
    // The bundle's errors are not the program's: its build info stays good.
    if (result.programOk) run.commit();
    else run.discard();
    return { errors: result.errors, warnings: result.warnings, reads: result.errors.length ? [] : readList(readsFile) };
  }
  const errors = await runTsc({ ctx, config, args: ['-p', run.tsconfig], phase: 'dts' });
  if (errors.length) {
    run.discard();
    return { errors, warnings: [] };
  }
  run.commit();
  return { errors: [], warnings: [], reads: run.programFiles() };
}

/** Under `isolatedDeclarations`: a worker transpiles each reachable file, then bundles when asked to. */
async function emitIsolated(
  ctx: AdapterContext,
  api: string,
  declarationsDir: string,
  bundle: DtsBundleSpec | undefined,
): Promise<DeclarationsResult> {
  const { config } = ctx;
  // Not incremental: written afresh, so no file of a removed source stays behind.
  rmSync(declarationsDir, { recursive: true, force: true });
  mkdirSync(declarationsDir, { recursive: true });
  const tsconfigPath = join(ctx.stateDir, 'tsconfig.dts-isolated.json');
  const optionsPath = join(ctx.stateDir, 'dts-isolated-options.json');
  const readsFile = join(ctx.stateDir, 'dts-isolated-reads.json');
  rmSync(readsFile, { force: true });
  writeFileSync(tsconfigPath, JSON.stringify(dtsTsconfig(config, declarationsDir), null, 2));
  const options: IsolatedDtsOptions = { external: config.external, builtinsExternal: config.platform === 'node', readsFile, bundle };
  writeFileSync(optionsPath, JSON.stringify(options));
  const cache = codeCacheEnabled() ? codeCachePath(config.workspaceRoot, api) : '';
  const { programOk: _ok, ...result } = await runWorker(ctx, [ISOLATED_DTS_WORKER, api, cache, tsconfigPath, optionsPath]);
  return { ...result, reads: result.errors.length ? [] : readList(readsFile) };
}

/**
 * oxc-transform as the workspace installed it (never the plugin's own copy), loaded; a message
 * when it is installed but does not load (no native binding for this platform, say): the
 * TypeScript path then makes the declarations. Undefined when not installed.
 */
async function workspaceOxc(config: ResolvedBuildConfig): Promise<OxcTransform | string | undefined> {
  const file = resolveWorkspaceModule('oxc-transform', [config.packageRoot, config.workspaceRoot]);
  if (!file) return undefined;
  try {
    return await loadOxcTransform(file);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return `oxc-transform is installed but did not load (${why}): declarations come from TypeScript`;
  }
}

/** Under `isolatedDeclarations` with oxc-transform: each reachable file in this process, no TypeScript. */
function emitOxc(ctx: AdapterContext, oxc: OxcTransform, declarationsDir: string): DeclarationsResult {
  const { config } = ctx;
  // Not incremental: written afresh, so no file of a removed source stays behind.
  rmSync(declarationsDir, { recursive: true, force: true });
  mkdirSync(declarationsDir, { recursive: true });
  const tsconfig = packageTsconfig(config);
  const own = !!tsconfig && existsSync(tsconfig);
  const result = emitWithOxc(oxc, {
    roots: [...config.entries.map((e) => resolve(config.packageRoot, e.path)), ...inlinedWorkspaceSources(config)],
    rootDir: config.workspaceRoot,
    outDir: declarationsDir,
    external: config.external,
    builtinsExternal: config.platform === 'node',
    stripInternal: own && readCompilerOption(tsconfig!, 'stripInternal') === true,
    resolvePackage: packageResolver(ctx, declarationsDir),
    locate: (file) => workspacePath(config, file),
  });
  return { errors: result.errors, warnings: result.warnings, reads: result.errors.length ? [] : result.reads };
}

/**
 * Where an import of a package that is not external leads, for the oxc path, as the TypeScript
 * path resolves it (bundler resolution with the package's `paths`, `customConditions`, package
 * `exports`, `imports`). Only a package linked from the workspace, a `#` subpath import or a
 * `paths`/`baseUrl` alias can lead to sources to follow: TypeScript is loaded for those alone,
 * once per build, and only when one is imported.
 */
function packageResolver(ctx: AdapterContext, declarationsDir: string): (spec: string, importer: string) => string | undefined {
  const { config } = ctx;
  const tsconfig = packageTsconfig(config);
  const aliases = !!tsconfig && existsSync(tsconfig) && ['paths', 'baseUrl'].some((o) => readCompilerOption(tsconfig, o) !== undefined);
  let resolver: ((spec: string, importer: string) => string | undefined) | undefined;
  return (spec, importer) => {
    const name = packageNameOf(spec);
    // `#name`: the package's own `imports` map, which may point at its sources.
    if (!aliases && !spec.startsWith('#') && !linkedWorkspacePackage(name, dirname(importer))) return undefined;
    resolver ??= typeScriptResolver(ctx, declarationsDir);
    return resolver(spec, importer);
  };
}

function typeScriptResolver(ctx: AdapterContext, declarationsDir: string): (spec: string, importer: string) => string | undefined {
  const { config } = ctx;
  const api = findCompilerApi(config);
  if (!api) {
    // TypeScript 7 (no JS API): package exports as Node resolves them.
    return (spec, importer) => resolveModule(spec, importer);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require(api) as typeof TS;
  const json = { ...dtsTsconfig(config, declarationsDir), files: [], include: [] };
  const parsed = ts.parseJsonConfigFileContent(json, ts.sys, ctx.stateDir, undefined, join(ctx.stateDir, 'tsconfig.dts-isolated.json'));
  // As isolated-dts-worker.ts resolves: as a bundler does (package `exports`, `paths`).
  const options = {
    ...parsed.options,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
  };
  return (spec, importer) => ts.resolveModuleName(spec, importer, options, ts.sys).resolvedModule?.resolvedFileName;
}

/** The bundle in the declarations thread, which keeps TypeScript loaded for the next package. */
async function bundleInThread(ctx: AdapterContext, spec: DtsBundleSpec): Promise<DeclarationsResult> {
  let tsModule = '';
  try {
    tsModule = createRequire(spec.plugin).resolve('typescript');
  } catch {
    /* the bundle reports what to install */
  }
  const { programOk: _ok, ...result } = parseWorkerOutput(ctx, await runInDtsThread({ tsModule, bundle: spec }, ctx.signal));
  return result;
}

function readList(file: string): string[] {
  try {
    const list = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

const ISOLATED_DTS_WORKER = join(__dirname, 'isolated-dts-worker.js');
const DTS_BUNDLE_WORKER = join(__dirname, 'dts-bundle-worker.js');

/** rollup (a peer: the workspace's) and rollup-plugin-dts (ours), or what to install. */
function bundleTools(config: ResolvedBuildConfig): { rollup: string; plugin: string } | string {
  const from = [config.packageRoot, config.workspaceRoot];
  const rollup = resolveToolModule('rollup', from);
  const plugin = resolveToolModule('rollup-plugin-dts', from);
  if (rollup && plugin) return typeScriptApiFor(plugin) ?? { rollup, plugin };
  const missing = [rollup ? '' : 'rollup', plugin ? '' : 'rollup-plugin-dts'].filter(Boolean).join(' ');
  return (
    `bundled declarations are written by rollup with rollup-plugin-dts: install ${missing} in the workspace ` +
    `(npm i -D ${missing}), or set dts: { bundle: false } for one declaration file per source`
  );
}

/**
 * rollup-plugin-dts parses with TypeScript's JS API, from the `typescript` it finds; TypeScript 7
 * (native) has none, and needs the `@typescript/typescript6` compatibility package beside it.
 */
function typeScriptApiFor(plugin: string): string | undefined {
  const found = (name: string) => resolveToolModule(`${name}/package.json`, [dirname(plugin)]);
  const ts = found('typescript');
  if (!ts) return 'bundled declarations need the typescript package (npm i -D typescript), or set dts: { bundle: false }';
  // An unreadable version: the worker finds out.
  const major = Number((packageVersionAt(dirname(ts)) ?? 'NaN').split('.')[0]);
  if (major >= 7 && !found('@typescript/typescript6')) {
    return (
      `bundled declarations are parsed with TypeScript's JS API, which TypeScript ${major} does not have: ` +
      'install the compatibility package (npm i -D @typescript/typescript6), or set dts: { bundle: false }'
    );
  }
  return undefined;
}

function usesIsolatedDeclarations(config: ResolvedBuildConfig): boolean {
  const tsconfig = packageTsconfig(config);
  return !!tsconfig && existsSync(tsconfig) && readCompilerOption(tsconfig, 'isolatedDeclarations') === true;
}

/** What the per-file declarations and their bundle need from the package's config. */
function bundleSpec(ctx: AdapterContext, declarationsDir: string, tools: { rollup: string; plugin: string }): DtsBundleSpec {
  const { config } = ctx;
  const packageType = packageTypeOf(config.packageJson);
  return {
    workspaceRoot: config.workspaceRoot,
    packageRoot: config.packageRoot,
    tsconfig: packageTsconfig(config),
    declarationsDir,
    outDir: ctx.outDir,
    inputs: Object.fromEntries(
      config.entries.map((e) => [e.name, emittedDeclaration(config, declarationsDir, resolve(config.packageRoot, e.path))]),
    ),
    outputs: [...new Set(config.format.map((f) => jsExtension(f, packageType)))].map((js) => ({ js, dts: dtsExtension(js) })),
    external: config.external,
    builtinsExternal: config.platform === 'node',
    ...tools,
  };
}

/** Where the declarations of a source land in the mirrored tree; a `.d.ts` entry is its own. */
function emittedDeclaration(config: ResolvedBuildConfig, declarationsDir: string, source: string): string {
  if (/\.d\.[cm]?ts$/.test(source)) return source;
  return join(declarationsDir, relative(config.workspaceRoot, declarationPathOf(source)));
}

async function bundleInWorker(ctx: AdapterContext, spec: DtsBundleSpec): Promise<DeclarationsResult> {
  const specPath = join(ctx.stateDir, 'dts-bundle.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const { programOk: _ok, ...result } = await runWorker(ctx, [DTS_BUNDLE_WORKER, specPath]);
  return result;
}

/**
 * Runs a declarations worker: tsc-style diagnostics, then the bundle's result line, if any.
 * `programOk`: no diagnostics, and the worker got as far as the bundle or exited cleanly.
 */
async function runWorker(ctx: AdapterContext, argv: string[]): Promise<DeclarationsResult & { programOk: boolean }> {
  const { config } = ctx;
  const result = await runCommand(process.execPath, {
    args: argv,
    cwd: config.packageRoot,
    env: ctx.env,
    signal: ctx.signal,
    onOutput: (c) => {
      if (!c.includes(DTS_BUNDLE_MARKER)) ctx.log.write(c);
    },
  });
  return parseWorkerOutput(ctx, { ...result, exitCode: result.exitCode ?? 1 });
}

/** A worker's (process or thread) output: tsc-style diagnostics, then the bundle's result line, if any. */
function parseWorkerOutput(
  ctx: AdapterContext,
  result: { output: string; exitCode: number; cancelled: boolean; internalError?: string },
): DeclarationsResult & { programOk: boolean } {
  const { config } = ctx;
  if (result.cancelled) {
    return { errors: [buildError('CANCELLED', 'declarations cancelled', { phase: 'dts' })], warnings: [], programOk: false };
  }
  if (result.internalError) {
    return {
      errors: [buildError('BUILD_FAILED', `declarations failed: ${result.internalError}`, { phase: 'dts' })],
      warnings: [],
      programOk: false,
    };
  }
  const marker = result.output.lastIndexOf(DTS_BUNDLE_MARKER);
  const diagnostics = parseTscDiagnostics(marker === -1 ? result.output : result.output.slice(0, marker), config, 'dts');
  const bundled =
    marker === -1 ? undefined : (JSON.parse(result.output.slice(marker + DTS_BUNDLE_MARKER.length).split('\n')[0]) as DtsBundleResult);
  const located = (m: DtsBundleResult['errors'][number], code: BuildError['code']) => {
    const file = m.file ? workspacePath(config, declarationSource(config, m.file)) : undefined;
    return buildError(code, m.message, { phase: 'dts', file, line: file ? m.line : undefined, column: file ? m.column : undefined });
  };
  const errors = [...diagnostics, ...(bundled?.errors ?? []).map((m) => located(m, 'COMPILE_ERROR'))];
  if (result.exitCode !== 0 && errors.length === 0) {
    const last = result.output.trim().split('\n').slice(-5).join('\n');
    errors.push(buildError('BUILD_FAILED', `declarations failed (exit code ${result.exitCode}): ${last}`, { phase: 'dts' }));
  }
  const programOk = diagnostics.length === 0 && (result.exitCode === 0 || bundled !== undefined);
  return { errors, warnings: (bundled?.warnings ?? []).map((m) => located(m, 'COMPILE_WARNING')), programOk };
}

/** A file in the mirrored declarations tree names its source's place in the workspace. */
function declarationSource(config: ResolvedBuildConfig, file: string): string {
  const rel = toPosix(relative(config.workspaceRoot, file));
  const mirrored = /\/\.build-cache\/state\/[^/]+\/dts(?:-isolated)?\/(.*)$/.exec(`/${rel}`);
  return mirrored ? join(config.workspaceRoot, mirrored[1]) : file;
}

/**
 * `dts: { bundle: false }`: the package's per-file declarations, once per format with that
 * format's extension (`.d.ts` beside `.js`, `.d.mts` beside `.mjs`, `.d.cts` beside `.cjs`),
 * relative specifiers naming the modules (`./text.ts` → `./text.js`), so they resolve under
 * node16, nodenext and bundler. Returns a warning per inlined package the files still import.
 */
function copyPerFile(config: ResolvedBuildConfig, declarationsDir: string, outDir: string): BuildError[] {
  const root = join(declarationsDir, relative(config.workspaceRoot, resolve(config.packageRoot, entriesRoot(config))));
  const stems = new Set<string>();
  const files: { rel: string; stem: string }[] = [];
  for (const rel of walkRelative(root)) {
    const stem = declarationStem(rel);
    if (stem === undefined) continue;
    stems.add(stem);
    files.push({ rel, stem });
  }
  const packageType = packageTypeOf(config.packageJson);
  const kinds = [...new Set(config.format.map((f) => jsExtension(f, packageType)))].map((js) => ({ js, dts: dtsExtension(js) }));
  const inlined = new Map<string, string>();
  for (const { rel, stem } of files) {
    const code = readFileSync(join(root, rel), 'utf8');
    for (const spec of bareSpecifiers(code)) if (isInlined(config, spec)) inlined.set(spec, rel);
    for (const kind of kinds) writePerFile(join(outDir, stem + kind.dts), code, `${stem}${kind.dts}`, kind, (s) => stems.has(s));
  }
  return [...inlined].map(([spec, rel]) =>
    buildError(
      'COMPILE_WARNING',
      `declarations per file (dts: { bundle: false }) keep the import of "${spec}", which the bundle inlines: ` +
        'consumers cannot resolve it; bundle the declarations (dts: true) to inline its types',
      { phase: 'dts', file: workspacePath(config, resolve(config.packageRoot, entriesRoot(config), rel)) },
    ),
  );
}

function writePerFile(
  target: string,
  code: string,
  rel: string,
  kind: { js: JsExtension; dts: DtsExtension },
  exists: (stem: string) => boolean,
) {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(
    target,
    rewriteRelativeSpecifiers(code, (s) => perFileSpecifier(s, rel, kind.js, exists)),
  );
}

/** An import the JavaScript bundle inlines: not external, not a node builtin. */
function isInlined(config: ResolvedBuildConfig, spec: string): boolean {
  if (spec.startsWith('node:') || builtinModules.includes(spec)) return false;
  const name = packageNameOf(spec);
  return !config.external.includes(name);
}

export function dtsTsconfig(config: ResolvedBuildConfig, outDir: string, buildInfo?: string): object {
  const own = packageTsconfig(config);
  const hasOwn = !!own && existsSync(own);
  return {
    ...(hasOwn ? { extends: own } : {}),
    compilerOptions: {
      ...(hasOwn
        ? moduleDefaults(own!)
        : { target: 'es2022', ...MODULE_DEFAULTS, strict: true, esModuleInterop: true, resolveJsonModule: true }),
      allowImportingTsExtensions: true,
      declaration: true,
      emitDeclarationOnly: true,
      noEmit: false,
      // A failed check fails the build anyway; inherited, it would make TypeScript check every
      // file before emitting, those of dependencies checked by their own build included.
      noEmitOnError: false,
      declarationMap: false,
      sourceMap: false,
      incremental: Boolean(buildInfo),
      ...(buildInfo ? { tsBuildInfoFile: buildInfo } : {}),
      composite: false,
      skipLibCheck: true,
      // The user's own output settings must not send declarations elsewhere than ours.
      ...(hasOwn ? unsetInherited(own!, ['outFile']) : {}),
      declarationDir: outDir,
      outDir,
      // The tree mirrors the workspace: a workspace package the bundle inlines (reached through
      // its exports or a `paths` alias) is emitted too, rather than failing TS6059.
      rootDir: config.workspaceRoot,
    },
    files: [...config.entries.map((e) => resolve(config.packageRoot, e.path)), ...inlinedWorkspaceSources(config)],
    include: [],
  };
}

const MODULE_DEFAULTS = { module: 'preserve', moduleResolution: 'bundler' };

/** A root tsconfig may say nothing of modules (a solution-style one): resolve as a bundler does. */
function moduleDefaults(tsconfig: string): object {
  const set = (o: string) => readCompilerOption(tsconfig, o) !== undefined;
  return set('module') || set('moduleResolution') ? {} : MODULE_DEFAULTS;
}

/**
 * The TypeScript sources of workspace packages the bundle inlines (`noExternal`, or
 * devDependencies, which are not external) that their `exports` point at. As root files of the
 * declarations program they are emitted, where an import through `node_modules` alone would
 * make them an external library's files, which tsc does not emit.
 */
export function inlinedWorkspaceSources(config: ResolvedBuildConfig): string[] {
  const names = new Set([...config.noExternal, ...Object.keys(config.packageJson.devDependencies ?? {})]);
  const importer = join(config.packageRoot, 'package.json');
  const sources = new Set<string>();
  for (const name of names) {
    if (config.external.includes(name)) continue;
    const dir = linkedWorkspacePackage(name, config.packageRoot);
    const pkg = dir && readPackageJson(dir);
    if (!pkg) continue;
    const exportsMap = pkg.exports;
    const keys = exportsMap && typeof exportsMap === 'object' && !Array.isArray(exportsMap) ? Object.keys(exportsMap) : [];
    const subpaths = keys.some((k) => k.startsWith('.')) ? keys : ['.'];
    for (const sub of subpaths) {
      if (sub.includes('*')) continue;
      const file = resolveModule(sub === '.' ? name : posix.join(name, sub), importer);
      if (file && /\.[cm]?tsx?$/.test(file) && !/\.d\.[cm]?tsx?$/.test(file)) sources.add(realpathSync(file));
    }
  }
  return [...sources].sort();
}

/**
 * The workspace packages whose sources this package's declarations program reads but need not
 * check: dependencies (external, never inlined) whose own build type-checks them. Their sources
 * can be in the program (exports or `customConditions` that point at TypeScript); a type error
 * there fails their build, and Nx's `^build` keeps this one from running after it.
 */
export function dependenciesCheckedByTheirBuild(config: ResolvedBuildConfig): string[] {
  return externalWorkspacePackages(config).filter((dir) => buildChecksDeclarations(dir, config.workspaceRoot));
}

/**
 * Whether the package at `dir` has a build that emits checked declarations, read from its config
 * without running it: a literal config with a non-custom builder and declarations on (by `dts`
 * or by package.json `types`), no environments that could turn them off, and no
 * `isolatedDeclarations` (emitted unchecked). Anything else, or a config that cannot be read
 * statically, is checked here as well: nothing else may be the one to catch its errors.
 */
function buildChecksDeclarations(dir: string, workspaceRoot: string): boolean {
  const file = CONFIG_FILE_NAMES.map((n) => join(dir, n)).find((f) => existsSync(f));
  if (!file) return false;
  let raw: Record<string, unknown> | undefined;
  try {
    raw = readStaticConfig(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
  if (!raw || raw.builder === 'custom' || raw.environments !== undefined || raw.dts === false) return false;
  const pkg = readPackageJson(dir);
  const dts = raw.dts === undefined ? !!pkg && declaresTypes(pkg) : raw.dts !== false;
  if (!dts) return false;
  const tsconfig = packageTsconfig({
    packageRoot: dir,
    workspaceRoot,
    tsconfig: typeof raw.tsconfig === 'string' ? raw.tsconfig : undefined,
  });
  return !(tsconfig && existsSync(tsconfig) && readCompilerOption(tsconfig, 'isolatedDeclarations') === true);
}

/**
 * The directories of the workspace packages this package imports as dependencies (external:
 * imports in the bundle, never inlined), real paths.
 */
export function externalWorkspacePackages(config: ResolvedBuildConfig): string[] {
  const dirs = new Set<string>();
  for (const name of config.external) {
    const dir = linkedWorkspacePackage(name, config.packageRoot);
    if (dir && dir !== realpathSync(config.packageRoot)) dirs.add(dir);
  }
  return [...dirs].sort();
}

/**
 * The real directory of the package `name` resolves to from `from`, when it is a workspace
 * package (a link out of `node_modules`); undefined when not installed or installed from a registry.
 */
function linkedWorkspacePackage(name: string, from: string): string | undefined {
  const manifest = installedManifest(name, from);
  if (!manifest) return undefined;
  try {
    const dir = realpathSync(dirname(manifest));
    return /[\\/]node_modules[\\/]/.test(dir) ? undefined : dir;
  } catch {
    return undefined;
  }
}

/** `node_modules/<name>/package.json` from a directory up, as Node looks for it. */
function installedManifest(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The directory the entries' outputs are named from (their common directory). */
export function entriesRoot(config: ResolvedBuildConfig): string {
  return commonDir(config.entries.map((e) => posix.dirname(e.path))) || '.';
}
