// Benchmarks @repo/build-system against @nx/esbuild, @nx/rollup, @nx/js:tsc and tsdown, with the
// raw builders as the floor. Prints medians and ratios measured in the same run and writes them
// to bench/results/. Usage: node bench/run.mjs [--quick] [--runs N] [--only a,b]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkWorkspace, repoRoot } from '../scripts/link-workspace.mjs';
import { generateFixtureWorkspace, generateWorkspace } from './generate.mjs';
import { watchScenario } from './watch.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const work = join(benchDir, '.work');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runs = Number(args[args.indexOf('--runs') + 1]) || (quick ? 3 : 5);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const GRAPH_PACKAGES = quick ? 100 : 500;
const want = (s) => !only || only.includes(s);

if (['single', 'many', 'graph', 'watch'].some(want) && !existsSync(join(benchDir, 'node_modules', '@nx', 'esbuild'))) {
  console.error('peer plugins missing: run `npm --prefix bench ci` (or install) first');
  process.exit(2);
}
if (!existsSync(join(repoRoot, 'dist', 'plugin.js'))) {
  console.error('dist/ missing: run `npm run build` first');
  process.exit(2);
}

const nxBin = join(repoRoot, 'node_modules', 'nx', JSON.parse(readFileSync(join(repoRoot, 'node_modules/nx/package.json'), 'utf8')).bin.nx);
const baseEnv = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  CI: 'true',
  NX_SKIP_NX_CACHE: undefined,
  FORCE_COLOR: '0',
};
delete baseEnv.NX_SKIP_NX_CACHE;

/** Links the repo's node_modules, then the peers from bench/node_modules over them. */
function link(ws) {
  const dirs = readdirSync(join(ws, 'packages')).map((d) => `packages/${d}`);
  linkWorkspace(ws, dirs);
  const peers = join(benchDir, 'node_modules');
  // Scenarios of ours alone (isolated) run without the peers installed.
  if (!existsSync(peers)) return;
  const target = join(ws, 'node_modules');
  for (const name of readdirSync(peers)) {
    if (name.startsWith('.') || name === 'nx') continue;
    const entries = name.startsWith('@') ? readdirSync(join(peers, name)).map((s) => `${name}/${s}`) : [name];
    for (const e of entries) {
      if (existsSync(join(repoRoot, 'node_modules', e)) && !e.startsWith('@nx/')) continue;
      mkdirSync(dirname(join(target, e)), { recursive: true });
      rmSync(join(target, e), { recursive: true, force: true });
      spawnSync('ln', ['-s', join(peers, e), join(target, e)]);
    }
  }
}

function workspace(name, opts) {
  const dir = join(work, name);
  generateWorkspace({ dir, ...opts });
  link(dir);
  return dir;
}

function fixtureWorkspace(name, opts) {
  const dir = join(work, name);
  generateFixtureWorkspace({ dir, ...opts });
  link(dir);
  return dir;
}

/** raw `tsc` emitting only the declarations (type-checking on the way), run in a package. */
const TSC_DTS_ONLY = [
  join(repoRoot, 'node_modules/typescript/bin/tsc'),
  '-p',
  'tsconfig.json',
  '--emitDeclarationOnly',
  '--outDir',
  '/tmp/bench-raw-tsc-dts',
];

/** Before each run: every package's compiler state removed (what an uncached build on a fresh checkout has). */
const noCompilerState = (ws) => () => {
  for (const pkg of readdirSync(join(ws, 'packages'))) {
    const state = join(ws, 'packages', pkg, '.build-cache', 'state');
    for (const name of existsSync(state) ? readdirSync(state) : [])
      if (name !== 'validated-config.json') rmSync(join(state, name), { recursive: true, force: true });
  }
};

/** Wall time (ms), peak RSS (MB, the largest single process of the tree) and CPU time (ms), from GNU time. */
function timeOnce(cmd, argv, cwd, env, before) {
  if (before) before();
  const rssFile = join(work, 'rss.tmp');
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, cmd, ...argv], {
    cwd,
    env: { ...baseEnv, NX_CACHE_DIRECTORY: join(cwd, '.nx', 'cache'), ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  const [maxRss, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  // CPU time of the whole process tree (GNU time counts the children it waited for).
  return { ms, rss: maxRss / 1024, cpuMs: (user + sys) * 1000, out: r.stdout };
}

function measure(label, cmd, argv, cwd, { env = {}, before, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) timeOnce(cmd, argv, cwd, env, before);
  const samples = Array.from({ length: runs }, () => timeOnce(cmd, argv, cwd, env, before));
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const result = { label, ms: Math.round(med(samples.map((s) => s.ms))), rssMb: Math.round(med(samples.map((s) => s.rss))) };
  console.log(`  ${label.padEnd(48)} ${String(result.ms).padStart(7)} ms  ${String(result.rssMb).padStart(5)} MB`);
  return result;
}

const nx = (...a) => [process.execPath, [nxBin, ...a]];

/** Two variants of one command, their runs interleaved (A B A B …) so drift in the machine's load hits both alike. */
function measurePair([labelA, envA], [labelB, envB], cmd, argv, cwd) {
  timeOnce(cmd, argv, cwd, envA);
  timeOnce(cmd, argv, cwd, envB);
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(timeOnce(cmd, argv, cwd, envA));
    b.push(timeOnce(cmd, argv, cwd, envB));
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return [
    [labelA, a],
    [labelB, b],
  ].map(([label, samples]) => {
    const result = {
      label,
      ms: Math.round(med(samples.map((s) => s.ms))),
      rssMb: Math.round(med(samples.map((s) => s.rss))),
      cpuMs: Math.round(med(samples.map((s) => s.cpuMs))),
    };
    console.log(
      `  ${label.padEnd(48)} ${String(result.ms).padStart(7)} ms  ${String(result.rssMb).padStart(5)} MB  ${String(result.cpuMs).padStart(6)} ms CPU`,
    );
    return result;
  });
}

/**
 * Several commands, their runs interleaved (A B C A B C …) after one warm-up each, so drift in
 * the machine's load hits all alike. Each variant: [label, cmd, argv, cwd, { before, env }].
 */
function measureInterleaved(variants, { warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) for (const [, cmd, argv, cwd, o = {}] of variants) timeOnce(cmd, argv, cwd, o.env ?? {}, o.before);
  const samples = variants.map(() => []);
  for (let r = 0; r < runs; r++)
    variants.forEach(([, cmd, argv, cwd, o = {}], i) => samples[i].push(timeOnce(cmd, argv, cwd, o.env ?? {}, o.before)));
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return variants.map(([label], i) => {
    const result = {
      label,
      ms: Math.round(med(samples[i].map((x) => x.ms))),
      rssMb: Math.round(med(samples[i].map((x) => x.rss))),
      cpuMs: Math.round(med(samples[i].map((x) => x.cpuMs))),
    };
    console.log(
      `  ${label.padEnd(48)} ${String(result.ms).padStart(7)} ms  ${String(result.rssMb).padStart(5)} MB  ${String(result.cpuMs).padStart(6)} ms CPU`,
    );
    return result;
  });
}

/**
 * Our own time in the last build, from its record: every phase but the builder's own
 * (`build`, `dts`), i.e. config load and validation, lock, hooks, artifacts and fingerprint.
 */
function ownTime(ws) {
  const job = JSON.parse(readFileSync(join(ws, 'packages/p0/.build-cache/latest.json'), 'utf8'));
  const phases = Object.fromEntries(job.phases.map((p) => [p.name, p.durationMs ?? 0]));
  const ms = Object.entries(phases)
    .filter(([n]) => n !== 'build' && n !== 'dts')
    .reduce((a, [, v]) => a + v, 0);
  console.log(
    `  ${'our own time in that build (record phases)'.padEnd(48)} ${String(ms).padStart(7)} ms  (${Object.entries(phases)
      .map(([n, v]) => `${n} ${v}`)
      .join(', ')})`,
  );
  return { label: 'our own time (record phases but build/dts)', ms, phases };
}
/** Sum of the `dts` phase over the packages' last records (one package, or all). */
function dtsPhase(ws, only) {
  const pkgs = only ? [only] : readdirSync(join(ws, 'packages'));
  const ms = pkgs.reduce((a, p) => {
    const job = JSON.parse(readFileSync(join(ws, 'packages', p, '.build-cache/latest.json'), 'utf8'));
    return a + (job.phases.find((x) => x.name === 'dts')?.durationMs ?? 0);
  }, 0);
  console.log(`  ${'  of which the dts phase (record)'.padEnd(48)} ${String(ms).padStart(7)} ms`);
  return { label: 'dts phase in the last build (records)', ms };
}
const stopDaemon = (ws) =>
  spawnSync(process.execPath, [nxBin, 'daemon', '--stop'], {
    cwd: ws,
    env: { ...baseEnv, NX_DAEMON: 'true', NX_CACHE_DIRECTORY: join(ws, '.nx', 'cache') },
  });
const results = {
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  versions: versions(),
  runs,
  quick,
  // The machine is shared: its 1-minute load average when the run starts and ends.
  loadavg: { start: loadavg()[0] },
  scenarios: {},
};
mkdirSync(work, { recursive: true });

// 1. One 200-file package: executor overhead against the peers and the raw builders.
if (want('single')) {
  console.log('\n# one package of 200 files: nx run pkg:build --skip-nx-cache');
  const s = {};
  const ours = (builder, dts = false) => workspace(`single-ours-${builder}`, { packages: 1, files: 200, mode: 'ours', builder, dts });
  const peer = (mode, dts = false) => workspace(`single-${mode}`, { packages: 1, files: 200, mode, dts });
  const esb = ours('esbuild');
  s.nxNoop = measure('nx run p0:noop (Nx floor)', ...nx('run', '@bench/p0:noop'), esb);
  s.nxNoopExecutor = measure('nx run p0:noop-executor (floor of any executor)', ...nx('run', '@bench/p0:noop-executor'), esb);
  s.oursEsbuild = measure('@repo/build-system esbuild', ...nx('run', '@bench/p0:build', '--skip-nx-cache'), esb);
  s.ownTime = ownTime(esb);
  const esbPeer = peer('esbuild');
  s.nxEsbuild = measure('@nx/esbuild:esbuild', ...nx('run', '@bench/p0:build', '--skip-nx-cache'), esbPeer);
  // With the daemon on, as users run Nx: the graph is computed once, the executor dominates.
  const daemon = { env: { NX_DAEMON: 'true' }, warmup: 2 };
  s.oursEsbuildDaemon = measure('@repo/build-system esbuild (daemon)', ...nx('run', '@bench/p0:build', '--skip-nx-cache'), esb, daemon);
  s.nxEsbuildDaemon = measure('@nx/esbuild:esbuild (daemon)', ...nx('run', '@bench/p0:build', '--skip-nx-cache'), esbPeer, daemon);
  for (const ws of [esb, esbPeer]) stopDaemon(ws);
  s.oursBun = measure('@repo/build-system bun', ...nx('run', '@bench/p0:build', '--skip-nx-cache'), ours('bun'));
  // Cold compile: the compiler's state (tsc build info and what it wrote) removed before each
  // run, as raw tsc has none; the validated-config cache stays, as on any build but the first.
  const coldState = (ws) => ({
    before: () => {
      const state = join(ws, 'packages/p0/.build-cache/state');
      for (const name of existsSync(state) ? readdirSync(state) : [])
        if (name !== 'validated-config.json') rmSync(join(state, name), { recursive: true, force: true });
    },
  });
  const tscWs = ours('tsc', true);
  s.oursTsc = measure('@repo/build-system tsc (with .d.ts)', ...nx('run', '@bench/p0:build', '--skip-nx-cache'), tscWs, coldState(tscWs));
  s.nxTsc = measure('@nx/js:tsc', ...nx('run', '@bench/p0:build', '--skip-nx-cache'), peer('tsc'));
  // The next build of an unchanged package, build info kept (what --skip-nx-cache reruns see).
  s.oursTscRebuild = measure('@repo/build-system tsc rebuild (build info kept)', ...nx('run', '@bench/p0:build', '--skip-nx-cache'), tscWs);
  const rollupWs = ours('rollup', true);
  s.oursRollup = measure(
    '@repo/build-system rollup (JS + .d.ts)',
    ...nx('run', '@bench/p0:build', '--skip-nx-cache'),
    rollupWs,
    coldState(rollupWs),
  );
  s.oursRollupRebuild = measure(
    '@repo/build-system rollup rebuild (build info kept)',
    ...nx('run', '@bench/p0:build', '--skip-nx-cache'),
    rollupWs,
  );
  s.nxRollup = measure('@nx/rollup:rollup (JS + .d.ts)', ...nx('run', '@bench/p0:build', '--skip-nx-cache'), peer('rollup'), { warmup: 0 });
  // The same sources with isolatedDeclarations on in tsconfig, for both plugins.
  const iso = { isolatedDeclarations: true };
  s.oursRollupIso = measure(
    '@repo/build-system rollup, isolatedDeclarations',
    ...nx('run', '@bench/p0:build', '--skip-nx-cache'),
    workspace('single-ours-rollup-iso', { packages: 1, files: 200, mode: 'ours', builder: 'rollup', dts: true, ...iso }),
  );
  s.nxRollupIso = measure(
    '@nx/rollup:rollup, isolatedDeclarations',
    ...nx('run', '@bench/p0:build', '--skip-nx-cache'),
    workspace('single-rollup-iso', { packages: 1, files: 200, mode: 'rollup', dts: true, ...iso }),
    { warmup: 0 },
  );
  const pkg = join(esb, 'packages/p0');
  s.rawEsbuild = measure(
    'raw esbuild API',
    process.execPath,
    [
      '-e',
      `require('esbuild').build({ entryPoints: ['src/index.ts'], bundle: true, format: 'esm', platform: 'node', outdir: '/tmp/bench-raw-esbuild', packages: 'external' })`,
    ],
    pkg,
  );
  s.rawBun = measure(
    'raw bun build',
    join(repoRoot, 'node_modules/.bin/bun'),
    ['build', 'src/index.ts', '--outdir', '/tmp/bench-raw-bun', '--target', 'node', '--packages', 'external'],
    pkg,
  );
  s.rawTsc = measure(
    'raw tsc -p (with .d.ts)',
    process.execPath,
    [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--outDir', '/tmp/bench-raw-tsc'],
    pkg,
  );
  // The least any build with type-checked declarations can take: tsc emitting them alone.
  s.rawTscDts = measure('raw tsc -p --emitDeclarationOnly', process.execPath, TSC_DTS_ONLY, pkg);
  s.rawRollup = measure('raw rollup + esbuild transform', process.execPath, [join(benchDir, 'raw-rollup.mjs')], pkg);
  results.scenarios.single = s;
}

// 1b. JS + checked declarations of the 200-file package against @nx/rollup, with Nx's floor and
// tsc's beside them, all interleaved (the sequential rows above drift with the machine's load).
if (only && want('rollupdts')) {
  console.log('\n# one package of 200 files, JS + checked .d.ts: ours (rollup) against @nx/rollup, interleaved');
  const s = {};
  const oursWs = workspace('rollupdts-ours', { packages: 1, files: 200, mode: 'ours', builder: 'rollup', dts: true });
  const peerWs = workspace('rollupdts-peer', { packages: 1, files: 200, mode: 'rollup', dts: true });
  // @nx/rollup writes one declaration file per source; so does ours with `dts: { bundle: false }`.
  const perFileWs = workspace('rollupdts-ours-per-file', { packages: 1, files: 200, mode: 'ours', builder: 'rollup', dts: true });
  const perFileConfig = join(perFileWs, 'packages/p0/build.config.ts');
  writeFileSync(perFileConfig, readFileSync(perFileConfig, 'utf8').replace('dts: true', 'dts: { bundle: false }'));
  const build = nx('run', '@bench/p0:build', '--skip-nx-cache');
  [s.ours, s.oursPerFile, s.peer, s.nxNoop, s.rawTscDts] = measureInterleaved([
    ['@repo/build-system rollup (JS + .d.ts), cold', ...build, oursWs, { before: noCompilerState(oursWs) }],
    ['  the same, dts: { bundle: false }', ...build, perFileWs, { before: noCompilerState(perFileWs) }],
    ['@nx/rollup:rollup (JS + .d.ts)', ...build, peerWs],
    ['floor: nx run p0:noop', ...nx('run', '@bench/p0:noop'), oursWs],
    ['floor: raw tsc -p --emitDeclarationOnly', process.execPath, TSC_DTS_ONLY, join(oursWs, 'packages/p0')],
  ]);
  results.scenarios.rollupdts = s;
}

// 2. Ten packages, built from scratch and then fully cached.
if (want('many')) {
  console.log('\n# ten packages of 20 files');
  const s = {};
  const ours = workspace('many-ours', { packages: 10, files: 20, mode: 'ours' });
  const peer = workspace('many-esbuild', { packages: 10, files: 20, mode: 'esbuild' });
  s.oursRunMany = measure('@repo/build-system run-many --skip-nx-cache', ...nx('run-many', '-t', 'build', '--skip-nx-cache'), ours);
  s.nxRunMany = measure('@nx/esbuild run-many --skip-nx-cache', ...nx('run-many', '-t', 'build', '--skip-nx-cache'), peer);
  s.oursCached = measure('@repo/build-system run-many, all cached', ...nx('run-many', '-t', 'build'), ours);
  s.oursCachedNoRecords = measure('  same, cache-hit records off', ...nx('run-many', '-t', 'build'), ours, {
    env: { BUILD_SYSTEM_RECORD_CACHE_HITS: 'false' },
  });
  s.nxCached = measure('@nx/esbuild run-many, all cached', ...nx('run-many', '-t', 'build'), peer);
  // The same static workspace plus a plugin that does nothing: Nx's charge for any plugin.
  const peerNoop = workspace('many-esbuild-noop', { packages: 10, files: 20, mode: 'esbuild', noopPlugin: true });
  spawnSync(process.execPath, [nxBin, 'run-many', '-t', 'build'], {
    cwd: peerNoop,
    env: { ...baseEnv, NX_CACHE_DIRECTORY: join(peerNoop, '.nx', 'cache') },
  });
  s.nxNoopPluginCached = measure('@nx/esbuild + a no-op plugin, all cached', ...nx('run-many', '-t', 'build'), peerNoop);
  const daemon = { env: { NX_DAEMON: 'true' }, warmup: 2 };
  s.oursCachedDaemon = measure('@repo/build-system all cached (daemon)', ...nx('run-many', '-t', 'build'), ours, daemon);
  s.nxCachedDaemon = measure('@nx/esbuild all cached (daemon)', ...nx('run-many', '-t', 'build'), peer, daemon);
  s.nxNoopPluginCachedDaemon = measure(
    '@nx/esbuild + a no-op plugin, all cached (daemon)',
    ...nx('run-many', '-t', 'build'),
    peerNoop,
    daemon,
  );
  for (const ws of [ours, peer, peerNoop]) stopDaemon(ws);
  // Where the daemon's extra time goes: Nx restarts an isolated plugin's worker for every
  // postTasksExecution. With NX_ISOLATE_PLUGINS=false the daemon keeps the plugin loaded.
  const inProcess = { env: { NX_DAEMON: 'true', NX_ISOLATE_PLUGINS: 'false' }, warmup: 2 };
  s.oursCachedDaemonInProcess = measure(
    '@repo/build-system all cached (daemon, NX_ISOLATE_PLUGINS=false)',
    ...nx('run-many', '-t', 'build'),
    ours,
    inProcess,
  );
  s.nxCachedDaemonInProcess = measure(
    '@nx/esbuild all cached (daemon, NX_ISOLATE_PLUGINS=false)',
    ...nx('run-many', '-t', 'build'),
    peer,
    inProcess,
  );
  for (const ws of [ours, peer]) stopDaemon(ws);
  results.scenarios.many = s;
}

// 2b. Without Nx: the CLI's own up-to-date check over ten unchanged packages, beside Nx's cache.
if (want('uptodate')) {
  console.log('\n# ten unchanged packages of 20 files: build-system build (up to date) / nx run-many (all cached)');
  const s = {};
  const ws = workspace('uptodate-ours', { packages: 10, files: 20, mode: 'ours' });
  const cli = [process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'build']];
  // The warm-up run builds; the measured runs find every package up to date.
  s.cliUpToDate = measure('build-system build, all up to date', ...cli, ws);
  const job = JSON.parse(readFileSync(join(ws, 'packages/p9/.build-cache/latest.json'), 'utf8'));
  if (job.cache !== 'up-to-date') throw new Error(`expected an up-to-date record, got cache ${job.cache}`);
  s.cliRecordMs = { label: 'up-to-date record of p9 (durationMs)', ms: job.durationMs };
  console.log(`  ${s.cliRecordMs.label.padEnd(48)} ${String(job.durationMs).padStart(7)} ms`);
  s.nxCached = measure('nx run-many -t build, all cached', ...nx('run-many', '-t', 'build'), ws);
  const daemon = { env: { NX_DAEMON: 'true' }, warmup: 2 };
  s.nxCachedDaemon = measure('nx run-many -t build, all cached (daemon)', ...nx('run-many', '-t', 'build'), ws, daemon);
  stopDaemon(ws);
  results.scenarios.uptodate = s;
}

// 3. Graph time: nx show projects over many packages, cold and warm.
if (want('graph')) {
  console.log(`\n# project graph: nx show projects over ${GRAPH_PACKAGES} packages`);
  const s = {};
  const ours = workspace('graph-ours', { packages: GRAPH_PACKAGES, files: 1, mode: 'ours' });
  const stat = workspace('graph-static', { packages: GRAPH_PACKAGES, files: 1, mode: 'static' });
  const cold = (ws) => () => rmSync(join(ws, '.nx'), { recursive: true, force: true });
  s.oursCold = measure('@repo/build-system cold (no workspace-data)', ...nx('show', 'projects'), ours, { before: cold(ours), warmup: 0 });
  s.staticCold = measure('static project.json cold', ...nx('show', 'projects'), stat, { before: cold(stat), warmup: 0 });
  s.oursWarm = measure('@repo/build-system warm', ...nx('show', 'projects'), ours);
  s.staticWarm = measure('static project.json warm', ...nx('show', 'projects'), stat);
  const statNoop = workspace('graph-static-noop', { packages: GRAPH_PACKAGES, files: 1, mode: 'static', noopPlugin: true });
  s.staticNoopPluginWarm = measure('static project.json + a no-op plugin warm', ...nx('show', 'projects'), statNoop);
  const daemon = { env: { NX_DAEMON: 'true' }, warmup: 2 };
  s.oursWarmDaemon = measure('@repo/build-system warm (daemon)', ...nx('show', 'projects'), ours, daemon);
  s.staticWarmDaemon = measure('static project.json warm (daemon)', ...nx('show', 'projects'), stat, daemon);
  for (const ws of [ours, stat]) stopDaemon(ws);
  results.scenarios.graph = s;
}

// 4. Records in PostgreSQL: the same commands with and without a database (our plugin only).
if (want('postgres')) {
  console.log('\n# records in PostgreSQL: the same commands with and without BUILD_SYSTEM_DATABASE_URL (runs interleaved)');
  const { startPostgres } = await import('../scripts/postgres-server.mjs');
  const server = await startPostgres({ password: 'bench-password' });
  try {
    const s = {};
    const db = { BUILD_SYSTEM_DATABASE_URL: server.url };
    const oursOnly = (name, opts) => {
      const dir = join(work, name);
      generateWorkspace({ dir, mode: 'ours', ...opts });
      linkWorkspace(
        dir,
        readdirSync(join(dir, 'packages')).map((d) => `packages/${d}`),
      );
      return dir;
    };
    const single = oursOnly('pg-single', { packages: 1, files: 200 });
    [s.buildJson, s.buildDb] = measurePair(
      ['one build (200 files), JSON records', {}],
      ['one build (200 files), JSON + PostgreSQL', db],
      ...nx('run', '@bench/p0:build', '--skip-nx-cache'),
      single,
    );
    const many = oursOnly('pg-many', { packages: 10, files: 20 });
    spawnSync(process.execPath, [nxBin, 'run-many', '-t', 'build'], {
      cwd: many,
      env: { ...baseEnv, NX_CACHE_DIRECTORY: join(many, '.nx', 'cache') },
    });
    [s.cachedJson, s.cachedDb] = measurePair(
      ['run-many 10, all cached, JSON records', {}],
      ['run-many 10, all cached, JSON + PostgreSQL', db],
      ...nx('run-many', '-t', 'build'),
      many,
    );
    // Every command above left its records in the database (a check, not a measurement).
    const count = `const {Client}=require('pg');const c=new Client({connectionString:process.argv[1]});c.connect().then(()=>c.query('select count(*)::int n from builds')).then(r=>{console.log(r.rows[0].n);return c.end()})`;
    results.postgresBuildRows = Number(
      spawnSync(process.execPath, ['-e', count, server.url], { cwd: repoRoot, encoding: 'utf8' }).stdout.trim(),
    );
    console.log(`  builds rows in the database: ${results.postgresBuildRows}`);
    results.scenarios.postgres = s;
  } finally {
    server.dispose();
  }
}

// 5. Declarations: the 200-file package built with d.ts by us and by tsdown (same sources,
// same tsconfig, ESM), both as an Nx target; tsdown by itself as its floor.
if (want('dts')) {
  console.log('\n# declarations, one package of 200 files: nx run p0:build --skip-nx-cache, with d.ts (interleaved)');
  console.log(
    `  load average before: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const s = {};
  const ours = workspace('dts-ours-esbuild', { packages: 1, files: 200, mode: 'ours', builder: 'esbuild', dts: true });
  const rollupWs = workspace('dts-ours-rollup', { packages: 1, files: 200, mode: 'ours', builder: 'rollup', dts: true });
  const tsdown = workspace('dts-tsdown', { packages: 1, files: 200, mode: 'tsdown', dts: true });
  const run = nx('run', '@bench/p0:build', '--skip-nx-cache');
  [s.oursEsbuildDts, s.oursRollupDts, s.tsdownDts] = measureInterleaved([
    ['@repo/build-system esbuild + d.ts', ...run, ours, { before: noCompilerState(ours) }],
    ['@repo/build-system rollup + d.ts', ...run, rollupWs, { before: noCompilerState(rollupWs) }],
    ['tsdown + d.ts (nx:run-commands)', ...run, tsdown],
  ]);
  s.oursEsbuildDtsPhase = dtsPhase(ours, 'p0');
  s.oursEsbuildDtsRebuild = measure('@repo/build-system esbuild + d.ts, rebuild (state kept)', ...run, ours);
  s.rawTsdownDts = measure(
    'raw tsdown + d.ts',
    process.execPath,
    [join(tsdown, 'node_modules/tsdown/dist/run.mjs')],
    join(tsdown, 'packages/p0'),
  );
  console.log(
    `  load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  results.scenarios.dts = s;
}

// 5b. Isolated declarations (tsconfig `isolatedDeclarations`), 200 files: per-file declarations
// from TypeScript's transpileDeclaration (a worker process) or from oxc-transform (in the build
// process), bundled and per file, state removed before each run so the bundle is redone.
if (want('isolated')) {
  console.log('\n# isolatedDeclarations, one package of 200 files: TypeScript transpileDeclaration vs oxc-transform (interleaved)');
  const s = {};
  const iso = (name, dts, oxc) => {
    // Outside this repository (bench/.work would find its node_modules/oxc-transform above the workspace).
    const dir = join(tmpdir(), 'build-system-bench', name);
    generateWorkspace({ dir, packages: 1, files: 200, mode: 'ours', builder: 'esbuild', dts, isolatedDeclarations: true });
    link(dir);
    // The workspace links this repository's node_modules, oxc-transform included.
    if (!oxc) rmSync(join(dir, 'node_modules', 'oxc-transform'), { force: true });
    return dir;
  };
  const variants = [
    ['tsBundled', 'bundled d.ts, TypeScript transpileDeclaration', iso('iso-ts-bundled', true, false), 'isolated'],
    ['oxcBundled', 'bundled d.ts, oxc-transform', iso('iso-oxc-bundled', true, true), 'oxc'],
    ['tsFiles', 'per-file d.ts, TypeScript transpileDeclaration', iso('iso-ts-files', '{ bundle: false }', false), 'isolated'],
    ['oxcFiles', 'per-file d.ts, oxc-transform', iso('iso-oxc-files', '{ bundle: false }', true), 'oxc'],
  ];
  const run = nx('run', '@bench/p0:build', '--skip-nx-cache');
  const record = (ws) => JSON.parse(readFileSync(join(ws, 'packages/p0/.build-cache/latest.json'), 'utf8'));
  const samples = variants.map(() => ({ wall: [], cpu: [], rss: [], dts: [] }));
  const once = (ws, i, keep) => {
    const t = timeOnce(...run, ws, {}, noCompilerState(ws));
    const job = record(ws);
    if (job.metadata?.declarations !== variants[i][3]) throw new Error(`${variants[i][1]}: declarations by ${job.metadata?.declarations}`);
    if (keep) {
      samples[i].wall.push(t.ms);
      samples[i].cpu.push(t.cpuMs);
      samples[i].rss.push(t.rss);
      samples[i].dts.push(job.phases.find((p) => p.name === 'dts').durationMs);
    }
  };
  variants.forEach(([, , ws], i) => once(ws, i, false));
  for (let r = 0; r < runs; r++) variants.forEach(([, , ws], i) => once(ws, i, true));
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  variants.forEach(([key, label], i) => {
    const [ms, cpuMs, rssMb] = [samples[i].wall, samples[i].cpu, samples[i].rss].map((xs) => Math.round(med(xs)));
    s[key] = { label, ms, rssMb, cpuMs, dtsMs: med(samples[i].dts) };
    console.log(
      `  ${label.padEnd(48)} ${String(ms).padStart(7)} ms  ${String(rssMb).padStart(5)} MB  ${String(cpuMs).padStart(6)} ms CPU  dts ${s[key].dtsMs} ms`,
    );
  });
  results.scenarios.isolated = s;
}

// 6. The vendored monorepo (test/fixtures/tanstack-query, four packages built upstream with
// tsdown): every package built, uncached, by us and by tsdown with the same options.
if (want('monorepo')) {
  console.log('\n# the vendored monorepo (4 TanStack Query packages): nx run-many -t build --skip-nx-cache (interleaved)');
  console.log(
    `  load average before: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const s = {};
  const oursRollup = fixtureWorkspace('monorepo-ours-rollup', { mode: 'ours', builder: 'rollup' });
  const oursEsbuild = fixtureWorkspace('monorepo-ours-esbuild', { mode: 'ours', builder: 'esbuild' });
  const tsdown = fixtureWorkspace('monorepo-tsdown', { mode: 'tsdown' });
  const run = nx('run-many', '-t', 'build', '--skip-nx-cache');
  [s.oursRollup, s.oursEsbuild, s.tsdown] = measureInterleaved(
    [
      ['@repo/build-system rollup (its build.config.ts)', ...run, oursRollup, { before: noCompilerState(oursRollup) }],
      ['@repo/build-system esbuild', ...run, oursEsbuild, { before: noCompilerState(oursEsbuild) }],
      ['tsdown (nx:run-commands, same options)', ...run, tsdown],
    ],
    { warmup: 0 },
  );
  s.oursRollupDtsPhases = dtsPhase(oursRollup);
  console.log(
    `  load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  results.scenarios.monorepo = s;
}

// 7. Watch mode: a saved edit to new output bytes in one 200-file package.
if (want('watch')) {
  console.log('\n# one package of 200 files in watch mode: a saved edit → new output bytes');
  const cliBin = join(repoRoot, 'dist', 'cli.js');
  results.scenarios.watch = await watchScenario({ workspace, nxBin, baseEnv, runs, cliBin });
}

// 8. A generated monorepo of 20 packages with declarations, each importing the previous one's
// types (through its built dist/index.d.ts): every package built, uncached, by us and by tsdown.
// `--only cached20`: only the all-cached rows (each workspace built once first).
if (want('monorepo20') || (only && want('cached20'))) {
  console.log('\n# generated monorepo, 20 packages of 20 files with d.ts: nx run-many -t build --skip-nx-cache (interleaved)');
  console.log(
    `  load average before: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const s = {};
  const shape = { packages: 20, files: 20, dts: true };
  const ours = workspace('monorepo20-ours', { ...shape, mode: 'ours', builder: 'esbuild' });
  const tsdown = workspace('monorepo20-tsdown', { ...shape, mode: 'tsdown' });
  const run = nx('run-many', '-t', 'build', '--skip-nx-cache');
  if (want('monorepo20'))
    [s.ours, s.tsdown] = measureInterleaved(
      [
        ['@repo/build-system esbuild + d.ts', ...run, ours, { before: noCompilerState(ours) }],
        ['tsdown + d.ts (nx:run-commands)', ...run, tsdown],
      ],
      { warmup: 0 },
    );
  // All cached, beside Nx's own floor for 20 cached tasks: the tsdown workspace's run-commands
  // targets (no plugin of ours, nothing forked), interleaved.
  const cached = nx('run-many', '-t', 'build');
  const inProcess = { env: { NX_ISOLATE_PLUGINS: 'false' } };
  [s.oursCached, s.tsdownCached, s.oursCachedInProcess, s.tsdownCachedInProcess] = measureInterleaved([
    ['@repo/build-system, all cached', ...cached, ours],
    ['floor: tsdown run-commands, all cached', ...cached, tsdown],
    ['@repo/build-system, all cached, in-process plugins', ...cached, ours, inProcess],
    ['floor: tsdown run-commands, in-process plugins', ...cached, tsdown, inProcess],
  ]);
  console.log(
    `  load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  results.scenarios.monorepo20 = s;
}
results.loadavg.end = loadavg()[0];

const ratio = (a, b) => (a && b ? Math.round((a.ms / b.ms) * 100) / 100 : null);
const cpuRatio = (a, b) => (a?.cpuMs && b?.cpuMs ? Math.round((a.cpuMs / b.cpuMs) * 100) / 100 : null);
const S = results.scenarios;
const rows = [];
if (S.single) {
  const x = S.single;
  rows.push(['esbuild: ours / @nx/esbuild', ratio(x.oursEsbuild, x.nxEsbuild), '≤ 0.85']);
  rows.push(['esbuild with the daemon: ours / @nx/esbuild', ratio(x.oursEsbuildDaemon, x.nxEsbuildDaemon), '≤ 0.85']);
  rows.push(['bun: ours / @nx/esbuild', ratio(x.oursBun, x.nxEsbuild), '≤ 0.80']);
  // What no executor-based plugin can go below: the floor of any executor plus the raw builder.
  rows.push([
    'floor for esbuild: (floor of any executor + raw esbuild) / @nx/esbuild',
    x.nxNoopExecutor && Math.round(((x.nxNoopExecutor.ms + x.rawEsbuild.ms) / x.nxEsbuild.ms) * 100) / 100,
    '—',
  ]);
  rows.push([
    'floor for bun: (floor of any executor + raw bun) / @nx/esbuild',
    x.nxNoopExecutor && Math.round(((x.nxNoopExecutor.ms + x.rawBun.ms) / x.nxEsbuild.ms) * 100) / 100,
    '—',
  ]);
  rows.push([
    'tsc: ours / (raw tsc + Nx floor)',
    x.oursTsc && Math.round((x.oursTsc.ms / (x.rawTsc.ms + x.nxNoop.ms)) * 100) / 100,
    '≤ 1.05',
  ]);
  rows.push([
    'tsc: ours / (raw tsc + floor of any executor)',
    x.oursTsc && x.nxNoopExecutor && Math.round((x.oursTsc.ms / (x.rawTsc.ms + x.nxNoopExecutor.ms)) * 100) / 100,
    '—',
  ]);
  rows.push(['tsc: ours / @nx/js:tsc', ratio(x.oursTsc, x.nxTsc), '—']);
  rows.push([
    'tsc rebuild, build info kept: ours / (raw tsc + Nx floor)',
    x.oursTscRebuild && Math.round((x.oursTscRebuild.ms / (x.rawTsc.ms + x.nxNoop.ms)) * 100) / 100,
    '—',
  ]);
  rows.push(['rollup (JS + d.ts): ours / @nx/rollup', ratio(x.oursRollup, x.nxRollup), '≤ 0.50']);
  rows.push(['rollup rebuild, build info kept: ours / @nx/rollup', ratio(x.oursRollupRebuild, x.nxRollup), '—']);
  rows.push(['rollup (JS + d.ts), isolatedDeclarations: ours / @nx/rollup', ratio(x.oursRollupIso, x.nxRollupIso), '≤ 0.50']);
  rows.push([
    'floor for checked d.ts: (floor of any executor + raw tsc --emitDeclarationOnly) / @nx/rollup',
    x.rawTscDts && x.nxNoopExecutor && Math.round(((x.rawTscDts.ms + x.nxNoopExecutor.ms) / x.nxRollup.ms) * 100) / 100,
    '—',
  ]);
  const rss = (a, b) => a && b && Math.round((a.rssMb / b.rssMb) * 100) / 100;
  rows.push(['peak RSS esbuild: ours / @nx/esbuild', rss(x.oursEsbuild, x.nxEsbuild), '≤ 0.80']);
  rows.push(['peak RSS esbuild, daemon: ours / @nx/esbuild', rss(x.oursEsbuildDaemon, x.nxEsbuildDaemon), '≤ 0.80']);
  rows.push(['peak RSS: Nx floor (noop) / @nx/esbuild', rss(x.nxNoop, x.nxEsbuild), '—']);
  rows.push(['our own time per build: record phases but build/dts (ms)', x.ownTime?.ms, '< 50']);
  rows.push(['ours over the Nx floor + raw esbuild, fork included (ms)', x.oursEsbuild.ms - x.nxNoop.ms - x.rawEsbuild.ms, '—']);
  rows.push(['executor fork: floor of any executor - Nx floor (ms)', x.nxNoopExecutor && x.nxNoopExecutor.ms - x.nxNoop.ms, '—']);
}
if (S.many) {
  rows.push(['run-many 10: ours / @nx/esbuild', ratio(S.many.oursRunMany, S.many.nxRunMany), '≤ 0.60']);
  rows.push(['all cached 10 (records on): ours / @nx/esbuild', ratio(S.many.oursCached, S.many.nxCached), '≤ 1.05']);
  rows.push(['all cached 10, daemon: ours / @nx/esbuild', ratio(S.many.oursCachedDaemon, S.many.nxCachedDaemon), '≤ 1.05']);
  rows.push([
    'all cached 10, daemon, plugins in-process: ours / @nx/esbuild',
    ratio(S.many.oursCachedDaemonInProcess, S.many.nxCachedDaemonInProcess),
    '—',
  ]);
  rows.push(['cache-hit records: on / off (no daemon)', ratio(S.many.oursCached, S.many.oursCachedNoRecords), '—']);
  rows.push(['all cached 10: (@nx/esbuild + no-op plugin) / @nx/esbuild', ratio(S.many.nxNoopPluginCached, S.many.nxCached), '—']);
  rows.push(['all cached 10: ours / (@nx/esbuild + no-op plugin)', ratio(S.many.oursCached, S.many.nxNoopPluginCached), '—']);
  rows.push([
    'all cached 10, daemon: (@nx/esbuild + no-op plugin) / @nx/esbuild',
    ratio(S.many.nxNoopPluginCachedDaemon, S.many.nxCachedDaemon),
    '—',
  ]);
  rows.push([
    'all cached 10, daemon: ours / (@nx/esbuild + no-op plugin)',
    ratio(S.many.oursCachedDaemon, S.many.nxNoopPluginCachedDaemon),
    '—',
  ]);
}
if (S.uptodate) {
  rows.push([
    '10 unchanged without Nx: build-system build / nx run-many cached',
    ratio(S.uptodate.cliUpToDate, S.uptodate.nxCached),
    '≤ 1.00',
  ]);
  rows.push([
    '10 unchanged: build-system build / nx run-many cached (daemon)',
    ratio(S.uptodate.cliUpToDate, S.uptodate.nxCachedDaemon),
    '—',
  ]);
}
if (S.graph) {
  rows.push([`graph cold ${GRAPH_PACKAGES}: ours / static`, ratio(S.graph.oursCold, S.graph.staticCold), '≤ 1.30']);
  rows.push([`graph warm ${GRAPH_PACKAGES}: ours / static`, ratio(S.graph.oursWarm, S.graph.staticWarm), '≤ 1.10']);
  rows.push([`graph warm ${GRAPH_PACKAGES}, daemon: ours / static`, ratio(S.graph.oursWarmDaemon, S.graph.staticWarmDaemon), '≤ 1.10']);
  rows.push([
    `graph warm ${GRAPH_PACKAGES}: (static + no-op plugin) / static`,
    ratio(S.graph.staticNoopPluginWarm, S.graph.staticWarm),
    '—',
  ]);
  rows.push([`graph warm ${GRAPH_PACKAGES}: ours / (static + no-op plugin)`, ratio(S.graph.oursWarm, S.graph.staticNoopPluginWarm), '—']);
}
if (S.postgres) {
  rows.push(['one build: JSON + PostgreSQL − JSON only (ms)', S.postgres.buildDb.ms - S.postgres.buildJson.ms, '≤ 20']);
  // CPU time moves far less with the machine's load than wall time: what the database costs the build's processes.
  rows.push(['one build: CPU with PostgreSQL − JSON only (ms, all processes)', S.postgres.buildDb.cpuMs - S.postgres.buildJson.cpuMs, '—']);
  rows.push(['run-many 10, all cached: JSON + PostgreSQL / JSON only', ratio(S.postgres.cachedDb, S.postgres.cachedJson), '≤ 1.05']);
  rows.push([
    'run-many 10, all cached: CPU with PostgreSQL / JSON only',
    Math.round((S.postgres.cachedDb.cpuMs / S.postgres.cachedJson.cpuMs) * 100) / 100,
    '—',
  ]);
}
if (S.dts) {
  rows.push([
    'd.ts 200 files: ours esbuild + d.ts / tsdown + d.ts (both under Nx)',
    ratio(S.dts.oursEsbuildDts, S.dts.tsdownDts),
    '≤ 0.60',
  ]);
  rows.push(['d.ts 200 files: ours rollup + d.ts / tsdown + d.ts', ratio(S.dts.oursRollupDts, S.dts.tsdownDts), '≤ 0.60']);
  rows.push(['d.ts 200 files: CPU, ours esbuild / tsdown', cpuRatio(S.dts.oursEsbuildDts, S.dts.tsdownDts), '—']);
  rows.push(['d.ts 200 files, rebuild (state kept): ours esbuild / tsdown', ratio(S.dts.oursEsbuildDtsRebuild, S.dts.tsdownDts), '—']);
  rows.push(['d.ts 200 files: tsdown under Nx / raw tsdown', ratio(S.dts.tsdownDts, S.dts.rawTsdownDts), '—']);
}
if (S.isolated) {
  const x = S.isolated;
  const phase = (a, b) => Math.round((a.dtsMs / b.dtsMs) * 100) / 100;
  rows.push(['isolated d.ts 200 files, bundled: dts phase, oxc / TypeScript', phase(x.oxcBundled, x.tsBundled), '—']);
  rows.push(['isolated d.ts 200 files, per file: dts phase, oxc / TypeScript', phase(x.oxcFiles, x.tsFiles), '—']);
  rows.push(['isolated d.ts 200 files, bundled: nx run, oxc / TypeScript', ratio(x.oxcBundled, x.tsBundled), '—']);
  rows.push(['isolated d.ts 200 files, per file: nx run, oxc / TypeScript', ratio(x.oxcFiles, x.tsFiles), '—']);
  rows.push(['isolated d.ts 200 files, bundled: CPU, oxc / TypeScript', cpuRatio(x.oxcBundled, x.tsBundled), '—']);
  rows.push(['isolated d.ts 200 files, per file: CPU, oxc / TypeScript', cpuRatio(x.oxcFiles, x.tsFiles), '—']);
}
if (S.watch) {
  rows.push(['watch, edit → new output: ours (context kept) / @nx/esbuild watch', ratio(S.watch.oursWarm, S.watch.nxEsbuild), '—']);
  rows.push(['watch, edit → new output: ours (incremental: false) / @nx/esbuild watch', ratio(S.watch.oursFull, S.watch.nxEsbuild), '—']);
  rows.push(['watch, edit → new output: ours context kept / incremental: false', ratio(S.watch.oursWarm, S.watch.oursFull), '—']);
}
if (S.monorepo) {
  rows.push(['monorepo (4 pkgs) run-many uncached: ours rollup / tsdown', ratio(S.monorepo.oursRollup, S.monorepo.tsdown), '≤ 0.60']);
  rows.push(['monorepo (4 pkgs) run-many uncached: ours esbuild / tsdown', ratio(S.monorepo.oursEsbuild, S.monorepo.tsdown), '≤ 0.60']);
  rows.push(['monorepo (4 pkgs): CPU, ours rollup / tsdown', cpuRatio(S.monorepo.oursRollup, S.monorepo.tsdown), '—']);
}
if (S.rollupdts) {
  const x = S.rollupdts;
  rows.push(['rollup (JS + checked d.ts): ours / @nx/rollup, interleaved', ratio(x.ours, x.peer), '≤ 0.60']);
  rows.push(['the same, one declaration file per source as @nx/rollup: ours / @nx/rollup', ratio(x.oursPerFile, x.peer), '—']);
  rows.push(['*floor: nx:noop / @nx/rollup*', ratio(x.nxNoop, x.peer), '—']);
  const floor = x.nxNoop && x.rawTscDts ? { ms: x.nxNoop.ms + x.rawTscDts.ms } : null;
  rows.push(['*floor: (nx:noop + raw tsc --emitDeclarationOnly) / @nx/rollup*', ratio(floor, x.peer), '—']);
  rows.push(['ours / that floor', ratio(x.ours, floor), '—']);
}
if (S.monorepo20) {
  rows.push([
    'generated monorepo (20 pkgs, d.ts) run-many uncached: ours / tsdown',
    ratio(S.monorepo20.ours, S.monorepo20.tsdown),
    '≤ 0.60',
  ]);
  rows.push(['generated monorepo (20 pkgs): CPU, ours / tsdown', cpuRatio(S.monorepo20.ours, S.monorepo20.tsdown), '—']);
  rows.push(['generated monorepo (20 pkgs): all cached, ours (ms)', S.monorepo20.oursCached?.ms, '≤ 1500']);
  rows.push(['*floor: the same 20 tasks all cached as run-commands, no plugin (ms)*', S.monorepo20.tsdownCached?.ms, '—']);
  rows.push(['generated monorepo (20 pkgs): all cached, plugins in-process (ms)', S.monorepo20.oursCachedInProcess?.ms, '≤ 1500']);
  rows.push(['*floor: the same, plugins in-process (ms)*', S.monorepo20.tsdownCachedInProcess?.ms, '—']);
  rows.push(['all cached 20: ours / floor', ratio(S.monorepo20.oursCached, S.monorepo20.tsdownCached), '—']);
  rows.push([
    'all cached 20, plugins in-process: ours / floor',
    ratio(S.monorepo20.oursCachedInProcess, S.monorepo20.tsdownCachedInProcess),
    '—',
  ]);
}
results.ratios = Object.fromEntries(rows.map(([k, v, t]) => [k, { value: v, target: t }]));
console.log('\n# ratios (same run)');
for (const [k, v, t] of rows) console.log(`  ${k.padEnd(52)} ${String(v).padStart(6)}   target ${t}`);

mkdirSync(join(benchDir, 'results'), { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(benchDir, 'results', `${stamp}${quick ? '-quick' : ''}.json`), JSON.stringify(results, null, 2));
// A run of some scenarios (--only) keeps the full table of the last complete run.
const table = only ? `latest-${only.join('-')}.md` : 'latest.md';
writeFileSync(join(benchDir, 'results', table), markdown(results, rows));
console.log(`\nwritten: bench/results/${stamp}${quick ? '-quick' : ''}.json, bench/results/${table}`);

function versions() {
  const v = (p) => {
    for (const base of [join(benchDir, 'node_modules'), join(repoRoot, 'node_modules')]) {
      try {
        return JSON.parse(readFileSync(join(base, p, 'package.json'), 'utf8')).version;
      } catch {
        /* not installed here: try the next */
      }
    }
    return null;
  };
  return {
    tsdown: v('tsdown'),
    nx: v('nx'),
    '@nx/esbuild': v('@nx/esbuild'),
    '@nx/rollup': v('@nx/rollup'),
    '@nx/js': v('@nx/js'),
    esbuild: v('esbuild'),
    rollup: v('rollup'),
    typescript: v('typescript'),
    'oxc-transform': v('oxc-transform'),
    bun: v('bun'),
    '@repo/build-system': JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version,
  };
}

function markdown(r, rows) {
  const lines = [
    `# Benchmark results (${new Date().toISOString().slice(0, 10)}${r.quick ? ', quick mode' : ''})`,
    '',
    `Machine: ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memGb} GiB, Node ${r.machine.node}. Medians of ${r.runs} runs, NX_DAEMON=false. Load average (1 min): ${r.loadavg.start.toFixed(1)} at the start, ${r.loadavg.end.toFixed(1)} at the end.`,
    '',
    `Versions: ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
    '| scenario | median | peak RSS |',
    '|---|---:|---:|',
  ];
  for (const [name, s] of Object.entries(r.scenarios))
    for (const m of Object.values(s))
      lines.push(`| ${name}: ${m.label.trim()} | ${m.ms} ms | ${m.rssMb === undefined ? '—' : `${m.rssMb} MB`} |`);
  lines.push('', '| ratio (same run) | value | target |', '|---|---:|---|');
  for (const [k, v, t] of rows) lines.push(`| ${k} | ${v} | ${t} |`);
  return `${lines.join('\n')}\n`;
}
