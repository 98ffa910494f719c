import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { unsafeBuildCache } from '../../config/build-cache';
import { BUILD_CACHE_DIR } from '../../config/define';
import { isBuildJob, normalizeJob, type RecordStore } from './store';
import type { BuildJob } from './types';
import { writeFileAtomic } from '../../utils/atomic-write';

/** Job ids sort by time: `<ISO basic timestamp>-<pid>-<rand>`. */
export function newJobId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * The default store: `{packagePath}/.build-cache/{jobs/<id>.json, logs/<id>.log, latest.json}`.
 * Writes go to a temp file and are renamed, so a reader never sees half a record.
 */
export class JsonRecordStore implements RecordStore {
  constructor(private readonly workspaceRoot: string) {}

  private dir(packagePath: string, ...rest: string[]) {
    return join(this.workspaceRoot, packagePath, BUILD_CACHE_DIR, ...rest);
  }

  logPath(packagePath: string, id: string): string {
    return posix.join(packagePath, BUILD_CACHE_DIR, 'logs', `${id}.log`);
  }

  /** Records are never written through a symlinked `.build-cache` (or one inside it). */
  private refuseUnsafe(packagePath: string): void {
    const unsafe = unsafeBuildCache(join(this.workspaceRoot, packagePath), this.workspaceRoot);
    if (unsafe) throw new Error(`refused to write through ${unsafe.file} (${unsafe.code})`);
  }

  async saveJob(job: BuildJob): Promise<void> {
    this.refuseUnsafe(job.packagePath);
    const json = `${JSON.stringify(job, null, 2)}\n`;
    await mkdir(this.dir(job.packagePath, 'jobs'), { recursive: true });
    await writeFileAtomic(this.dir(job.packagePath, 'jobs', `${job.id}.json`), json);
    if (await this.mayReplaceLatest(job)) await writeFileAtomic(this.dir(job.packagePath, 'latest.json'), json);
  }

  /**
   * latest.json is the job that finished last: builds finish (and save) under the lock, so
   * among them that is the one whose outputs are on disk, whatever order they started in.
   * Writers race without the build lock (validation failures, cache-hit records from
   * postTasksExecution), so a job that finished earlier, saved last, must not hide it. A latest.json
   * only counts when it is a record whose own job file still exists: every writer saves that
   * file first and prune never drops the newest, so a real newer latest always has one, while
   * a damaged or foreign latest.json (no id, a far-future id) no longer freezes it. Nor does
   * a record dated in the future (a clock set wrong, then corrected): no build has ended yet.
   */
  private async mayReplaceLatest(job: BuildJob): Promise<boolean> {
    const current = await readJson(this.dir(job.packagePath, 'latest.json'));
    if (!isBuildJob(current) || finishOrder(current) <= finishOrder(job) || datedInTheFuture(current)) return true;
    return (await this.job(job.packagePath, current.id)) === undefined;
  }

  async appendLog(job: Pick<BuildJob, 'id' | 'packagePath'>, text: string): Promise<void> {
    this.refuseUnsafe(job.packagePath);
    await mkdir(this.dir(job.packagePath, 'logs'), { recursive: true });
    await appendFile(this.dir(job.packagePath, 'logs', `${job.id}.log`), text);
  }

  /** latest.json, or the newest valid job when it is missing or damaged. */
  async latest(packagePath: string): Promise<BuildJob | undefined> {
    const latest = await readJson(this.dir(packagePath, 'latest.json'));
    if (isBuildJob(latest)) return normalizeJob(latest);
    return (await this.history(packagePath, 1))[0];
  }

  /** Files that are not records are skipped; `limit` counts valid records. */
  async history(packagePath: string, limit = Infinity): Promise<BuildJob[]> {
    const ids = await this.ids(packagePath);
    const jobs: BuildJob[] = [];
    for (let i = 0; i < ids.length && jobs.length < limit; i += HISTORY_BATCH) {
      const batch = await Promise.all(ids.slice(i, i + HISTORY_BATCH).map((id) => this.job(packagePath, id)));
      for (const j of batch) if (j && jobs.length < limit) jobs.push(j);
    }
    return jobs;
  }

  /** A job file counts only when it is a record of that id (its name is the key). */
  async job(packagePath: string, id: string): Promise<BuildJob | undefined> {
    if (!/^[\w.-]+$/.test(id)) return undefined;
    const job = await readJson(this.dir(packagePath, 'jobs', `${id}.json`));
    return isBuildJob(job) && job.id === id ? normalizeJob(job) : undefined;
  }

  async readLog(packagePath: string, id: string): Promise<string | undefined> {
    if (!/^[\w.-]+$/.test(id)) return undefined;
    return readFile(this.dir(packagePath, 'logs', `${id}.log`), 'utf8').catch(() => undefined);
  }

  async prune(packagePath: string, keep: number): Promise<void> {
    const stale = (await this.ids(packagePath)).slice(keep);
    await Promise.all(
      stale.flatMap((id) => [
        rm(this.dir(packagePath, 'jobs', `${id}.json`), { force: true }),
        rm(this.dir(packagePath, 'logs', `${id}.log`), { force: true }),
      ]),
    );
  }

  /** Newest first. */
  private async ids(packagePath: string): Promise<string[]> {
    const files = await readdir(this.dir(packagePath, 'jobs')).catch(() => [] as string[]);
    return files
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort()
      .reverse();
  }
}

const HISTORY_BATCH = 16;
/** Clocks of processes writing one package's records may differ this much (a container, a VM). */
const CLOCK_SKEW_MS = 60_000;

/** By its start or end time, or the time in its id (`newJobId`): what orders the records. */
function datedInTheFuture(job: BuildJob): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(job.id);
  const idTime = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`) : NaN;
  const limit = Date.now() + CLOCK_SKEW_MS;
  return Date.parse(job.startTime) > limit || Date.parse(job.endTime ?? '') > limit || idTime > limit;
}

/** End time, then id: ISO strings and ids both sort by time. */
const finishOrder = (j: BuildJob) => `${j.endTime ?? j.startTime}\u0000${j.id}`;

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}
