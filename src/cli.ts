#!/usr/bin/env node
// First: listens for Ctrl-C and EPIPE while the rest loads.
import { startupStop } from './cli/start';
import { parseArgs } from 'node:util';
import { buildMany, getBuildHistory, getBuildStatus, listProjects, locate, syncPackages, watch } from './api';
import { failuresCommand, historyAllCommand, recordsCommand, type CommandView } from './cli/records';
import { uploadCommand } from './cli/upload';
import { runClean } from './core/clean';
import { abandonedConfigLoads } from './config/load';
import { listenForStop, withCancellation } from './core/signals';
import { errorFromUnknown, EXIT, formatError, type BuildError } from './errors';
import type { BuildJob } from './core/records/types';

const HELP = `build-system <command> [options]

Commands:
  build [project…]          build projects and the workspace packages they depend on, dependencies
                            first, skipping what is up to date (default: the package in cwd, or all)
  rebuild <project>         clean, then build
  watch [project…]          build projects and the workspace packages they depend on, then rebuild
                            what changes and what depends on it, until Ctrl-C (docs/watch.md)
  list                      buildable projects and their resolved options
  status <project>          the latest record and whether the outputs are stale (--exit-code: exit 1 when stale)
  history <project>         records, newest first (--limit N)
  history --all             records of every package (and host, with a database): --since 7d, --status failed
  failures                  errors of builds with their packages (--unresolved: still open)
  records import|sync       load the JSON records into the database | send the spooled records
  clean <project>           remove outputs (--cache: and .build-cache)
  upload <project…>         upload the outputs of the last successful build again (docs/upload.md)
  sync [project…]           point package.json main/module/types/exports at the outputs
                            (--check: only report; exit 1 when something is out of step)
  serve                     the builds page, live (--port 4400, --host 127.0.0.1, --open,
                            --token <secret>: required with a --host beyond this machine)
  report                    one self-contained HTML file of the builds page
                            (--out build-report.html; --markdown: a summary table on stdout
                            and in $GITHUB_STEP_SUMMARY)

Options:
  --json                    print exactly one JSON document on stdout
  -c, --environment <name>  environment (development, ci, production, …); default production
  --only                    with build: only the named projects, not their dependencies
  --force                   with build: rebuild even what is up to date
  --parallel <n>            with build: builds at once (default: the number of cores)
  --exit-code               with status: exit 1 when the outputs are stale
  --limit <n>               with history: at most n records
  --cache                   with clean: also remove .build-cache
  --dry-run                 with clean: list what would be removed, delete nothing
  --check                   with sync: change nothing, fail when out of step
  --database-url-env <NAME> the variable holding the records database URL (default BUILD_SYSTEM_DATABASE_URL)
  -h, --help

Exit codes: 0 success · 1 build failed · 2 invalid config or usage · 3 lock timeout · 130 cancelled`;

interface Io {
  json: boolean;
  out: (text: string) => void;
  /** Build output: stdout for humans, stderr with --json (stdout holds the JSON). */
  stream: (text: string) => void;
}

export async function main(argv: string[]): Promise<number> {
  const stop = startupStop ?? listenForStop();
  try {
    return await mainListening(argv, stop.signal);
  } finally {
    stop.release();
  }
}

async function mainListening(argv: string[], stopped: AbortSignal): Promise<number> {
  // Known before parsing, so that a parse error too answers with one JSON document.
  const options = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  const json = options.some((a) => a === '--json' || a.startsWith('--json='));
  let printed = false;
  const io: Io = {
    json,
    out: (t) => ((printed = true), process.stdout.write(t)),
    stream: (t) => (json ? process.stderr : process.stdout).write(t),
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        environment: { type: 'string', short: 'c' },
        limit: { type: 'string' },
        cache: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        since: { type: 'string' },
        status: { type: 'string' },
        unresolved: { type: 'boolean', default: false },
        'database-url-env': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        open: { type: 'boolean', default: false },
        token: { type: 'string' },
        out: { type: 'string' },
        markdown: { type: 'boolean', default: false },
        only: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        parallel: { type: 'string' },
        'exit-code': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...projects] = positionals;
  // Builds and clean stop themselves (and record it); any other command just ends, still
  // answering with one JSON document if it had not printed yet.
  if (!['build', 'rebuild', 'watch', 'clean', 'upload', 'serve'].includes(command)) {
    const interrupted = () => {
      if (!printed) errorsOut(io, [{ code: 'CANCELLED', message: 'interrupted' }], EXIT.cancelled);
      process.exit(EXIT.cancelled);
    };
    if (stopped.aborted) return (interrupted(), EXIT.cancelled);
    stopped.addEventListener('abort', interrupted, { once: true });
  }
  if (values.help || !command) {
    const exitCode = values.help ? EXIT.success : EXIT.invalid;
    if (!io.json) io.out(`${HELP}\n`);
    else if (values.help) io.out(`${JSON.stringify({ exitCode, help: HELP }, null, 2)}\n`);
    else return usage(io, 'no command given');
    return exitCode;
  }
  try {
    return await run(command, projects, values, io, stopped);
  } catch (err) {
    // Text mode keeps the stack (printed at the bottom of this file); --json still owes stdout one document.
    if (!io.json) throw err;
    return errorsOut(io, [errorFromUnknown('INTERNAL', err)], EXIT.failed);
  }
}

interface Values {
  environment?: string;
  limit?: string;
  cache?: boolean;
  'dry-run'?: boolean;
  check?: boolean;
  all?: boolean;
  since?: string;
  status?: string;
  unresolved?: boolean;
  'database-url-env'?: string;
  port?: string;
  host?: string;
  open?: boolean;
  token?: string;
  out?: string;
  markdown?: boolean;
  only?: boolean;
  force?: boolean;
  parallel?: string;
  'exit-code'?: boolean;
}

async function run(command: string, projects: string[], values: Values, io: Io, stopped: AbortSignal): Promise<number> {
  const environment = values.environment;
  const databaseUrlEnv = values['database-url-env'];
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) return usage(io, '--limit takes a positive whole number');
  const recordsOptions = { since: values.since, status: values.status, limit, unresolved: values.unresolved, databaseUrlEnv };
  const parallel = values.parallel === undefined ? undefined : Number(values.parallel);
  if (parallel !== undefined && (!Number.isInteger(parallel) || parallel < 1)) return usage(io, '--parallel takes a positive whole number');
  if (values.only && !projects.length && command === 'build') return usage(io, '--only needs the projects to build');
  switch (command) {
    case 'build':
      return buildCommand(projects, { environment, io, databaseUrlEnv, only: values.only, force: values.force, parallel });
    case 'rebuild':
      if (projects.length !== 1) return usage(io, 'rebuild takes one project');
      return buildCommand(projects, { environment, io, cleanFirst: true, databaseUrlEnv, only: values.only, parallel });
    case 'watch':
      return watchCommand(projects, { environment, io, databaseUrlEnv }, stopped);
    case 'list':
      return listCommand(io, environment);
    case 'status':
      if (projects.length !== 1) return usage(io, 'status takes one project');
      return statusCommand(projects[0], io, values['exit-code'] ?? false, databaseUrlEnv);
    case 'history': {
      if (values.all)
        return projects.length ? usage(io, 'history --all takes no project') : viewOut(io, await historyAllCommand(recordsOptions));
      if (projects.length !== 1) return usage(io, 'history takes one project (or --all)');
      return historyCommand(projects[0], io, limit, databaseUrlEnv);
    }
    case 'failures':
      if (projects.length) return usage(io, 'failures takes no project');
      return viewOut(io, await failuresCommand(recordsOptions));
    case 'records':
      if (projects.length > 1) return usage(io, 'records takes one command: import or sync');
      return viewOut(io, await recordsCommand(projects[0], recordsOptions));
    case 'clean':
      if (projects.length !== 1) return usage(io, 'clean takes one project');
      return cleanCommand(projects[0], io, values.cache!, environment, values['dry-run']);
    case 'sync':
      return syncCommand(projects, io, values.check!, environment);
    case 'upload':
      return viewOut(io, await uploadCommand(projects, { environment, databaseUrlEnv, json: io.json, stream: io.stream }));
    case 'serve':
    case 'report': {
      if (projects.length) return usage(io, `${command} takes no project`);
      // Loaded only for these commands: the page's server and renderer.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const page = require('./serve/command') as typeof import('./serve/command');
      const r = command === 'serve' ? await page.serveCommand(values, io, stopped) : await page.reportCommand(values, io);
      return typeof r === 'number' ? r : errorsOut(io, r.errors, r.exitCode);
    }
    default:
      return usage(io, `unknown command "${command}"`);
  }
}

function usage(io: Io, message: string): number {
  return errorsOut(io, [{ code: 'USAGE', message }], EXIT.invalid, !io.json ? `\n${HELP}` : '');
}

/** Prints what a records command produced. */
function viewOut(io: Io, view: CommandView): number {
  if (view.errors?.length) return errorsOut(io, view.errors, view.exitCode);
  if (io.json) io.out(`${JSON.stringify(view.json, null, 2)}\n`);
  else io.out(`${[view.table && table(view.table.head, view.table.rows), view.text].filter(Boolean).join('\n')}\n`);
  return view.exitCode;
}

function errorsOut(io: Io, errors: BuildError[], exitCode: number, extra = ''): number {
  if (io.json) io.out(`${JSON.stringify({ exitCode, errors }, null, 2)}\n`);
  else process.stderr.write(`${errors.map((e) => `error: ${formatError(e)}`).join('\n')}${extra}\n`);
  return exitCode;
}

interface BuildCommandOptions {
  environment?: string;
  io: Io;
  cleanFirst?: boolean;
  only?: boolean;
  force?: boolean;
  parallel?: number;
  databaseUrlEnv?: string;
}

async function buildCommand(projects: string[], opts: BuildCommandOptions): Promise<number> {
  const { io } = opts;
  let stoppedBeforeStart = false;
  const result = await withCancellation(async (signal) => {
    // Stopped while the CLI started: nothing runs, and it says so.
    stoppedBeforeStart = signal.aborted;
    if (stoppedBeforeStart) return undefined;
    // One store for every package (inside buildMany): one database connection, one warning when it is down.
    const r = await buildMany({
      projects,
      only: opts.only,
      force: opts.force,
      parallel: opts.parallel,
      cleanFirst: opts.cleanFirst,
      environment: opts.environment,
      signal,
      onOutput: io.stream,
      trigger: 'cli',
      databaseUrlEnv: opts.databaseUrlEnv,
    });
    // Stopped while looking for the packages, before any build started.
    stoppedBeforeStart = signal.aborted && r.jobs.length === 0;
    return r;
  });
  if (stoppedBeforeStart || !result) {
    const errors: BuildError[] = [{ code: 'CANCELLED', message: 'cancelled before any build started' }];
    if (io.json) io.out(`${JSON.stringify({ exitCode: EXIT.cancelled, errors, jobs: [] }, null, 2)}\n`);
    else process.stderr.write(`error: ${formatError(errors[0])}\n`);
    return EXIT.cancelled;
  }
  const { exitCode, jobs, errors, summary } = result;
  if (errors.length) {
    if (io.json) io.out(`${JSON.stringify({ exitCode, errors, jobs }, null, 2)}\n`);
    // A failed clean printed its own errors.
    else if (!opts.cleanFirst || jobs.length) process.stderr.write(`${errors.map((e) => `error: ${formatError(e)}`).join('\n')}\n`);
    return exitCode;
  }
  if (io.json) io.out(`${JSON.stringify({ exitCode, jobs }, null, 2)}\n`);
  else {
    const rows = summary.map((p) => {
      const j = p.job;
      const status = j?.cache === 'up-to-date' ? 'up to date' : p.status;
      const failed = (j?.metadata?.failedDependencies as string[] | undefined)?.join(', ');
      return [
        named(p.name, j?.displayName),
        failed ? `${status} (${failed} failed)` : status,
        j?.builder ?? '',
        j ? `${j.durationMs ?? 0} ms` : '',
        j ? String(j.artifacts.length) : '',
      ];
    });
    io.out(`\n${table(['project', 'status', 'builder', 'duration', 'artifacts'], rows)}\n`);
  }
  return exitCode;
}

async function watchCommand(
  projects: string[],
  opts: Pick<BuildCommandOptions, 'environment' | 'io' | 'databaseUrlEnv'>,
  stopped: AbortSignal,
): Promise<number> {
  const { io } = opts;
  // --json: one JSON line per build on stdout as it ends (the output goes to stderr).
  const onBuilt = io.json ? (success: boolean, jobs: BuildJob[]) => io.out(`${JSON.stringify({ success, jobs })}\n`) : undefined;
  const result = await watch({
    projects,
    environment: opts.environment,
    databaseUrlEnv: opts.databaseUrlEnv,
    signal: stopped,
    onOutput: io.stream,
    onBuilt,
  });
  if (result.errors.length) return errorsOut(io, result.errors, result.exitCode);
  const n = result.rebuilds.length;
  if (!io.json) process.stderr.write(`stopped watching after ${n} rebuild${n === 1 ? '' : 's'}\n`);
  return result.exitCode;
}

async function listCommand(io: Io, environment?: string): Promise<number> {
  const listed = await listProjects({ environment });
  // Outside a workspace: exit 2, as build and status do.
  if (!listed.ok) return errorsOut(io, listed.errors, EXIT.invalid);
  const packages = listed.value;
  if (io.json) io.out(`${JSON.stringify({ projects: packages }, null, 2)}\n`);
  else if (packages.length === 0) io.out('no buildable projects (no build.config.* of ours) in this workspace\n');
  else
    io.out(
      `${table(
        ['project', 'path', 'builder', 'entries', 'format', 'outputDir', 'dts'],
        packages.map((p) =>
          p.errors
            ? [
                p.name,
                p.path,
                p.errors[0].code === 'PACKAGE_JSON_INVALID' ? 'invalid package.json' : 'invalid config',
                p.errors[0].message,
                '',
                '',
                '',
              ]
            : [
                named(p.name, p.displayName),
                p.path || '.',
                builderShown(p),
                p.entries!.map((e) => e.path).join(' '),
                p.format!.join(','),
                p.outputDir!,
                p.dts ? 'yes' : 'no',
              ],
        ),
      )}\n`,
    );
  return EXIT.success;
}

/** The builder in effect, and the one asked for when it falls back (`esbuild (bun requested, not installed)`). */
function builderShown(p: { builder?: string; requestedBuilder?: string }): string {
  return p.requestedBuilder && p.requestedBuilder !== p.builder
    ? `${p.builder} (${p.requestedBuilder} requested, not installed)`
    : p.builder!;
}

async function statusCommand(project: string, io: Io, exitCodeWhenStale: boolean, databaseUrlEnv?: string): Promise<number> {
  const status = await getBuildStatus(project, { databaseUrlEnv });
  if (!status.ok) return errorsOut(io, status.errors, EXIT.invalid);
  const s = status.value;
  const j = s.latest;
  if (io.json) {
    io.out(
      `${JSON.stringify(
        {
          project: s.packageName,
          displayName: j?.displayName ?? null,
          path: s.packagePath,
          status: s.status,
          cache: j?.cache ?? null,
          durationMs: j?.durationMs ?? null,
          endTime: j?.endTime ?? null,
          builder: j?.builder ?? null,
          stale: s.stale,
          reasons: s.reasons,
          artifacts: j?.artifacts ?? [],
          errors: j?.errors ?? [],
          latest: j,
          ...(s.lastCompleted !== undefined ? { lastCompleted: s.lastCompleted } : {}),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.out(`${s.packageName}${j?.displayName ? ` "${j.displayName}"` : ''} (${s.packagePath || '.'})\n`);
    if (j && (s.status === 'building' || s.status === 'interrupted')) {
      const phase = j.phases.find((p) => p.status === 'building');
      io.out(
        `  ${s.status === 'building' ? 'building' : 'interrupted (its process is gone)'}: started ${j.startTime}${phase ? `, in phase ${phase.name}` : ''}\n`,
      );
    } else if (j)
      io.out(
        `  last build: ${j.status} (${j.cache}) with ${j.builder} in ${j.durationMs} ms, ${j.endTime}\n  artifacts: ${j.artifacts.length}\n`,
      );
    for (const e of j?.errors ?? []) io.out(`  error: ${formatError(e)}\n`);
    io.out(`  ${s.stale ? `stale: ${s.reasons.join('; ')}` : 'up to date'}\n`);
  }
  // For CI gates: a stale package fails the step, like `git diff --exit-code`.
  return exitCodeWhenStale && s.stale ? EXIT.failed : EXIT.success;
}

async function historyCommand(project: string, io: Io, limit?: number, databaseUrlEnv?: string): Promise<number> {
  const history = await getBuildHistory(project, { limit, databaseUrlEnv });
  if (!history.ok) return errorsOut(io, history.errors, EXIT.invalid);
  if (io.json) io.out(`${JSON.stringify({ project, jobs: history.value }, null, 2)}\n`);
  else
    io.out(
      `${table(
        ['id', 'status', 'cache', 'builder', 'environment', 'duration', 'started'],
        history.value.map((j) => [j.id, j.status, j.cache, j.builder, j.environment, `${j.durationMs} ms`, j.startTime]),
      )}\n`,
    );
  return EXIT.success;
}

async function cleanCommand(project: string, io: Io, cache: boolean, environment?: string, dryRun?: boolean): Promise<number> {
  const located = await locate(project, {});
  if (!located.ok) return errorsOut(io, located.errors, EXIT.invalid);
  const result = await withCancellation((signal) =>
    runClean({
      workspaceRoot: located.value.workspaceRoot,
      packageRoot: located.value.pkg.root,
      cache,
      dryRun,
      environment,
      signal,
      terminal: io.stream,
    }),
  );
  if (io.json) io.out(`${JSON.stringify({ project: located.value.pkg.name, ...result }, null, 2)}\n`);
  else if (result.exitCode === 0) io.out(`${result.dryRun ? 'would remove' : 'removed'}: ${result.removed.join(', ') || 'nothing'}\n`);
  return result.exitCode;
}

async function syncCommand(projects: string[], io: Io, check: boolean, environment?: string): Promise<number> {
  const synced = await syncPackages(projects, { check, environment });
  if (!synced.ok) return errorsOut(io, synced.errors, EXIT.invalid);
  const packages = synced.value;
  const outOfStep = packages.filter((p) => p.changed.length);
  const exitCode = packages.some((p) => p.errors) ? EXIT.invalid : check && outOfStep.length ? EXIT.failed : EXIT.success;
  if (io.json) {
    io.out(`${JSON.stringify({ exitCode, check, packages }, null, 2)}\n`);
    return exitCode;
  }
  for (const p of packages) {
    for (const e of p.errors ?? []) process.stderr.write(`error: ${formatError(e)}\n`);
    if (p.changed.length) io.out(`${p.file}: ${check ? 'out of step' : 'updated'}: ${p.changed.join(', ')}\n`);
  }
  if (!outOfStep.length)
    io.out(`package.json in step with the build config (${packages.length} package${packages.length === 1 ? '' : 's'})\n`);
  else if (check) io.out(`run \`build-system sync\` (or \`nx sync\`) to update ${outOfStep.length === 1 ? 'it' : 'them'}\n`);
  return exitCode;
}

/** A package as people read it: its name, and its friendly name when it has one. */
function named(name: string, displayName?: string): string {
  return displayName ? `${name} (${displayName})` : name;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // A config that never settled may keep handles open (a timer, a socket): its load was
      // abandoned, so the CLI does not wait for them.
      if (abandonedConfigLoads() > 0) exitAfterOutput(code);
    },
    (err) => {
      process.stderr.write(`internal error: ${(err as Error)?.stack ?? err}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}

function exitAfterOutput(code: number): void {
  const exit = () => process.exit(code);
  setTimeout(exit, 1000).unref();
  process.stdout.write('', exit);
}
