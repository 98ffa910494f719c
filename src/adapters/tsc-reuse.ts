import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { toPosix } from '../config/resolve';
import { listPackageFiles } from '../core/simple-glob';

/**
 * When tsc's incremental build info may be trusted. tsc re-emits only what changed and never
 * deletes: reused outputs are right only if they are exactly the files the build info
 * describes, the source tree has the same files (a removed or renamed source would leave its
 * outputs behind) and the compiler options are the same (a changed option can change which
 * files are emitted). Anything else means a clean build into an empty directory.
 */
export interface OutputManifest {
  /** Hash of the generated tsconfig and the text of the tsconfig chain it extends. */
  configKey: string;
  /** Every file below the sources root, sorted. */
  sources: string[];
  /** Output path → sha1 of its bytes. */
  outputs: Record<string, string>;
}

export interface ReuseInputs {
  configKey: string;
  sources: string[];
  outDir: string;
}

export function configKeyOf(...parts: string[]): string {
  return createHash('sha1').update(parts.join('\0')).digest('hex');
}

/** Files below the sources root, outputs and build state (when they sit inside it) aside. */
export function sourceTree(rootDir: string, skipDirs: string[]): string[] {
  const inside = skipDirs.map((d) => toPosix(relative(rootDir, d))).filter((d) => d && !d.startsWith('..'));
  return listPackageFiles(rootDir, inside);
}

export function canReuseOutputs(manifestFile: string, now: ReuseInputs): boolean {
  let manifest: OutputManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as OutputManifest;
  } catch {
    return false;
  }
  if (manifest.configKey !== now.configKey || !sameList(manifest.sources, now.sources)) return false;
  const present = listPackageFiles(now.outDir, []);
  if (!sameList(present, Object.keys(manifest.outputs ?? {}).sort())) return false;
  return present.every((rel) => sha1(join(now.outDir, rel)) === manifest.outputs[rel]);
}

export function writeOutputManifest(manifestFile: string, now: ReuseInputs): void {
  const outputs: Record<string, string> = {};
  for (const rel of listPackageFiles(now.outDir, [])) outputs[rel] = sha1(join(now.outDir, rel));
  const manifest: OutputManifest = { configKey: now.configKey, sources: now.sources, outputs };
  writeFileSync(manifestFile, JSON.stringify(manifest));
}

function sha1(file: string): string {
  return createHash('sha1').update(readFileSync(file)).digest('hex');
}

function sameList(a: string[] | undefined, b: string[]): boolean {
  return !!a && a.length === b.length && a.every((x, i) => x === b[i]);
}
