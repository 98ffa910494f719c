import { databaseSecrets, DatabaseUnavailable, maskDatabaseUrl, type DatabaseConfig } from './database-config';
import { migrate } from './migrate';

/** The part of the `pg` client used here (typed locally: `pg` is an optional peer, its types are not needed). */
export interface PgClient {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}
interface PgPoolClient extends PgClient {
  release(err?: Error | boolean): void;
}
interface PgPool extends PgClient {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
}
interface PgModule {
  Pool: new (config: Record<string, unknown>) => PgPool;
}

/**
 * A connection pool to the records database, with the schema brought up to date before the
 * first query. `pg` is loaded on first use, never when no database is configured.
 */
export class Database {
  private pool?: PgPool;
  private schema?: Promise<void>;
  private readonly secrets: string[];

  constructor(readonly config: DatabaseConfig) {
    this.secrets = databaseSecrets(config.url).sort((a, b) => b.length - a.length);
  }

  /** The URL with its password masked, for messages. */
  get label(): string {
    return maskDatabaseUrl(this.config.url);
  }

  /** Connects and applies pending migrations (once per pool). */
  ready(): Promise<void> {
    this.schema ??= this.guard(async () => {
      await migrate(this.connectPool());
    }).catch((err) => {
      this.schema = undefined;
      throw err;
    });
    return this.schema;
  }

  async query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]> {
    await this.ready();
    return this.guard(async () => (await this.connectPool().query<R>(text, values)).rows);
  }

  /** Closes the pool; the next query opens a new one. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    this.schema = undefined;
    await pool?.end().catch(() => undefined);
  }

  /** Errors leave here as DatabaseUnavailable, naming the database, never its password. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DatabaseUnavailable) throw err;
      const raw = err instanceof Error ? err.message || (err as { code?: string }).code || err.name : String(err);
      throw new DatabaseUnavailable(`${this.mask(raw)} (${this.label})`);
    }
  }

  private mask(text: string): string {
    return this.secrets.reduce((t, s) => (s ? t.split(s).join('***') : t), text);
  }

  private connectPool(): PgPool {
    if (this.pool) return this.pool;
    const { Pool } = loadPg();
    const t = this.config.timeoutMs;
    const pool = new Pool({
      connectionString: this.config.url,
      max: 4,
      idleTimeoutMillis: 10_000,
      // An idle connection never keeps a CLI or an executor process alive.
      allowExitOnIdle: true,
      // Client-side limits only: no session settings in the startup packet, which PgBouncer refuses.
      connectionTimeoutMillis: t,
      query_timeout: t,
      application_name: 'build-system',
    });
    // A server restart breaks idle connections: the pool drops them, the next query reconnects.
    pool.on('error', () => undefined);
    this.pool = pool;
    return pool;
  }
}

let pg: PgModule | undefined;

/** `pg` is an optional peer dependency: required only when a database is configured. */
function loadPg(): PgModule {
  if (pg) return pg;
  // pg asks whether it runs in Cloudflare Workers by constructing a `Response`, which on Node 20
  // loads Node's whole fetch implementation: half of pg's load time, on the build's path. A
  // `navigator` (Node 21+ has one) answers first; it is there only while pg loads.
  const lend = !('navigator' in globalThis);
  if (lend) Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.version}` }, configurable: true });
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pg = require('pg') as PgModule;
    return pg;
  } catch (err) {
    throw new DatabaseUnavailable(`the \`pg\` package is not installed (npm install -D pg): ${(err as Error).message.split('\n')[0]}`);
  } finally {
    if (lend) delete (globalThis as { navigator?: unknown }).navigator;
  }
}

const shared = new Map<string, Database>();

/** One pool per URL and time limit in a process, however many stores use it. */
export function sharedDatabase(config: DatabaseConfig): Database {
  const key = `${config.timeoutMs}\u0000${config.url}`;
  let db = shared.get(key);
  if (!db) shared.set(key, (db = new Database(config)));
  return db;
}
