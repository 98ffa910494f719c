import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from './artifacts';
import { computeFingerprintFiles, diffFingerprints, readFingerprint, type FingerprintDiff } from './fingerprint';
import { displayStatus, inProgress, type DisplayStatus } from './records/live';
import { isBuildJob, RETAINED_JOBS, type RecordStore } from './records/store';
import type { BuildJob } from './records/types';

export interface BuildStatus {
  packageName: string;
  packagePath: string;
  latest: BuildJob | null;
  /** The latest record's status as shown (`interrupted`: left `building` by a process that is gone). */
  status: DisplayStatus | 'never-built';
  /** The newest finished record, when the latest is still building (or was interrupted). */
  lastCompleted?: BuildJob | null;
  stale: boolean;
  /** Why the outputs are stale (empty when fresh). */
  reasons: string[];
  changes?: FingerprintDiff;
}

/**
 * The latest record and whether the outputs still match the sources: stale when the last
 * build did not succeed, an output is missing or altered, or a source changed since.
 */
export async function getBuildStatus(
  store: RecordStore,
  pkg: { name: string; path: string; root: string },
  outputDirs: string[],
  workspaceRoot = pkg.root.slice(0, pkg.root.length - pkg.path.length),
): Promise<BuildStatus> {
  // Checked again here: a store given through the API may hand back anything it read.
  const stored = await store.latest(pkg.path);
  const latest = isBuildJob(stored) ? stored : ((await store.history(pkg.path, RETAINED_JOBS)).find(isBuildJob) ?? null);
  if (!latest)
    return { packageName: pkg.name, packagePath: pkg.path, latest, status: 'never-built', stale: true, reasons: ['never built'] };
  const status = displayStatus(latest, workspaceRoot);
  const running = inProgress(latest);
  const history = latest.status === 'success' ? [] : (await store.history(pkg.path, RETAINED_JOBS)).filter(isBuildJob);
  const base = {
    packageName: pkg.name,
    packagePath: pkg.path,
    latest,
    status,
    ...(running ? { lastCompleted: history.find((j) => !inProgress(j)) ?? null } : {}),
  };
  const reasons: string[] = [];
  // A build in progress says nothing yet about the outputs: they are compared with the last success.
  if (status === 'skipped') reasons.push(`the last build was skipped (${latest.errors[0]?.message ?? 'a dependency failed'})`);
  else if (status !== 'success' && status !== 'building') reasons.push(`the last build ${LAST_BUILD[status]}`);
  const fp = await readFingerprint(pkg.root);
  const lastGood = latest.status === 'success' ? latest : await lastSuccess(store, pkg.path, fp?.jobId, history);
  if (lastGood) {
    for (const a of lastGood.artifacts) {
      const file = join(pkg.root, a.path);
      if (!existsSync(file)) reasons.push(`output ${a.path} is missing`);
      else if (`sha256:${await sha256File(file)}` !== a.checksum) reasons.push(`output ${a.path} was modified`);
    }
  }
  let changes: FingerprintDiff | undefined;
  if (fp) {
    changes = diffFingerprints(fp.files, await computeFingerprintFiles(pkg.root, outputDirs));
    const describe = (label: string, files: string[]) =>
      files.length && reasons.push(`${label}: ${files.slice(0, 10).join(', ')}${files.length > 10 ? ` (+${files.length - 10} more)` : ''}`);
    describe('changed since the last build', changes.changed);
    describe('added since the last build', changes.added);
    describe('removed since the last build', changes.removed);
  } else if (lastGood) {
    reasons.push('no record of the sources the outputs were built from');
  }
  return { ...base, stale: reasons.length > 0, reasons: [...new Set(reasons)], ...(changes ? { changes } : {}) };
}

/**
 * The job whose outputs are on disk: the one that fingerprinted them (under the lock, after
 * its swap), else the newest success by start time.
 */
async function lastSuccess(
  store: RecordStore,
  packagePath: string,
  fingerprintJob: string | undefined,
  history: BuildJob[],
): Promise<BuildJob | undefined> {
  const fingerprinted = fingerprintJob ? await store.job(packagePath, fingerprintJob) : undefined;
  if (isBuildJob(fingerprinted) && fingerprinted.status === 'success') return fingerprinted;
  // As far back as the JSON files go (a database keeps every build: it is not read whole).
  return history.find((j) => j.status === 'success');
}

const LAST_BUILD: Record<Exclude<DisplayStatus, 'success' | 'building'>, string> = {
  failed: 'failed',
  cancelled: 'was cancelled',
  skipped: 'was skipped (a dependency failed)',
  interrupted: 'was interrupted',
};
