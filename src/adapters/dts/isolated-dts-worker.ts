/**
 * Child process: declarations per file as the workspace's TypeScript `transpileDeclaration`
 * (5.5+) writes them, for projects whose tsconfig sets `isolatedDeclarations`. No type-check:
 * each file's `.d.ts` follows from its own syntax, which is what `isolatedDeclarations`
 * guarantees (and what tsc enforces in the type-check).
 *
 * argv: <typescript module> <code cache file, or ''> <tsconfig> [<options json file>].
 * Diagnostics are printed the way `tsc --pretty false` prints them, so the caller parses one
 * format; exit code 2 when there are any. The options name the packages that stay external
 * (imports of any other package resolving to workspace TypeScript are followed, as the bundle
 * inlines them) and, for bundled declarations, the bundle to write from the emitted files in
 * this same process (its TypeScript is loaded already).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as TS from 'typescript';
import { preloadWithCodeCache } from '../../utils/code-cache';
import type { IsolatedDtsOptions } from './dts-bundle';
import { declarationFileFor, followedImports, outsideRootDirMessage, reachableSources } from './source-imports';

const [tsModule, cacheFile, tsconfigPath, optionsFile] = process.argv.slice(2);
const ts = preloadWithCodeCache(tsModule, cacheFile) as typeof TS;
const workerOptions: IsolatedDtsOptions = optionsFile
  ? JSON.parse(readFileSync(optionsFile, 'utf8'))
  : { external: [], builtinsExternal: true };

function main(): number {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    tsconfigPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => report([d]),
    },
  );
  if (!parsed) return 2;
  if (parsed.errors.length) return (report(parsed.errors), 2);
  const options = parsed.options;
  const rootDir = resolve(options.rootDir ?? dirname(tsconfigPath));
  const outDir = resolve(options.outDir ?? rootDir);
  let outsideRoot = 0;
  // The files the entries reach through relative imports, as tsc's program would hold them.
  const reached = reachableSources(
    parsed.fileNames,
    rootDir,
    (source, file) =>
      followedImports(
        source,
        file,
        workerOptions,
        (spec, importer) => ts.resolveModuleName(spec, importer, resolutionOptions(options), ts.sys).resolvedModule?.resolvedFileName,
      ),
    (file) => {
      process.stdout.write(`${file}(1,1): error ${outsideRootDirMessage(file, rootDir)}\n`);
      outsideRoot++;
    },
  );
  if (workerOptions.readsFile) writeFileSync(workerOptions.readsFile, JSON.stringify(reached.map((r) => r.file)));
  const { outputs, diagnostics } = transpileDeclarations(reached, options);
  for (const { file, rel } of reached) {
    const target = declarationFileFor(outDir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputs.get(file) ?? '');
  }
  report(diagnostics);
  return diagnostics.length || outsideRoot ? 2 : 0;
}

type Input = { file: string; source: string };

/**
 * `transpileDeclaration` for many files at once. Each call of it builds a program of one file
 * (≈ 3 ms a file); one program over all modules with the same options and a host that, like
 * transpileDeclaration's, resolves nothing gives the same text per file in a fraction of the
 * time. Scripts (no import/export) share one global scope in a program, so they, and any
 * TypeScript without the internals this needs, go through transpileDeclaration one by one.
 */
function transpileDeclarations(
  inputs: Input[],
  compilerOptions: TS.CompilerOptions,
): { outputs: Map<string, string>; diagnostics: TS.Diagnostic[] } {
  const outputs = new Map<string, string>();
  const diagnostics: TS.Diagnostic[] = [];
  const internals = ts as typeof ts & {
    transpileOptionValueCompilerOptions?: { name: string; transpileOptionValue: unknown }[];
    fixupCompilerOptions?: (o: TS.CompilerOptions, d: TS.Diagnostic[]) => TS.CompilerOptions;
    getSetExternalModuleIndicator?: (o: TS.CompilerOptions) => (f: TS.SourceFile) => void;
    getEmitScriptTarget?: (o: TS.CompilerOptions) => TS.ScriptTarget;
  };
  const single = (input: Input) => {
    const out = ts.transpileDeclaration(input.source, { fileName: input.file, compilerOptions, reportDiagnostics: true });
    diagnostics.push(...(out.diagnostics ?? []));
    outputs.set(input.file, out.outputText);
  };
  const { transpileOptionValueCompilerOptions, fixupCompilerOptions, getSetExternalModuleIndicator, getEmitScriptTarget } = internals;
  if (!transpileOptionValueCompilerOptions || !fixupCompilerOptions || !getSetExternalModuleIndicator || !getEmitScriptTarget) {
    inputs.forEach(single);
    return { outputs, diagnostics };
  }
  // The options transpileDeclaration uses (src/services/transpile.ts), in its order.
  const options = fixupCompilerOptions(compilerOptions, diagnostics);
  const defaults = ts.getDefaultCompilerOptions();
  for (const key of Object.keys(defaults)) if (options[key] === undefined) options[key] = defaults[key];
  for (const o of transpileOptionValueCompilerOptions) {
    if (options.verbatimModuleSyntax && o.name === 'isolatedModules') continue;
    options[o.name] = o.transpileOptionValue as TS.CompilerOptionsValue;
  }
  Object.assign(options, {
    suppressOutputPathCheck: true,
    allowNonTsExtensions: true,
    declaration: true,
    emitDeclarationOnly: true,
    isolatedDeclarations: true,
  });
  const lib = ts.createSourceFile(BAREBONES_LIB_NAME, BAREBONES_LIB, { languageVersion: ts.ScriptTarget.Latest });
  const files = new Map<string, TS.SourceFile>();
  const host = {
    getSourceFile: (name: string) => (name === BAREBONES_LIB_NAME ? lib : files.get(name)),
    writeFile: (name: string, text: string, _bom: boolean, _onError?: unknown, sources?: readonly TS.SourceFile[]) => {
      if (!name.endsWith('.map') && sources?.[0]) outputs.set(sources[0].fileName, text);
    },
    getDefaultLibFileName: () => BAREBONES_LIB_NAME,
    useCaseSensitiveFileNames: () => false,
    getCanonicalFileName: (name: string) => name,
    getCurrentDirectory: () => '',
    getNewLine: () => (options.newLine === ts.NewLineKind.CarriageReturnLineFeed ? '\r\n' : '\n'),
    // As in transpileDeclaration: no other file exists, so no import resolves.
    fileExists: (name: string) => name === BAREBONES_LIB_NAME,
    readFile: () => '',
    directoryExists: () => true,
    getDirectories: () => [],
  };
  const setIndicator = getSetExternalModuleIndicator(options);
  for (const input of inputs) {
    const sf = ts.createSourceFile(input.file, input.source, {
      languageVersion: getEmitScriptTarget(options),
      impliedNodeFormat: ts.getImpliedNodeFormatForFile(input.file as TS.Path, undefined, host, options),
      setExternalModuleIndicator: setIndicator,
    });
    if (ts.isExternalModule(sf)) files.set(input.file, sf);
    else single(input);
  }
  if (files.size === 0) return { outputs, diagnostics };
  const program = ts.createProgram([...files.keys(), BAREBONES_LIB_NAME], options, host);
  for (const sf of files.values()) diagnostics.push(...program.getSyntacticDiagnostics(sf));
  diagnostics.push(...program.getOptionsDiagnostics());
  // emit's internal sixth argument, forceDtsEmit, as transpileDeclaration passes it.
  const emit = program.emit as (...args: unknown[]) => TS.EmitResult;
  diagnostics.push(...emit.call(program, undefined, undefined, undefined, true, undefined, true).diagnostics);
  return { outputs, diagnostics };
}

// transpileDeclaration's own minimal lib, so global types named in declarations resolve alike.
const BAREBONES_LIB_NAME = 'lib.d.ts';
const BAREBONES_LIB = `/// <reference no-default-lib="true"/>
interface Boolean {}
interface Function {}
interface CallableFunction {}
interface NewableFunction {}
interface IArguments {}
interface Number {}
interface Object {}
interface RegExp {}
interface String {}
interface Array<T> { length: number; [n: number]: T; }
interface SymbolConstructor {
    (desc?: string | number): symbol;
    for(name: string): symbol;
    readonly toStringTag: symbol;
}
declare var Symbol: SymbolConstructor;
interface Symbol {
    readonly [Symbol.toStringTag]: string;
}`;

let bundlerOptions: TS.CompilerOptions | undefined;
/** As a bundler resolves: package `exports`, `paths`. */
function resolutionOptions(options: TS.CompilerOptions): TS.CompilerOptions {
  return (bundlerOptions ??= {
    ...options,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
  });
}

function report(diagnostics: readonly TS.Diagnostic[]) {
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (d.file && d.start !== undefined) {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      process.stdout.write(`${d.file.fileName}(${line + 1},${character + 1}): error TS${d.code}: ${message}\n`);
    } else process.stdout.write(`error TS${d.code}: ${message}\n`);
  }
}

async function run(): Promise<number> {
  const code = main();
  if (code !== 0 || !workerOptions.bundle) return code;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { bundleDeclarations, printBundleResult } = require('./dts-bundle') as typeof import('./dts-bundle');
  const result = await bundleDeclarations(workerOptions.bundle);
  printBundleResult(result);
  return result.errors.length ? 1 : 0;
}

run().then(
  (code) => (process.exitCode = code),
  (err) => {
    process.stdout.write(`error TS0: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
