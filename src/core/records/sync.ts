import { hostname } from 'node:os';
import { JsonRecordStore } from './json-store';
import type { JobToSave, PostgresRecordStore } from './postgres-store';
import { Spool } from './spool';
import { isBuildJob } from './store';

const BATCH = 50;

export interface SyncResult {
  /** Spooled records the database took. */
  sent: number;
  /** Entries still in the spool (claimed by another process, or not records). */
  remaining: number;
}

/** Sends every spooled record to the database (`build-system records sync`). Throws when it is down. */
export async function syncSpool(workspaceRoot: string, db: PostgresRecordStore): Promise<SyncResult> {
  const spool = new Spool(workspaceRoot);
  const json = new JsonRecordStore(workspaceRoot);
  await db.db.ready();
  let sent = 0;
  for (;;) {
    const claimed = await spool.claim(BATCH);
    if (claimed.length === 0) break;
    try {
      await db.saveJobs(
        await Promise.all(
          claimed.map(async (e) => ({ ...e, log: e.job.endTime ? await json.readLog(e.job.packagePath, e.job.id) : undefined })),
        ),
      );
    } catch (err) {
      await spool.release(claimed);
      throw err;
    }
    await spool.done(claimed);
    sent += claimed.length;
  }
  return { sent, remaining: await spool.size() };
}

export interface ImportResult {
  /** Records read from the JSON files. */
  records: number;
  /** Of those, the ones the database did not have. */
  created: number;
}

/**
 * Loads the packages' JSON records (and logs) into the database: `records import`. Idempotent:
 * a record the database has is saved again as the same row. The records were written on this
 * machine; the commit each was built from is not known any more.
 */
export async function importJsonRecords(workspaceRoot: string, packagePaths: string[], db: PostgresRecordStore): Promise<ImportResult> {
  const json = new JsonRecordStore(workspaceRoot);
  let records = 0;
  let created = 0;
  const meta = { host: hostname(), commitSha: null };
  for (const path of packagePaths) {
    const jobs = (await json.history(path)).filter(isBuildJob).reverse();
    for (let i = 0; i < jobs.length; i += BATCH) {
      const batch: JobToSave[] = await Promise.all(
        jobs.slice(i, i + BATCH).map(async (job) => ({ job, meta, log: await json.readLog(path, job.id) })),
      );
      created += await db.saveJobs(batch);
      records += batch.length;
    }
  }
  return { records, created };
}
