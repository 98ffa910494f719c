import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_CACHE_DIR } from '../../config/define';
import type { RunMeta } from './build-rows';
import { isBuildJob } from './store';
import type { BuildJob } from './types';
import { writeFileAtomic } from '../../utils/atomic-write';

/** A record the database did not take, kept until it does. */
export interface SpoolEntry {
  job: BuildJob;
  meta: RunMeta;
}

export interface ClaimedEntry extends SpoolEntry {
  /** The claimed file (renamed from `<id>.json`). */
  file: string;
  name: string;
}

const CLAIM = /^(.+\.json)\.(\d+)\.sending$/;
/** A claim whose process is gone (or that is this old) is taken over. */
const STALE_CLAIM_MS = 10 * 60_000;

/**
 * `{workspaceRoot}/.build-cache/spool/<job id>.json`: one file per job, the newest version of
 * the record wins (a job saved again replaces its entry). Replayers claim an entry by renaming
 * it, so two processes replaying at once never send the same file twice.
 */
export class Spool {
  readonly dir: string;

  constructor(workspaceRoot: string) {
    this.dir = join(workspaceRoot, BUILD_CACHE_DIR, 'spool');
  }

  async put(entry: SpoolEntry): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, `${encodeURIComponent(entry.job.id)}.json`), `${JSON.stringify({ version: 1, ...entry })}\n`);
  }

  /** Entries waiting (claimed ones included). */
  async size(): Promise<number> {
    return (await this.names()).filter((n) => n.endsWith('.json') || CLAIM.test(n)).length;
  }

  /** Claims up to `limit` entries; files that are not spool entries are left where they are. */
  async claim(limit = Infinity): Promise<ClaimedEntry[]> {
    const claimed: ClaimedEntry[] = [];
    for (const name of await this.claimable()) {
      if (claimed.length >= limit) break;
      const base = CLAIM.exec(name)?.[1] ?? name;
      const file = join(this.dir, `${base}.${process.pid}.sending`);
      if (
        !(await rename(join(this.dir, name), file).then(
          () => true,
          () => false,
        ))
      )
        continue;
      const entry = parseEntry(await readFile(file, 'utf8').catch(() => ''));
      if (entry) claimed.push({ ...entry, file, name: base });
      else await rename(file, join(this.dir, `${base}.invalid`)).catch(() => undefined);
    }
    return claimed;
  }

  /** Sent: the claimed files go. */
  async done(entries: ClaimedEntry[]): Promise<void> {
    await Promise.all(entries.map((e) => rm(e.file, { force: true })));
  }

  /** Not sent: back in the spool, unless a newer version of the job was spooled meanwhile. */
  async release(entries: ClaimedEntry[]): Promise<void> {
    await Promise.all(
      entries.map(async (e) => {
        const original = join(this.dir, e.name);
        if (
          await stat(original).then(
            () => true,
            () => false,
          )
        )
          await rm(e.file, { force: true });
        else await rename(e.file, original).catch(() => undefined);
      }),
    );
  }

  private async names(): Promise<string[]> {
    return readdir(this.dir).catch(() => [] as string[]);
  }

  /** Unclaimed entries, then claims left by a process that is gone; oldest job first. */
  private async claimable(): Promise<string[]> {
    const names = await this.names();
    const stale: string[] = [];
    for (const name of names) {
      const m = CLAIM.exec(name);
      if (m && (await staleClaim(join(this.dir, name), Number(m[2])))) stale.push(name);
    }
    return [...names.filter((n) => n.endsWith('.json')).sort(), ...stale];
  }
}

async function staleClaim(file: string, pid: number): Promise<boolean> {
  if (pid !== process.pid && !alive(pid)) return true;
  const s = await stat(file).catch(() => undefined);
  return s !== undefined && Date.now() - s.mtimeMs > STALE_CLAIM_MS;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseEntry(text: string): SpoolEntry | undefined {
  try {
    const e = JSON.parse(text) as { job?: unknown; meta?: Partial<RunMeta> };
    if (!isBuildJob(e.job)) return undefined;
    return { job: e.job, meta: { host: e.meta?.host ?? null, commitSha: e.meta?.commitSha ?? null } };
  } catch {
    return undefined;
  }
}
