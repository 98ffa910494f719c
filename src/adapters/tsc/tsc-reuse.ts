import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { BUILD_CACHE_DIR } from '../../config/define';
import { ownTsconfigPath, toPosix, type ResolvedBuildConfig } from '../../config/resolve';
import { sha1File } from '../../utils/hash';
import { listPackageFiles } from '../../utils/simple-glob';
import { tsconfigChainText } from '../../utils/tsconfig-read';

/**
 * When tsc's incremental build info may be trusted. tsc re-emits only what changed and never
 * deletes: reused outputs are right only if they are exactly the files the build info
 * describes, the source tree has the same files (a removed or renamed source would leave its
 * outputs behind) and the compiler options are the same (a changed option can change which
 * files are emitted). Anything else means a clean build into an empty directory.
 */
interface OutputManifest {
  /** Hash of the generated tsconfig and the text of the tsconfig chain it extends. */
  configKey: string;
  /** Every file below the sources root, sorted. */
  sources: string[];
  /** Output path → sha1 of its bytes. */
  outputs: Record<string, string>;
  /**
   * sha1 of the build info these outputs came with. tsc writes its build info before we
   * record the outputs: a build killed in between leaves build info that no manifest vouches
   * for, and reusing it would skip emitting what it claims was emitted.
   */
  buildInfo: string;
}

interface ReuseInputs {
  configKey: string;
  sources: string[];
  outDir: string;
  buildInfo: string;
}

function configKeyOf(...parts: string[]): string {
  return createHash('sha1').update(parts.join('\0')).digest('hex');
}

/** Files below the sources root, outputs and build state (when they sit inside it) aside. */
function sourceTree(rootDir: string, skipDirs: string[]): string[] {
  const inside = skipDirs.map((d) => toPosix(relative(rootDir, d))).filter((d) => d && !d.startsWith('..'));
  return listPackageFiles(rootDir, inside);
}

function canReuseOutputs(manifestFile: string, now: ReuseInputs): boolean {
  let manifest: OutputManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as OutputManifest;
  } catch {
    return false;
  }
  if (manifest.configKey !== now.configKey || !sameList(manifest.sources, now.sources)) return false;
  if (!manifest.buildInfo || manifest.buildInfo !== sha1OrEmpty(now.buildInfo)) return false;
  const present = listPackageFiles(now.outDir, []);
  if (!sameList(present, Object.keys(manifest.outputs ?? {}).sort())) return false;
  return present.every((rel) => sha1File(join(now.outDir, rel)) === manifest.outputs[rel]);
}

function writeOutputManifest(manifestFile: string, now: ReuseInputs): void {
  const outputs: Record<string, string> = {};
  for (const rel of listPackageFiles(now.outDir, [])) outputs[rel] = sha1File(join(now.outDir, rel));
  const manifest: OutputManifest = { configKey: now.configKey, sources: now.sources, outputs, buildInfo: sha1OrEmpty(now.buildInfo) };
  writeFileSync(manifestFile, JSON.stringify(manifest));
}

function sha1OrEmpty(file: string): string {
  try {
    return sha1File(file);
  } catch {
    return '';
  }
}

function sameList(a: string[] | undefined, b: string[]): boolean {
  return !!a && a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface IncrementalTscRun {
  /** The generated tsconfig to pass to `tsc -p`. */
  tsconfig: string;
  /** After tsc (and any post-processing of outDir) succeeded: remember what it wrote. */
  commit(): void;
  /** After a failure: forget the build info, so the next build starts clean. */
  discard(): void;
  /** After tsc ran: the files of its program, absolute (from the build info; empty without one). */
  programFiles(): string[];
}

export interface IncrementalTscOptions {
  config: ResolvedBuildConfig;
  stateDir: string;
  /** Names this run's files in the state directory (`build`, `dts`). */
  name: string;
  /** The sources root (tsc's rootDir). */
  rootDir: string;
  outDir: string;
  /** The tsconfig to generate, given where its build info goes (none: `incremental: false`). */
  tsconfig: (buildInfo: string | undefined) => object;
  /**
   * What else decides the files written that the generated tsconfig does not show (formats,
   * package type, entries, the TypeScript version): part of the reuse key, so a change to any
   * of them gives a clean build.
   */
  key?: string;
}

/**
 * Sets up one incremental tsc run: writes its tsconfig and, unless the previous build info
 * can be trusted (canReuseOutputs), drops it and empties outDir.
 */
export function prepareIncrementalTsc(o: IncrementalTscOptions): IncrementalTscRun {
  const { config } = o;
  mkdirSync(o.stateDir, { recursive: true });
  const buildInfo = join(o.stateDir, `${o.name}.tsbuildinfo`);
  const manifestFile = join(o.stateDir, `${o.name}-outputs.json`);
  const tsconfig = join(o.stateDir, `tsconfig.${o.name}.json`);
  // `incremental: false`: no build info at all, and never a reuse of what an earlier build left.
  const incremental = config.incremental !== false;
  const generated = JSON.stringify(o.tsconfig(incremental ? buildInfo : undefined), null, 2);
  const state: ReuseInputs = {
    configKey: configKeyOf(generated, tsconfigChainText(ownTsconfigPath(config)), o.key ?? ''),
    // Outputs and build state may sit inside the sources root: they are not sources.
    sources: sourceTree(o.rootDir, [resolve(config.packageRoot, config.outputDir), join(config.packageRoot, BUILD_CACHE_DIR)]),
    outDir: o.outDir,
    buildInfo,
  };
  if (!incremental) rmSync(manifestFile, { force: true });
  if (!incremental || !canReuseOutputs(manifestFile, state)) {
    // A clean build: no build info claiming outputs exist, no outputs it would not write.
    rmSync(buildInfo, { force: true });
    rmSync(o.outDir, { recursive: true, force: true });
    mkdirSync(o.outDir, { recursive: true });
  }
  writeFileSync(tsconfig, generated);
  return {
    tsconfig,
    commit: () => incremental && writeOutputManifest(manifestFile, state),
    discard: () => rmSync(buildInfo, { force: true }),
    programFiles: () => buildInfoFiles(buildInfo),
  };
}

/**
 * The files of tsc's program as its build info lists them (`fileNames`, relative to the build
 * info's directory; TypeScript 5 and the native 7 alike): what the compile read, without a
 * second `--listFilesOnly` run.
 */
export function buildInfoFiles(buildInfo: string): string[] {
  try {
    const { fileNames } = JSON.parse(readFileSync(buildInfo, 'utf8')) as { fileNames?: unknown };
    const dir = dirname(buildInfo);
    return Array.isArray(fileNames) ? fileNames.filter((f): f is string => typeof f === 'string').map((f) => resolve(dir, f)) : [];
  } catch {
    return [];
  }
}
