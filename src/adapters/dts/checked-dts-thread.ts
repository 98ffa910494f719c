/**
 * Worker thread: checked declarations with the workspace's TypeScript JS API (5.x/6.x) and,
 * when asked, their bundle, for every package the process builds (dts-thread.ts starts one
 * thread per process and sends it the packages one at a time; for declarations oxc-transform
 * emitted in the build process, it bundles only, `runBundle`). What `tsc -p <tsconfig>` does —
 * the same program, incremental build info, diagnostics as tsc prints them with
 * `--pretty false` — with two differences (docs/builders.md, "Declarations"):
 *
 * - TypeScript, rollup and rollup-plugin-dts are loaded once, and the declaration files of
 *   packages (`node_modules`: TypeScript's `lib.*.d.ts`, `@types/node`) are parsed and bound
 *   once: the next package's program gets the same source files when nothing that shapes them
 *   changed (file size and mtime, the options TypeScript keys its own document registry by).
 * - The sources of workspace packages this package imports as dependencies (external: they
 *   stay imports in the bundle) are read for their types but not checked here: their own build
 *   checks them, as `tsc -b` checks each project once.
 */
import { writeFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { parentPort } from 'node:worker_threads';
import type * as TS from 'typescript';
import { preloadWithCodeCache, saveCodeCachesNow } from '../../utils/code-cache';
import { bundleDeclarations, DTS_BUNDLE_MARKER, preloadTypeScript, type CheckedDtsOptions, type DtsBundleSpec } from './dts-bundle';
import { SharedDeclarations } from './shared-declarations';

type TypeScript = typeof TS;

export interface CheckedDtsRequest {
  /** The workspace's `typescript` module file. */
  tsModule: string;
  /** Its V8 code cache file, or '' for none. */
  cacheFile: string;
  tsconfig: string;
  options: CheckedDtsOptions;
}

/** Only the bundle, of declarations emitted in the build process (by oxc-transform). */
export interface BundleDtsRequest {
  /** The `typescript` module file rollup-plugin-dts loads ('' when none resolves): a thread loads it once. */
  tsModule: string;
  bundle: DtsBundleSpec;
}

export interface CheckedDtsReply {
  /** tsc-style diagnostics, then DTS_BUNDLE_MARKER and the bundle's result line when it bundled. */
  output: string;
  /** 0, or 2 with errors in the program (as tsc), 1 with errors in the bundle. */
  exitCode: number;
  /** A failure of the thread itself (an exception, a crash): not a diagnostic of the sources. */
  internalError?: string;
}

const loaded = new Map<string, SharedDeclarations>();

function load(tsModule: string, cacheFile: string): SharedDeclarations {
  let l = loaded.get(tsModule);
  if (!l) {
    l = new SharedDeclarations(preloadWithCodeCache(tsModule, cacheFile) as TypeScript);
    loaded.set(tsModule, l);
  }
  return l;
}

function checkAndEmit(l: SharedDeclarations, tsconfig: string, o: CheckedDtsOptions): { output: string; ok: boolean } {
  const { ts } = l;
  const formatHost: TS.FormatDiagnosticsHost = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => o.packageRoot,
    getNewLine: () => '\n',
  };
  const format = (d: readonly TS.Diagnostic[]) => ts.formatDiagnostics(d, formatHost);
  let unrecoverable: TS.Diagnostic | undefined;
  const parsed = ts.getParsedCommandLineOfConfigFile(
    tsconfig,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => (unrecoverable = d) },
  );
  if (!parsed) return { output: unrecoverable ? format([unrecoverable]) : `error TS5083: Cannot read file '${tsconfig}'.\n`, ok: false };
  const { options, fileNames: rootNames, projectReferences } = parsed;
  const configFileParsingDiagnostics = ts.getConfigFileParsingDiagnostics(parsed);
  const host = l.share(options, ts.createIncrementalCompilerHost(options));
  const builder = options.incremental
    ? ts.createIncrementalProgram({ rootNames, options, configFileParsingDiagnostics, projectReferences, host })
    : undefined;
  const program = builder?.getProgram() ?? ts.createProgram({ rootNames, options, configFileParsingDiagnostics, projectReferences, host });
  if (o.readsFile) writeFileSync(o.readsFile, JSON.stringify(program.getSourceFiles().map((f) => resolve(f.fileName))));
  const elsewhere = (f: TS.SourceFile) => checkedElsewhere(o, resolve(f.fileName));
  const checked = program.getSourceFiles().filter((f) => !elsewhere(f));
  // tsc's order: semantic problems only when nothing is wrong with the syntax, options and globals.
  const diagnostics: TS.Diagnostic[] = [...configFileParsingDiagnostics];
  for (const f of checked) diagnostics.push(...program.getSyntacticDiagnostics(f));
  if (diagnostics.length === configFileParsingDiagnostics.length) {
    diagnostics.push(...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics());
    if (diagnostics.length === configFileParsingDiagnostics.length) {
      if (builder) {
        // The builder checks only what an edit affects (the rest's diagnostics are in its build info).
        for (let next; (next = builder.getSemanticDiagnosticsOfNextAffectedFile(undefined, elsewhere));) diagnostics.push(...next.result);
      } else for (const f of checked) diagnostics.push(...program.getSemanticDiagnostics(f));
    }
  }
  diagnostics.push(...(builder ?? program).emit(undefined, undefined, undefined, true).diagnostics);
  return {
    output: format(ts.sortAndDeduplicateDiagnostics(diagnostics)),
    ok: !diagnostics.some((d) => d.category === ts.DiagnosticCategory.Error),
  };
}

/** A source of a workspace package this one imports as a dependency (never one of its own). */
function checkedElsewhere(o: CheckedDtsOptions, file: string): boolean {
  const inside = (dir: string) => {
    const rel = relative(dir, file);
    return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && resolve(dir, rel) === file;
  };
  return !inside(o.packageRoot) && o.checkedElsewhere.some(inside);
}

export async function runCheckedDeclarations(request: CheckedDtsRequest): Promise<CheckedDtsReply> {
  const l = load(request.tsModule, request.cacheFile);
  const { output, ok } = checkAndEmit(l, request.tsconfig, request.options);
  if (!ok) return { output, exitCode: 2 };
  if (!request.options.bundle) return { output, exitCode: 0 };
  const result = await bundleDeclarations(request.options.bundle);
  return { output: `${output}\n${DTS_BUNDLE_MARKER}${JSON.stringify(result)}\n`, exitCode: result.errors.length ? 1 : 0 };
}

/** The bundle alone: TypeScript (which rollup-plugin-dts parses with) is loaded once per thread, as for checked ones. */
export async function runBundle(request: BundleDtsRequest): Promise<CheckedDtsReply> {
  preloadTypeScript(request.bundle);
  const result = await bundleDeclarations(request.bundle);
  return { output: `\n${DTS_BUNDLE_MARKER}${JSON.stringify(result)}\n`, exitCode: result.errors.length ? 1 : 0 };
}

parentPort?.on('message', (request: CheckedDtsRequest | BundleDtsRequest) => {
  const reply = (r: CheckedDtsReply) => {
    parentPort!.postMessage(r);
    // The functions the first job compiled are in the cache for the next process.
    saveCodeCachesNow();
  };
  ('options' in request ? runCheckedDeclarations(request) : runBundle(request)).then(reply, (err: unknown) =>
    reply({ output: '', exitCode: 1, internalError: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
