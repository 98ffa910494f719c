import { databaseConfig, DatabaseUnavailable, type DatabaseConfig, type DatabaseOptions } from './database-config';
import { JsonBackedStore } from './json-backed-store';
import { JsonRecordStore } from './json-store';
import type { PostgresRecordStore } from './postgres-store';
import type { RecordStore } from './store';
import type { BuildJob } from './types';

// Loaded only when a database is configured: a build without one loads none of it.
/* eslint-disable @typescript-eslint/no-require-imports */
const databaseModules = () => ({
  ...(require('./database') as typeof import('./database')),
  ...(require('./live-reader') as typeof import('./live-reader')),
  ...(require('./mirrored-store') as typeof import('./mirrored-store')),
  ...(require('./postgres-store') as typeof import('./postgres-store')),
  ...(require('./run-meta') as typeof import('./run-meta')),
  ...(require('./spool') as typeof import('./spool')),
});
/* eslint-enable @typescript-eslint/no-require-imports */

export interface OpenStoreOptions extends DatabaseOptions {
  /** Database writes wait for `flush()` and go in one transaction (postTasksExecution). */
  batch?: boolean;
  /** Where a warning about the database goes (default: stderr). */
  warn?: (message: string) => void;
}

/**
 * The store builds write to: the JSON files, and the database too when one is configured
 * (docs/records-and-cli.md, "PostgreSQL"). Without a database nothing else is loaded.
 */
export function openRecordStore(workspaceRoot: string, opts: OpenStoreOptions = {}): RecordStore {
  const json = new JsonRecordStore(workspaceRoot);
  const config = databaseConfig(workspaceRoot, opts);
  if (!config) return json;
  const { MirroredRecordStore, PostgresRecordStore, runMeta, sharedDatabase, Spool } = databaseModules();
  const meta = runMeta(workspaceRoot);
  const db = new PostgresRecordStore(sharedDatabase(config), meta);
  return new MirroredRecordStore(json, db, new Spool(workspaceRoot), { meta, workspaceRoot, batch: opts.batch, warn: opts.warn });
}

/** The database store when one is configured, for commands that talk to it alone (import, sync). */
export function openDatabaseStore(
  workspaceRoot: string,
  opts: DatabaseOptions & { timeoutMs?: number } = {},
): PostgresRecordStore | undefined {
  const config = databaseConfig(workspaceRoot, opts);
  if (!config) return undefined;
  const withTimeout: DatabaseConfig = opts.timeoutMs ? { ...config, timeoutMs: opts.timeoutMs } : config;
  const { PostgresRecordStore, runMeta, sharedDatabase } = databaseModules();
  return new PostgresRecordStore(sharedDatabase(withTimeout), runMeta(workspaceRoot));
}

/**
 * The store commands read (`status`, `history`, the API): the database when one is configured,
 * the team's history; when it cannot be reached, this machine's JSON records, with a warning.
 */
export function openRecordReader(workspaceRoot: string, opts: OpenStoreOptions = {}): RecordStore {
  const json = new JsonRecordStore(workspaceRoot);
  const db = openDatabaseStore(workspaceRoot, opts);
  return db ? new DatabaseFirstReader(db, json, opts.warn) : json;
}

/**
 * The store the builds page reads: with a database, its history and this machine's records
 * merged, a build running here as it goes (LiveRecordReader); without one, the JSON files.
 */
export function openLiveReader(workspaceRoot: string, opts: OpenStoreOptions = {}): RecordStore {
  const reader = openRecordReader(workspaceRoot, opts);
  if (!(reader instanceof DatabaseFirstReader)) return reader;
  const { LiveRecordReader } = databaseModules();
  return new LiveRecordReader(reader);
}

/** Reads from the database until it fails once, then from the JSON files; writes go to the JSON files. */
export class DatabaseFirstReader extends JsonBackedStore {
  private fallback = false;

  constructor(
    readonly db: PostgresRecordStore,
    json: JsonRecordStore,
    private readonly warn: (message: string) => void = (m) => process.stderr.write(`warning: ${m}\n`),
  ) {
    super(json);
  }

  /** The database store while it answers; undefined once it has failed. */
  get database(): PostgresRecordStore | undefined {
    return this.fallback ? undefined : this.db;
  }

  /** Runs `read` on the database; on an outage warns once and runs `local`. */
  async read<T>(read: (db: PostgresRecordStore) => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (!this.fallback) {
      try {
        return await read(this.db);
      } catch (err) {
        if (!(err instanceof DatabaseUnavailable)) throw err;
        this.fallback = true;
        this.warn(`the build database could not be read: ${err.message}. Showing this machine's records`);
      }
    }
    return local();
  }

  override latest(packagePath: string): Promise<BuildJob | undefined> {
    return this.read(
      (db) => db.latest(packagePath),
      () => this.json.latest(packagePath),
    );
  }
  override history(packagePath: string, limit?: number): Promise<BuildJob[]> {
    return this.read(
      (db) => db.history(packagePath, limit),
      () => this.json.history(packagePath, limit),
    );
  }
  override job(packagePath: string, id: string): Promise<BuildJob | undefined> {
    return this.read(
      (db) => db.job(packagePath, id),
      () => this.json.job(packagePath, id),
    );
  }
  override readLog(packagePath: string, id: string): Promise<string | undefined> {
    // Logs written on this machine are here even when the database kept only the record.
    return this.read(
      async (db) => (await db.readLog(packagePath, id)) ?? this.json.readLog(packagePath, id),
      () => this.json.readLog(packagePath, id),
    );
  }
}
