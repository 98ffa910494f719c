import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PackageSummary } from '../api';
import type { RecordWatcher } from '../core/records/watch';
import type { BuildJob } from '../core/records/types';
import type { PageData } from './data';
import { EventHub } from './events';
import type { Html } from './html';
import {
  contentSecurityPolicy,
  renderDocument,
  renderJobView,
  renderNotFound,
  renderPackagesView,
  renderPackageView,
  SERVE_LINKS,
  type ViewContext,
} from './render';
import { hostAllowed, isLoopback, originAllowed, tokenMatches, type Guard } from './security';

export interface BuildsServerOptions {
  data: PageData;
  watcher: RecordWatcher;
  /** Address to listen on; 127.0.0.1 unless asked. */
  host: string;
  /** 0: any free port. */
  port: number;
  token: string;
  workspaceName: string;
  /** Runs one package's build through the core (the same as the CLI's); resolves with its record. */
  startBuild: (pkg: PackageSummary, signal: AbortSignal) => Promise<BuildJob>;
  /** One line per event worth telling the person who started the server. */
  log?: (line: string) => void;
}

const TOKEN_HEADER = 'x-build-system-token';
const FRAGMENT_HEADER = 'x-build-system-fragment';
const TOKEN_COOKIE = 'build_system_token';

interface ApiError {
  code: 'NOT_FOUND' | 'FORBIDDEN' | 'BUILD_RUNNING' | 'METHOD_NOT_ALLOWED' | 'INTERNAL';
  message: string;
}

/**
 * The builds page over `node:http`: HTML views, a JSON API, live updates over Server-Sent
 * Events, and a rebuild that runs the core. Every request is checked before routing: its
 * Host (and Origin, when sent) must be this server's own, and a state change is a POST
 * carrying the server's token (docs/builds-page.md).
 */
export class BuildsServer {
  private readonly server: Server;
  private readonly hub = new EventHub();
  private guard!: Guard;
  /** Packages whose build this server started and that are still running. */
  private readonly building = new Map<string, Promise<unknown>>();
  private readonly abort = new AbortController();
  private readonly lastEvent = new Map<string, string>();
  private unsubscribe?: () => void;

  constructor(private readonly o: BuildsServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        this.o.log?.(`internal error: ${(err as Error)?.stack ?? err}`);
        if (!res.headersSent) this.json(res, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
        else res.end();
      });
    });
  }

  /** Reads need the token too when the server listens beyond this machine (`--host`). */
  private get tokenForReads(): boolean {
    return !isLoopback(this.o.host);
  }

  async listen(): Promise<{ url: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const port = (this.server.address() as AddressInfo).port;
    this.guard = { bindHost: this.o.host, port, token: this.o.token };
    this.unsubscribe = this.o.watcher.subscribe((path) => void this.recordsChanged(path));
    const shown =
      this.o.host === '0.0.0.0' || this.o.host === '::' ? 'localhost' : this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host;
    return { url: `http://${shown}:${port}/`, port };
  }

  /** Stops page builds (they record `cancelled`), ends event streams, closes every connection. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.abort.abort();
    await Promise.allSettled([...this.building.values()]);
    this.hub.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async recordsChanged(packagePath: string): Promise<void> {
    const pkg = (await this.o.data.packages()).find((p) => p.path === packagePath);
    if (!pkg) return;
    const latest = await this.o.data.source.store.latest(packagePath);
    const payload = {
      package: pkg.name,
      path: pkg.path,
      jobId: latest?.id ?? null,
      status: latest ? this.o.data.displayStatus(latest) : 'never-built',
      phases: latest?.phases.map((p) => [p.name, p.status]) ?? [],
    };
    const text = JSON.stringify(payload);
    if (this.lastEvent.get(packagePath) === text) return;
    this.lastEvent.set(packagePath, text);
    this.hub.send('package', payload);
  }

  // ------------------------------------------------------------------------------ requests

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://server.invalid');
    const path = url.pathname;
    const isApi = path.startsWith('/api/');
    const forbid = (message: string) =>
      isApi ? this.json(res, 403, { error: { code: 'FORBIDDEN', message } }) : this.text(res, 403, `403 Forbidden: ${message}\n`);

    if (!hostAllowed(req.headers.host, this.guard)) return forbid('this server answers only to its own address (Host)');
    if (!originAllowed(header(req, 'origin'), this.guard)) return forbid('requests from other sites are refused (Origin)');
    if (this.tokenForReads) {
      const access = this.readAccess(req, url, res);
      if (access === 'redirected') return;
      if (access === 'denied') return forbid('this server needs its token: open the address it printed');
    }
    if (req.method === 'POST' && !tokenMatches(header(req, TOKEN_HEADER), this.o.token))
      return forbid('a state-changing request needs the page token');

    const route = matchRoute(path);
    if (!route)
      return isApi
        ? this.json(res, 404, { error: { code: 'NOT_FOUND', message: `no such endpoint: ${path}` } })
        : this.page(res, 404, renderNotFound('No such page.', this.ctx()), req);
    if (route.method !== req.method && !(route.method === 'GET' && req.method === 'HEAD')) {
      res.setHeader('Allow', route.method);
      return this.json(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed here (${route.method})` } });
    }
    switch (route.name) {
      case 'home':
        return this.page(res, 200, renderPackagesView(await this.o.data.rows(), this.ctx()), req);
      case 'package': {
        const d = await this.o.data.packageDetail(route.arg);
        return d
          ? this.page(res, 200, renderPackageView(d, this.ctx()), req)
          : this.page(res, 404, renderNotFound(`No buildable package named “${route.arg}”.`, this.ctx()), req);
      }
      case 'job': {
        const found = await this.o.data.job(route.arg);
        return found
          ? this.page(res, 200, renderJobView(found.view, found.pkg.name, this.ctx()), req)
          : this.page(res, 404, renderNotFound(`No build record with id “${route.arg}”.`, this.ctx()), req);
      }
      case 'api-packages':
        return this.json(res, 200, { packages: await this.o.data.rows() });
      case 'api-package': {
        const d = await this.o.data.packageDetail(route.arg);
        if (!d) return this.notFound(res, `no buildable package named "${route.arg}"`);
        return this.json(res, 200, {
          package: d.row,
          config: d.summary,
          latest: d.latest && { status: d.latest.status, job: d.latest.job },
          lastCompleted: d.lastCompleted && { status: d.lastCompleted.status, job: d.lastCompleted.job },
          history: d.history,
        });
      }
      case 'api-job': {
        const found = await this.o.data.job(route.arg);
        if (!found) return this.notFound(res, `no build record with id "${route.arg}"`);
        return this.json(res, 200, { package: found.pkg.name, status: found.view.status, job: found.view.job });
      }
      case 'api-job-log': {
        const log = await this.o.data.jobLog(route.arg);
        if (log === undefined) return this.notFound(res, `no build record with id "${route.arg}"`);
        return this.text(res, 200, log);
      }
      case 'api-events':
        return this.hub.add(res, securityHeaders());
      case 'api-rebuild':
        return this.rebuild(route.arg, res);
    }
  }

  /**
   * Listening beyond loopback, reads need the token too: the address printed at start carries
   * it once (`?token=`), which sets a same-site cookie and redirects to the address without it.
   */
  private readAccess(req: IncomingMessage, url: URL, res: ServerResponse): 'ok' | 'redirected' | 'denied' {
    const cookie = new RegExp(`(?:^|;\\s*)${TOKEN_COOKIE}=([^;]+)`).exec(req.headers.cookie ?? '')?.[1];
    if (tokenMatches(header(req, TOKEN_HEADER), this.o.token) || tokenMatches(cookie && safeDecode(cookie), this.o.token)) return 'ok';
    const given = url.searchParams.get('token') ?? undefined;
    if (req.method !== 'GET' || !tokenMatches(given, this.o.token)) return 'denied';
    url.searchParams.delete('token');
    res.writeHead(303, {
      ...securityHeaders(),
      'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(this.o.token)}; HttpOnly; SameSite=Strict; Path=/`,
      Location: `${url.pathname}${url.search}`,
    });
    res.end();
    return 'redirected';
  }

  private async rebuild(name: string, res: ServerResponse): Promise<void> {
    const pkg = await this.o.data.findPackage(name);
    if (!pkg) return this.notFound(res, `no buildable package named "${name}"`);
    if (this.building.has(pkg.path)) return this.conflict(res, `${pkg.name} is already building (started from this page)`);
    // Taken before the first await: two requests at once cannot both start a build.
    let settle!: () => void;
    this.building.set(pkg.path, new Promise<void>((r) => (settle = r)));
    const latest = await this.o.data.source.store.latest(pkg.path);
    if (latest && this.o.data.displayStatus(latest) === 'building') {
      this.building.delete(pkg.path);
      settle();
      return this.conflict(
        res,
        `${pkg.name} is already building (job ${latest.id}${latest.trigger ? `, started by ${latest.trigger}` : ''})`,
      );
    }
    this.o.log?.(`rebuild ${pkg.name}: started from the page`);
    const run = this.o
      .startBuild(pkg, this.abort.signal)
      .then(
        (job) => this.o.log?.(`rebuild ${pkg.name}: ${job.status} in ${job.durationMs} ms (job ${job.id})`),
        (err) => this.o.log?.(`rebuild ${pkg.name}: ${(err as Error).message}`),
      )
      .finally(() => {
        this.building.delete(pkg.path);
        settle();
      });
    this.building.set(pkg.path, run);
    this.json(res, 202, { started: true, package: pkg.name, path: pkg.path });
  }

  // ----------------------------------------------------------------------------- responses

  private ctx(): ViewContext {
    return { links: SERVE_LINKS, actions: true, now: Date.now() };
  }

  /** A view: the whole document, or only the view when the page asks for it to swap in. */
  private page(res: ServerResponse, status: number, view: Html, req: IncomingMessage): void {
    if (header(req, FRAGMENT_HEADER) === '1') return this.send(res, status, 'text/html; charset=utf-8', view.value);
    const nonce = randomBytes(16).toString('base64');
    const doc = renderDocument({
      title: 'Package builds',
      workspace: this.o.workspaceName,
      mode: 'serve',
      nonce,
      main: view,
      token: this.o.token,
    });
    this.send(res, status, 'text/html; charset=utf-8', doc, { 'Content-Security-Policy': contentSecurityPolicy(nonce, 'serve') });
  }

  private notFound(res: ServerResponse, message: string): void {
    this.json(res, 404, { error: { code: 'NOT_FOUND', message } });
  }

  private conflict(res: ServerResponse, message: string): void {
    this.json(res, 409, { error: { code: 'BUILD_RUNNING', message } });
  }

  private json(res: ServerResponse, status: number, body: unknown | { error: ApiError }): void {
    this.send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(body, null, 2)}\n`);
  }

  private text(res: ServerResponse, status: number, body: string): void {
    this.send(res, status, 'text/plain; charset=utf-8', body);
  }

  private send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }
}

function securityHeaders(): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

type Route =
  | { name: 'home' | 'api-packages' | 'api-events'; method: 'GET' }
  | { name: 'package' | 'job' | 'api-package' | 'api-job' | 'api-job-log'; method: 'GET'; arg: string }
  | { name: 'api-rebuild'; method: 'POST'; arg: string };

/**
 * Paths to routes. A package name may hold `/` (`@scope/name`), written raw or encoded; a name
 * or an id is only ever looked up among the known packages and records, never used as a path.
 */
export function matchRoute(path: string): Route | undefined {
  const rest = (prefix: string) =>
    path.startsWith(prefix) && path.length > prefix.length ? safeDecode(path.slice(prefix.length)) : undefined;
  if (path === '/' || path === '/index.html') return { name: 'home', method: 'GET' };
  if (path === '/api/packages' || path === '/api/packages/') return { name: 'api-packages', method: 'GET' };
  if (path === '/api/events') return { name: 'api-events', method: 'GET' };
  let arg: string | undefined;
  if ((arg = rest('/packages/')) !== undefined) return { name: 'package', method: 'GET', arg };
  if ((arg = rest('/jobs/')) !== undefined) return { name: 'job', method: 'GET', arg };
  if (path.startsWith('/api/jobs/') && path.endsWith('/log') && (arg = safeDecode(path.slice('/api/jobs/'.length, -'/log'.length))))
    return { name: 'api-job-log', method: 'GET', arg };
  if ((arg = rest('/api/jobs/')) !== undefined) return { name: 'api-job', method: 'GET', arg };
  if (
    path.startsWith('/api/packages/') &&
    path.endsWith('/rebuild') &&
    (arg = safeDecode(path.slice('/api/packages/'.length, -'/rebuild'.length)))
  ) {
    return { name: 'api-rebuild', method: 'POST', arg };
  }
  if ((arg = rest('/api/packages/')) !== undefined) return { name: 'api-package', method: 'GET', arg };
  return undefined;
}

function safeDecode(s: string): string | undefined {
  try {
    const d = decodeURIComponent(s);
    return d && !d.includes('\0') ? d : undefined;
  } catch {
    return undefined;
  }
}
