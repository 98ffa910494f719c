import { relative } from 'node:path';
import type { RunMeta } from './build-rows';
import { JsonBackedStore } from './json-backed-store';
import type { JsonRecordStore } from './json-store';
import type { JobToSave, PostgresRecordStore } from './postgres-store';
import type { ClaimedEntry, Spool } from './spool';
import type { BuildJob } from './types';

export interface MirrorOptions {
  meta: RunMeta;
  workspaceRoot: string;
  /** Saves wait for flush() and go to the database in one transaction (one per Nx run for cache hits). */
  batch?: boolean;
  /** Where the one warning of an outage goes (default: stderr). */
  warn?: (message: string) => void;
  /** Spooled records one invocation replays; the rest wait for the next one or `records sync`. */
  replayLimit?: number;
}

const REPLAY_BATCH = 50;
/**
 * How long a running build's record waits before it goes to the database, newer versions
 * replacing it meanwhile: a build shorter than this costs one write (its finished record), a
 * longer one is seen in the database within this time, then at most this often.
 */
export const LIVE_WRITE_MS = 2000;
const DEFAULT_REPLAY_LIMIT = 200;

/**
 * The JSON files first, the database in the background: a save returns once the JSON record
 * is written, and the database write runs beside the build on a connection opened when the
 * store was (so it is warm by the end); `flush()` waits for it. When the database cannot be
 * reached, or a query fails or times out, the build goes on: one warning, and the records go
 * to the spool (`.build-cache/spool/`), which the next invocation replays before its own.
 * Reads, logs and pruning are the JSON store's: the database keeps the whole history.
 */
export class MirroredRecordStore extends JsonBackedStore {
  private readonly pending = new Map<string, BuildJob>();
  private writing?: Promise<void>;
  /** Why the database is out of use for the rest of this invocation, once it failed. */
  private down?: string;
  private warned = false;
  private connected?: Promise<void>;
  private liveTimer?: NodeJS.Timeout;

  constructor(
    json: JsonRecordStore,
    readonly db: PostgresRecordStore,
    readonly spool: Spool,
    private readonly opts: MirrorOptions,
  ) {
    super(json);
    // A build connects while it runs, so the write at its end finds the connection open. A
    // batch (postTasksExecution) connects only once it has something to write.
    if (!opts.batch) this.connectSoon();
  }

  override async saveJob(job: BuildJob): Promise<void> {
    await super.saveJob(job);
    // A copy: the caller goes on changing its job while the write waits.
    this.pending.set(job.id, structuredClone(job));
    this.connectSoon();
    this.schedule();
  }

  /** Waits until every saved record is in the database or the spool. Never throws. */
  async flush(): Promise<void> {
    clearTimeout(this.liveTimer);
    this.liveTimer = undefined;
    await this.connected;
    while (this.pending.size || this.writing) await (this.writing ?? this.drain());
  }

  /** On a later turn: the caller's synchronous work (and loading `pg`) is not held up. */
  private connectSoon(): void {
    this.connected ??= new Promise<void>((r) => setImmediate(r)).then(() => this.connect());
  }

  /** A finished record goes at once (with what else is waiting); a running build's waits up to LIVE_WRITE_MS. */
  private schedule(): void {
    if (this.opts.batch || this.writing || this.pending.size === 0) return;
    if ([...this.pending.values()].some((j) => j.endTime !== null)) {
      clearTimeout(this.liveTimer);
      this.liveTimer = undefined;
      void this.drain();
      return;
    }
    this.liveTimer ??= setTimeout(() => {
      this.liveTimer = undefined;
      void this.drain();
    }, LIVE_WRITE_MS);
    this.liveTimer.unref();
  }

  private drain(): Promise<void> {
    this.writing ??= this.writePending().finally(() => {
      this.writing = undefined;
      this.schedule();
    });
    return this.writing;
  }

  private async writePending(): Promise<void> {
    await this.connected;
    while (this.pending.size) {
      const jobs = [...this.pending.values()];
      this.pending.clear();
      if (this.down === undefined) {
        try {
          await this.db.saveJobs(await this.withLogs(jobs.map((job) => ({ job, meta: this.opts.meta }))));
          continue;
        } catch (err) {
          this.fail(err);
        }
      }
      await this.toSpool(jobs);
      this.warnOnce();
    }
  }

  /** Opens the connection (migrating when needed), then sends what earlier invocations spooled. */
  private async connect(): Promise<void> {
    try {
      await this.db.db.ready();
    } catch (err) {
      this.fail(err);
      return;
    }
    const limit = this.opts.replayLimit ?? DEFAULT_REPLAY_LIMIT;
    for (let sent = 0; sent < limit;) {
      const claimed = await this.spool.claim(Math.min(REPLAY_BATCH, limit - sent)).catch(() => [] as ClaimedEntry[]);
      if (claimed.length === 0) return;
      try {
        await this.db.saveJobs(await this.withLogs(claimed));
        await this.spool.done(claimed);
        sent += claimed.length;
      } catch (err) {
        await this.spool.release(claimed);
        this.fail(err);
        this.warnOnce();
        return;
      }
    }
  }

  /** A finished build's log goes with its record. */
  private withLogs(entries: JobToSave[]): Promise<JobToSave[]> {
    return Promise.all(entries.map(async (e) => (e.job.endTime ? { ...e, log: await this.json.readLog(e.job.packagePath, e.job.id) } : e)));
  }

  private async toSpool(jobs: BuildJob[]): Promise<void> {
    for (const job of jobs) {
      await this.spool
        .put({ job, meta: this.opts.meta })
        .catch((err: Error) => this.say(`could not spool the record ${job.id}: ${err.message}`));
    }
  }

  /** The database is out of use for the rest of this invocation: later saves go straight to the spool. */
  private fail(err: unknown): void {
    this.down ??= (err as Error)?.message ?? String(err);
  }

  /** Said once, when a record is spooled (not when the database failed with nothing to write). */
  private warnOnce(): void {
    if (this.warned || this.down === undefined) return;
    this.warned = true;
    const spool = relative(this.opts.workspaceRoot, this.spool.dir) || this.spool.dir;
    this.say(
      `the build database could not take the records: ${this.down}. They are kept in ${spool}/ and sent by the next build or \`build-system records sync\``,
    );
  }

  private say(message: string): void {
    (this.opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(message);
  }
}
