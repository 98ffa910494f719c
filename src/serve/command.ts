import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { runBuild } from '../core/pipeline';
import { openLiveReader, openRecordStore } from '../core/records/open-store';
import { JsonRecordWatcher } from '../core/records/watch';
import { buildError, EXIT, type BuildError } from '../errors';
import { findWorkspaceRoot } from '../config/workspace/find-root';
import { PageData } from './data';
import { buildReport, markdownSummary, STEP_SUMMARY_LIMIT } from './report';
import { isLoopback, newToken } from './security';
import { BuildsServer } from './server';
import { readPackageJson } from '../utils/package-json';

/** What the CLI hands a command: its output, and whether stdout holds one JSON document. */
export interface CommandIo {
  json: boolean;
  out: (text: string) => void;
  /** Messages beside the output (stderr with --json). */
  stream: (text: string) => void;
}

export type CommandResult = number | { exitCode: number; errors: BuildError[] };

export interface ServeArgs {
  port?: string;
  host?: string;
  open?: boolean;
  token?: string;
  /** The variable holding the records database's URL (default BUILD_SYSTEM_DATABASE_URL). */
  'database-url-env'?: string;
}

export const DEFAULT_PORT = 4400;
const PACKAGE_LIST_REFRESH_MS = 10_000;

/** `build-system serve`: the builds page until Ctrl-C (docs/builds-page.md). */
export async function serveCommand(args: ServeArgs, io: CommandIo, stopped: AbortSignal): Promise<CommandResult> {
  const port = args.port === undefined ? DEFAULT_PORT : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return usage(`--port takes a port number (0-65535), not "${args.port}"`);
  const host = args.host ?? '127.0.0.1';
  if (!isLoopback(host) && !args.token) {
    return usage(
      `--host ${host} listens beyond this machine: give --token <secret> too (anyone who reaches the port could read the records and start builds)`,
    );
  }
  if (args.token !== undefined && args.token.length < 16) return usage('--token needs at least 16 characters');
  const ws = findWorkspaceRoot(process.cwd());
  if (!ws)
    return {
      exitCode: EXIT.invalid,
      errors: [buildError('PROJECT_NOT_FOUND', `no workspace or package.json found from ${process.cwd()}`)],
    };

  // With a database the page shows the team's history; builds it starts are recorded as the CLI's are.
  const stores = { urlEnv: args['database-url-env'] };
  const data = new PageData({ workspaceRoot: ws.root, store: openLiveReader(ws.root, stores) });
  let writeStore: ReturnType<typeof openRecordStore> | undefined;
  const watcher = new JsonRecordWatcher(
    ws.root,
    (await data.packages()).map((p) => p.path),
  );
  const refresh = setInterval(() => {
    data.packages(true).then(
      (list) => watcher.setPackages(list.map((p) => p.path)),
      () => undefined,
    );
  }, PACKAGE_LIST_REFRESH_MS);
  refresh.unref();
  const token = args.token ?? newToken();
  const server = new BuildsServer({
    data,
    watcher,
    host,
    port,
    token,
    workspaceName: workspaceName(ws.root),
    log: (line) => io.stream(`${line}\n`),
    startBuild: (pkg, signal) =>
      runBuild({
        workspaceRoot: ws.root,
        packageRoot: join(ws.root, pkg.path),
        store: (writeStore ??= openRecordStore(ws.root, stores)),
        signal,
        trigger: 'page',
        metadata: { runner: 'page' },
        terminal: () => undefined,
      }),
  });
  let address: { url: string; port: number };
  try {
    address = await server.listen();
  } catch (err) {
    clearInterval(refresh);
    watcher.close();
    const e = err as NodeJS.ErrnoException;
    const message =
      e.code === 'EADDRINUSE'
        ? `port ${port} on ${host} is in use: choose another with --port`
        : `cannot listen on ${host}:${port}: ${e.message}`;
    return { exitCode: EXIT.invalid, errors: [buildError('USAGE', message)] };
  }
  // Beyond loopback reads need the token: the printed address carries it once.
  const url = isLoopback(host) ? address.url : `${address.url}?token=${encodeURIComponent(token)}`;
  if (io.json) io.out(`${JSON.stringify({ url, host, port: address.port, workspace: ws.root })}\n`);
  else io.out(`Package builds: ${url}\nwatching ${relative(process.cwd(), ws.root) || '.'} · Ctrl-C to stop\n`);
  if (args.open) openInBrowser(url);

  await new Promise<void>((resolveStop) =>
    stopped.aborted ? resolveStop() : stopped.addEventListener('abort', () => resolveStop(), { once: true }),
  );
  clearInterval(refresh);
  await server.close();
  watcher.close();
  return EXIT.success;
}

export interface ReportArgs {
  out?: string;
  markdown?: boolean;
  'database-url-env'?: string;
}

/** `build-system report`: one self-contained HTML file, and with --markdown a summary for CI. */
export async function reportCommand(args: ReportArgs, io: CommandIo): Promise<CommandResult> {
  const ws = findWorkspaceRoot(process.cwd());
  if (!ws)
    return {
      exitCode: EXIT.invalid,
      errors: [buildError('PROJECT_NOT_FOUND', `no workspace or package.json found from ${process.cwd()}`)],
    };
  const out = resolve(args.out ?? 'build-report.html');
  const store = openLiveReader(ws.root, { urlEnv: args['database-url-env'] });
  const data = new PageData({ workspaceRoot: ws.root, store }, { logLimit: 64 * 1024 });
  const name = workspaceName(ws.root);
  const report = await buildReport(data, { workspace: name });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report.html);
  const shownOut = relative(process.cwd(), out) || out;
  let markdown: string | undefined;
  if (args.markdown) {
    markdown = markdownSummary(report.rows, { workspace: name, reportFile: basename(out) });
    const summaryFile = process.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) {
      // The limit is the step's whole summary: what earlier commands appended counts.
      const used = statSync(summaryFile, { throwIfNoEntry: false })?.size ?? 0;
      const room = STEP_SUMMARY_LIMIT - used;
      const fitted =
        room < STEP_SUMMARY_LIMIT ? markdownSummary(report.rows, { workspace: name, reportFile: basename(out), maxBytes: room }) : markdown;
      if (room > 1024) appendFileSync(summaryFile, fitted);
      else process.stderr.write(`warning: $GITHUB_STEP_SUMMARY is full (${used} bytes): the summary was not added\n`);
    }
  }
  if (io.json)
    io.out(
      `${JSON.stringify({ exitCode: EXIT.success, out: shownOut, packages: report.rows.length, ...(markdown !== undefined ? { markdown } : {}) }, null, 2)}\n`,
    );
  else if (markdown !== undefined) {
    io.out(markdown);
    // stdout is the markdown (to pipe or redirect): the note goes beside it.
    process.stderr.write(`wrote ${shownOut} (${report.rows.length} packages)\n`);
  } else io.out(`wrote ${shownOut} (${report.rows.length} packages)\n`);
  return EXIT.success;
}

function usage(message: string): CommandResult {
  return { exitCode: EXIT.invalid, errors: [buildError('USAGE', message)] };
}

function workspaceName(root: string): string {
  const name = readPackageJson(root)?.name as unknown;
  // The directory's name when the workspace's package.json has none.
  return typeof name === 'string' && name ? name : basename(root);
}

/** The system's way to open a URL; a failure to open is not the server's failure. */
function openInBrowser(url: string): void {
  const [cmd, ...args] =
    process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url] : ['xdg-open', url];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    /* no opener: the address is printed */
  }
}
