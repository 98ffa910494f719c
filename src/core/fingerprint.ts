import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { BUILD_CACHE_DIR, NOT_SOURCE_DIRS } from '../config/define';
import { walkRelative } from '../utils/files';
import { sha1File } from '../utils/hash';

/**
 * What the sources looked like when the current outputs were produced: one content hash per
 * file of the package (outputs, .build-cache and node_modules aside). `status` compares it
 * with the files now, to say whether and why the outputs are stale. Not a cache key: Nx's
 * hasher decides what rebuilds.
 */
export interface Fingerprint {
  jobId: string;
  /** Nx's task hash of the build that produced the outputs, when Nx ran it. */
  inputHash?: string | null;
  files: Record<string, string>;
}

const fingerprintFile = (packageRoot: string) => join(packageRoot, BUILD_CACHE_DIR, 'fingerprint.json');

export async function computeFingerprintFiles(packageRoot: string, outputDirs: string[]): Promise<Record<string, string>> {
  const files = fingerprintedFiles(packageRoot, outputDirs);
  const out: Record<string, string> = {};
  for (const f of files) {
    try {
      out[f] = sha1File(join(packageRoot, f));
    } catch {
      /* vanished meanwhile */
    }
  }
  return out;
}

/**
 * The package's own files: not its outputs, not Nx's or our state at any depth, and not a
 * package nested inside it (a root package would otherwise hash the whole workspace, and an
 * edit to the inner package would make the outer one look stale).
 */
function fingerprintedFiles(packageRoot: string, outputDirs: string[]): string[] {
  const skip = new Set(outputDirs.map((d) => posix.normalize(d.replace(/\\/g, '/')).replace(/\/+$/, '')));
  const prune = (rel: string, name: string) =>
    NOT_SOURCE_DIRS.has(name) ||
    skip.has(rel) ||
    existsSync(join(packageRoot, rel, 'package.json')) ||
    existsSync(join(packageRoot, rel, 'project.json'));
  return [...walkRelative(packageRoot, prune)].sort();
}

/** A file's content hash for change detection (not for records, which use sha256). */
export async function saveFingerprint(packageRoot: string, fp: Fingerprint): Promise<void> {
  await mkdir(join(packageRoot, BUILD_CACHE_DIR), { recursive: true });
  await writeFile(fingerprintFile(packageRoot), JSON.stringify(fp));
}

export async function readFingerprint(packageRoot: string): Promise<Fingerprint | undefined> {
  try {
    return JSON.parse(await readFile(fingerprintFile(packageRoot), 'utf8')) as Fingerprint;
  } catch {
    return undefined;
  }
}

export interface FingerprintDiff {
  changed: string[];
  added: string[];
  removed: string[];
}

export function diffFingerprints(before: Record<string, string>, now: Record<string, string>): FingerprintDiff {
  const changed: string[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const [f, h] of Object.entries(now)) {
    if (!(f in before)) added.push(f);
    else if (before[f] !== h) changed.push(f);
  }
  for (const f of Object.keys(before)) if (!(f in now)) removed.push(f);
  return { changed, added, removed };
}
