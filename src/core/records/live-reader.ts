import { currentState } from './build-rows';
import { JsonBackedStore } from './json-backed-store';
import type { JsonRecordStore } from './json-store';
import type { PostgresRecordStore } from './postgres-store';
import type { BuildJob } from './types';

/** Reads the database while it answers, else this machine's records (DatabaseFirstReader in open-store.ts). */
export interface DatabaseReads {
  readonly json: JsonRecordStore;
  read<T>(read: (db: PostgresRecordStore) => Promise<T>, local: () => Promise<T>): Promise<T>;
}

/**
 * What the builds page reads with a database configured: the team's history from the database
 * and this machine's JSON records beside it, each job in its most advanced version. A build
 * saves its JSON record first and the database's in the background (its log only once it has
 * ended), so the database alone would show a build running here a step behind, and the page
 * would keep the step it missed. Writes go to the JSON files, like DatabaseFirstReader's.
 */
export class LiveRecordReader extends JsonBackedStore {
  constructor(private readonly reads: DatabaseReads) {
    super(reads.json);
  }

  /** A database read, or nothing when the database cannot be reached (warned once by the reader). */
  private shared<T>(read: (db: PostgresRecordStore) => Promise<T>, none: T): Promise<T> {
    return this.reads.read(read, async () => none);
  }

  override async latest(packagePath: string): Promise<BuildJob | undefined> {
    const [shared, local] = await Promise.all([this.shared((db) => db.latest(packagePath), undefined), this.json.latest(packagePath)]);
    if (!shared || !local) return local ?? shared;
    if (shared.id === local.id) return moreAdvanced(shared, local);
    return finishOrder(shared) > finishOrder(local) ? shared : local;
  }

  override async history(packagePath: string, limit = Infinity): Promise<BuildJob[]> {
    const [shared, local] = await Promise.all([
      this.shared((db) => db.history(packagePath, limit), [] as BuildJob[]),
      this.json.history(packagePath, limit),
    ]);
    const byId = new Map<string, BuildJob>();
    for (const job of [...shared, ...local]) {
      const seen = byId.get(job.id);
      byId.set(job.id, seen ? moreAdvanced(seen, job) : job);
    }
    return [...byId.values()].sort((a, b) => compare(b.startTime, a.startTime) || compare(b.id, a.id)).slice(0, limit);
  }

  override async job(packagePath: string, id: string): Promise<BuildJob | undefined> {
    const [shared, local] = await Promise.all([this.shared((db) => db.job(packagePath, id), undefined), this.json.job(packagePath, id)]);
    return shared && local ? moreAdvanced(shared, local) : (local ?? shared);
  }

  /** This machine's log first: whole (the database keeps its end) and written as the build goes. */
  override async readLog(packagePath: string, id: string): Promise<string | undefined> {
    return (await this.json.readLog(packagePath, id)) ?? (await this.shared((db) => db.readLog(packagePath, id), undefined));
  }
}

/** Two versions of one job: a finished one beats an unfinished one, then more phases done (the database's rule); ties go to `b`. */
export function moreAdvanced(a: BuildJob, b: BuildJob): BuildJob {
  return currentState(a) > currentState(b) ? a : b;
}

const finishOrder = (j: BuildJob) => `${j.endTime ?? j.startTime}\u0000${j.id}`;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
