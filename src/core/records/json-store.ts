import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { BUILD_CACHE_DIR } from '../../config/define';
import type { RecordStore } from './store';
import type { BuildJob } from './types';

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

  async saveJob(job: BuildJob): Promise<void> {
    const json = `${JSON.stringify(job, null, 2)}\n`;
    await mkdir(this.dir(job.packagePath, 'jobs'), { recursive: true });
    await atomicWrite(this.dir(job.packagePath, 'jobs', `${job.id}.json`), json);
    const latest = await this.latest(job.packagePath);
    if (!latest || latest.id <= job.id) await atomicWrite(this.dir(job.packagePath, 'latest.json'), json);
  }

  async appendLog(job: Pick<BuildJob, 'id' | 'packagePath'>, text: string): Promise<void> {
    await mkdir(this.dir(job.packagePath, 'logs'), { recursive: true });
    await appendFile(this.dir(job.packagePath, 'logs', `${job.id}.log`), text);
  }

  async latest(packagePath: string): Promise<BuildJob | undefined> {
    return readJson(this.dir(packagePath, 'latest.json'));
  }

  async history(packagePath: string, limit = Infinity): Promise<BuildJob[]> {
    const ids = (await this.ids(packagePath)).slice(0, limit);
    const jobs = await Promise.all(ids.map((id) => this.job(packagePath, id)));
    return jobs.filter((j): j is BuildJob => j !== undefined);
  }

  async job(packagePath: string, id: string): Promise<BuildJob | undefined> {
    if (!/^[\w.-]+$/.test(id)) return undefined;
    return readJson(this.dir(packagePath, 'jobs', `${id}.json`));
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

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function atomicWrite(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}
