import { resolve } from 'node:path';
import type { WorkspaceOptions } from '../api';
import { databaseUrlEnvName, DatabaseUnavailable, DATABASE_URL_ENV } from '../core/records/database-config';
import {
  hasSharedHistory,
  localSharedHistory,
  type FailureEntry,
  type FailureFilter,
  type HistoryEntry,
  type HistoryFilter,
  type SharedHistory,
} from '../core/records/history';
import { DatabaseFirstReader, openDatabaseStore, openRecordReader } from '../core/records/open-store';
import type { PostgresRecordStore } from '../core/records/postgres-store';
import { importJsonRecords, syncSpool, type ImportResult, type SyncResult } from '../core/records/sync';
import { buildError, fail, ok, type Result } from '../errors';
import { scanPackages } from '../config/workspace/find-packages';
import { findWorkspaceRoot, type WorkspaceRoot } from '../config/workspace/find-root';

export type { FailureEntry, FailureFilter, HistoryEntry, HistoryFilter } from '../core/records/history';
export type { ImportResult, SyncResult } from '../core/records/sync';

/** Commands that write to the database alone may take longer than a build's write. */
const COMMAND_TIMEOUT_MS = 60_000;

/** Builds across packages (and hosts, from the database), newest first: `history --all`. */
export async function getAllBuildHistory(options: WorkspaceOptions & HistoryFilter = {}): Promise<Result<HistoryEntry[]>> {
  return withSharedHistory(options, (h) => h.builds(options));
}

/** Failures (one per error of a build) with their packages, newest first: `failures`. */
export async function getBuildFailures(options: WorkspaceOptions & FailureFilter = {}): Promise<Result<FailureEntry[]>> {
  return withSharedHistory(options, (h) => h.failures(options));
}

/** Loads the workspace's JSON records into the database (idempotent): `records import`. */
export async function importRecords(options: WorkspaceOptions = {}): Promise<Result<ImportResult>> {
  return withDatabase(options, async (db, ws) => {
    const { packages } = await scanPackages(ws);
    return importJsonRecords(
      ws.root,
      packages.map((p) => p.path),
      db,
    );
  });
}

/** Sends the spooled records to the database: `records sync`. */
export async function syncRecords(options: WorkspaceOptions = {}): Promise<Result<SyncResult>> {
  return withDatabase(options, (db, ws) => syncSpool(ws.root, db));
}

function workspaceOf(options: WorkspaceOptions): WorkspaceRoot | Result<never> {
  const cwd = resolve(options.cwd ?? process.cwd());
  return findWorkspaceRoot(cwd) ?? fail(buildError('PROJECT_NOT_FOUND', `no workspace or package.json found from ${cwd}`));
}

/** The database's history when one is configured and answers, else this machine's records. */
async function withSharedHistory<T>(options: WorkspaceOptions, query: (h: SharedHistory) => Promise<T>): Promise<Result<T>> {
  const ws = workspaceOf(options);
  if ('ok' in ws) return ws;
  const store = options.store ?? openRecordReader(ws.root, { urlEnv: options.databaseUrlEnv });
  const local = async () =>
    query(
      localSharedHistory(
        store,
        (await scanPackages(ws)).packages.map((p) => p.path),
      ),
    );
  if (store instanceof DatabaseFirstReader) return ok(await store.read((db) => query(db), local));
  return ok(hasSharedHistory(store) ? await query(store) : await local());
}

async function withDatabase<T>(
  options: WorkspaceOptions,
  fn: (db: PostgresRecordStore, ws: WorkspaceRoot) => Promise<T>,
): Promise<Result<T>> {
  const ws = workspaceOf(options);
  if ('ok' in ws) return ws;
  const db = openDatabaseStore(ws.root, { urlEnv: options.databaseUrlEnv, timeoutMs: COMMAND_TIMEOUT_MS });
  if (!db) {
    const name = databaseUrlEnvName(ws.root, options.databaseUrlEnv);
    return fail(
      buildError(
        'USAGE',
        name
          ? `no records database configured: ${name} is not set (it holds the PostgreSQL URL)`
          : `no records database configured: the variable naming it is not an environment variable name (${DATABASE_URL_ENV} by default)`,
      ),
    );
  }
  try {
    return ok(await fn(db, ws));
  } catch (err) {
    if (err instanceof DatabaseUnavailable)
      return fail(buildError('DATABASE_UNAVAILABLE', `the build database could not be reached: ${err.message}`));
    throw err;
  }
}
