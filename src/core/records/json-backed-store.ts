import type { JsonRecordStore } from './json-store';
import type { RecordStore } from './store';
import type { BuildJob } from './types';

/**
 * A store in front of this machine's JSON records: everything goes to the JSON files unless a
 * subclass says otherwise. The database stores (mirrored-store.ts, open-store.ts,
 * live-reader.ts) override the reads or the save, and share the rest: logs, log paths and
 * pruning are always the JSON files'.
 */
export class JsonBackedStore implements RecordStore {
  constructor(readonly json: JsonRecordStore) {}

  saveJob(job: BuildJob): Promise<void> {
    return this.json.saveJob(job);
  }
  appendLog(job: Pick<BuildJob, 'id' | 'packagePath'>, text: string): Promise<void> {
    return this.json.appendLog(job, text);
  }
  prune(packagePath: string, keep: number): Promise<void> {
    return this.json.prune(packagePath, keep);
  }
  logPath(packagePath: string, id: string): string {
    return this.json.logPath(packagePath, id);
  }
  latest(packagePath: string): Promise<BuildJob | undefined> {
    return this.json.latest(packagePath);
  }
  history(packagePath: string, limit?: number): Promise<BuildJob[]> {
    return this.json.history(packagePath, limit);
  }
  job(packagePath: string, id: string): Promise<BuildJob | undefined> {
    return this.json.job(packagePath, id);
  }
  readLog(packagePath: string, id: string): Promise<string | undefined> {
    return this.json.readLog(packagePath, id);
  }
}
