import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Holds the database URL unless the plugin option or `--database-url-env` names another variable. */
export const DATABASE_URL_ENV = 'BUILD_SYSTEM_DATABASE_URL';
/** Connect and query time limit (ms); past it the database counts as unreachable. */
export const DATABASE_TIMEOUT_ENV = 'BUILD_SYSTEM_DATABASE_TIMEOUT_MS';
const DEFAULT_TIMEOUT_MS = 5000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface DatabaseConfig {
  /** Never printed or recorded: messages use `maskDatabaseUrl`. */
  url: string;
  /** The environment variable the URL came from. */
  source: string;
  timeoutMs: number;
}

/** A database that failed: the message names the database with its password masked. */
export class DatabaseUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailable';
  }
}

export interface DatabaseOptions {
  /** Name of the environment variable holding the URL (`--database-url-env`, plugin option `databaseUrlEnv`). */
  urlEnv?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The database records go to, when one is configured: the URL sits in the environment only,
 * so a password never lands in nx.json. Which variable: the option given, else the plugin's
 * `databaseUrlEnv` in nx.json, else BUILD_SYSTEM_DATABASE_URL. Unset or empty: none (JSON only).
 */
export function databaseConfig(workspaceRoot: string, opts: DatabaseOptions = {}): DatabaseConfig | undefined {
  const env = opts.env ?? process.env;
  const name = databaseUrlEnvName(workspaceRoot, opts.urlEnv);
  const url = name ? env[name]?.trim() : undefined;
  if (!name || !url) return undefined;
  const timeout = Number(env[DATABASE_TIMEOUT_ENV]);
  return { url, source: name, timeoutMs: Number.isInteger(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS };
}

/** The variable the URL is read from; undefined when the name given is not a variable name (a URL pasted in, say). */
export function databaseUrlEnvName(workspaceRoot: string, urlEnv?: string): string | undefined {
  const name = urlEnv ?? pluginUrlEnv(workspaceRoot) ?? DATABASE_URL_ENV;
  return ENV_NAME.test(name) ? name : undefined;
}

/** `databaseUrlEnv` of this plugin's entry in nx.json (read, not executed: it is plain JSON). */
function pluginUrlEnv(workspaceRoot: string): string | undefined {
  let nxJson: { plugins?: unknown[] };
  try {
    nxJson = JSON.parse(readFileSync(join(workspaceRoot, 'nx.json'), 'utf8'));
  } catch {
    return undefined;
  }
  for (const entry of Array.isArray(nxJson.plugins) ? nxJson.plugins : []) {
    const e = entry as { plugin?: unknown; options?: { databaseUrlEnv?: unknown } };
    if (typeof e?.plugin === 'string' && e.plugin.startsWith('@repo/build-system') && typeof e.options?.databaseUrlEnv === 'string') {
      return e.options.databaseUrlEnv;
    }
  }
  return undefined;
}

/** The URL with its password (and any `password` parameter) replaced by `***`. */
export function maskDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    // A libpq keyword string (`host=… password=…`).
    return url.replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
  }
}

/** Everything in a URL that must never be shown: the URL itself and its password, raw and decoded. */
export function databaseSecrets(url: string): string[] {
  const secrets = [url];
  try {
    const u = new URL(url);
    if (u.password) secrets.push(u.password, decodeURIComponent(u.password));
    const param = u.searchParams.get('password');
    if (param) secrets.push(param);
  } catch {
    const m = /password\s*=\s*('([^']*)'|\S+)/i.exec(url);
    if (m) secrets.push(m[2] ?? m[1]);
  }
  return secrets;
}
