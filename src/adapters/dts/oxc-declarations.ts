/**
 * Declarations per file with oxc-transform's `isolatedDeclaration` (an optional peer), for
 * packages whose tsconfig sets `isolatedDeclarations` (docs/builders.md, "With
 * isolatedDeclarations"). It runs in the build process: no process is started and TypeScript is
 * not loaded. The files, their place in the state directory and the sources read are those of
 * the TypeScript path (isolated-dts-worker.ts): the entries and the inlined workspace packages'
 * sources, then every file their relative imports reach, and the workspace TypeScript that
 * imports of packages that are not external resolve to.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildError, type BuildError } from '../../errors';
import { declarationFileFor, followedImports, outsideRootDirMessage, reachableSources } from './source-imports';

/** What is used of oxc-transform (its own types are not a dependency of ours). */
export interface OxcTransform {
  isolatedDeclarationSync(
    filename: string,
    sourceText: string,
    options?: { stripInternal?: boolean; sourcemap?: boolean },
  ): { code: string; errors: OxcDiagnostic[] };
}

export interface OxcDiagnostic {
  severity: string;
  message: string;
  /** Byte offsets into the source's UTF-8 text. */
  labels: { start: number; end: number }[];
  helpMessage: string | null;
}

export interface OxcWalk {
  /** The files to start from (entries, inlined workspace packages' sources), absolute. */
  roots: string[];
  /** Outputs mirror the sources' paths below it (the workspace root). */
  rootDir: string;
  outDir: string;
  /** Package names that stay imports: their imports are not followed. */
  external: string[];
  builtinsExternal: boolean;
  stripInternal: boolean;
  /** Where a package import resolves, as TypeScript resolves it; undefined when not resolved. */
  resolvePackage: (specifier: string, importer: string) => string | undefined;
  /** Turns a diagnostic's file into a workspace-relative path. */
  locate: (file: string) => string;
}

export interface OxcDeclarations {
  errors: BuildError[];
  warnings: BuildError[];
  /** The sources read, absolute. */
  reads: string[];
}

const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<OxcTransform & { default?: OxcTransform }>;
const loaded = new Map<string, Promise<OxcTransform>>();

/** The module once per process (a native addon: every package of a batch shares it). */
export function loadOxcTransform(file: string): Promise<OxcTransform> {
  let oxc = loaded.get(file);
  if (!oxc) {
    oxc = importModule(pathToFileURL(file).href).then(withIsolatedDeclarationSync);
    // A failed load is not kept: the next build tries again (after an install, say).
    oxc.catch(() => loaded.delete(file));
    loaded.set(file, oxc);
  }
  return oxc;
}

/** The module, or a rejection saying what is missing (a release older than the range this package supports, say). */
function withIsolatedDeclarationSync(m: OxcTransform & { default?: OxcTransform }): OxcTransform {
  if (typeof m.isolatedDeclarationSync === 'function') return m;
  if (typeof m.default?.isolatedDeclarationSync === 'function') return m.default;
  throw new Error('it has no isolatedDeclarationSync (0.151.0 or later has)');
}

export function emitWithOxc(oxc: OxcTransform, walk: OxcWalk): OxcDeclarations {
  const errors: BuildError[] = [];
  const warnings: BuildError[] = [];
  const reached = reachableSources(
    walk.roots,
    walk.rootDir,
    (source, file) => followedImports(source, file, walk, walk.resolvePackage),
    // As the TypeScript path reports it (tsc's own diagnostic).
    (file) =>
      errors.push(
        buildError('TYPE_ERROR', outsideRootDirMessage(file, walk.rootDir), { phase: 'dts', file: walk.locate(file), line: 1, column: 1 }),
      ),
  );
  for (const { file, source, rel } of reached) {
    let out: ReturnType<OxcTransform['isolatedDeclarationSync']>;
    try {
      out = oxc.isolatedDeclarationSync(file, source, { stripInternal: walk.stripInternal, sourcemap: false });
    } catch (err) {
      // A failure of the tool itself (not of the source): said, located, as a value.
      const why = err instanceof Error ? err.message : String(err);
      errors.push(buildError('BUILD_FAILED', `oxc-transform failed: ${why}`, { phase: 'dts', file: walk.locate(file) }));
      continue;
    }
    for (const d of out.errors) (d.severity === 'Error' ? errors : warnings).push(locatedDiagnostic(d, file, source, walk));
    const target = declarationFileFor(walk.outDir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.code);
  }
  return { errors, warnings, reads: reached.map((r) => r.file) };
}

/** An oxc diagnostic as the TypeScript path reports one: TYPE_ERROR (a warning: COMPILE_WARNING), located. */
function locatedDiagnostic(d: OxcDiagnostic, file: string, source: string, walk: OxcWalk): BuildError {
  const message = d.helpMessage ? `${d.message}\n  ${d.helpMessage}` : d.message;
  const at = d.labels[0] ? positionAt(source, d.labels[0].start) : undefined;
  return buildError(d.severity === 'Error' ? 'TYPE_ERROR' : 'COMPILE_WARNING', message, {
    phase: 'dts',
    file: walk.locate(file),
    ...(at ?? {}),
  });
}

/** 1-based line and column (in UTF-16 code units, as TypeScript counts) of a UTF-8 byte offset. */
export function positionAt(source: string, byteOffset: number): { line: number; column: number } {
  const before = Buffer.from(source, 'utf8').subarray(0, byteOffset).toString('utf8');
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: before.length - lineStart + 1 };
}
