import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';

/** Who may talk to the server: the names it answers to, its port and its token. */
export interface Guard {
  /** The address the server listens on (`127.0.0.1`, `0.0.0.0`, …). */
  bindHost: string;
  port: number;
  token: string;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '[::]';

export const newToken = () => randomBytes(24).toString('base64url');

/**
 * Whether a Host header (or an Origin's host) names this server: a loopback name, the address
 * it listens on, and, listening on every interface, an IP address or this machine's name.
 * Any other name is a page on another site that pointed its own DNS name at this address
 * (DNS rebinding): refused.
 */
export function hostAllowed(hostPort: string | undefined, guard: Guard): boolean {
  if (!hostPort) return false;
  const parsed = splitHostPort(hostPort);
  if (!parsed) return false;
  const port = parsed.port ?? 80;
  if (port !== guard.port) return false;
  const name = parsed.host.toLowerCase();
  if (LOOPBACK_NAMES.has(name) || isLoopback(name)) return true;
  if (name === guard.bindHost.toLowerCase().replace(/^\[|\]$/g, '')) return true;
  if (isWildcard(guard.bindHost)) return isIP(name) !== 0 || name === hostname().toLowerCase();
  return false;
}

/** An Origin header, when a browser sent one, must be this server's own (`http://<allowed host>:<port>`). */
export function originAllowed(origin: string | undefined, guard: Guard): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' || url.username || url.password || (url.pathname !== '/' && url.pathname !== '')) return false;
  return hostAllowed(url.port ? `${url.hostname}:${url.port}` : url.hostname, guard);
}

export function tokenMatches(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function splitHostPort(value: string): { host: string; port?: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/\s@]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return undefined;
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  return { host, ...(m[2] ? { port: Number(m[2]) } : {}) };
}
