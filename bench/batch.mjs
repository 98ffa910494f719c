// Batched builds against forked ones and @nx/esbuild, and plugins in-process against isolated,
// every variant of a comparison interleaved (A B C, B C A, …) so the machine's load hits all alike.
// Usage: node bench/batch.mjs [--runs N] [--only single,many,cached]
// Writes bench/results/<timestamp>-batch.json and bench/results/latest-batch.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkWorkspace, repoRoot } from '../scripts/link-workspace.mjs';
import { generateWorkspace } from './generate.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const work = join(benchDir, '.work');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const want = (s) => !only || only.includes(s);

if (!existsSync(join(benchDir, 'node_modules', '@nx', 'esbuild'))) {
  console.error('peer plugins missing: run `npm --prefix bench ci` (or install) first');
  process.exit(2);
}
if (!existsSync(join(repoRoot, 'dist', 'plugin.js'))) {
  console.error('dist/ missing: run `npm run build` first');
  process.exit(2);
}

const nxBin = join(repoRoot, 'node_modules', 'nx', JSON.parse(readFileSync(join(repoRoot, 'node_modules/nx/package.json'), 'utf8')).bin.nx);
const baseEnv = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', FORCE_COLOR: '0' };
for (const k of ['NX_SKIP_NX_CACHE', 'NX_BATCH_MODE', 'NX_ISOLATE_PLUGINS', 'NX_PARALLEL']) delete baseEnv[k];

/** A generated workspace with this repo's node_modules and the peers from bench/node_modules over them (as bench/run.mjs). */
function workspace(name, opts) {
  const dir = join(work, name);
  generateWorkspace({ dir, ...opts });
  linkWorkspace(
    dir,
    readdirSync(join(dir, 'packages')).map((d) => `packages/${d}`),
  );
  const peers = join(benchDir, 'node_modules');
  for (const name of readdirSync(peers)) {
    if (name.startsWith('.') || name === 'nx') continue;
    const entries = name.startsWith('@') ? readdirSync(join(peers, name)).map((s) => `${name}/${s}`) : [name];
    for (const e of entries) {
      if (existsSync(join(repoRoot, 'node_modules', e)) && !e.startsWith('@nx/')) continue;
      mkdirSync(dirname(join(dir, 'node_modules', e)), { recursive: true });
      rmSync(join(dir, 'node_modules', e), { recursive: true, force: true });
      spawnSync('ln', ['-s', join(peers, e), join(dir, 'node_modules', e)]);
    }
  }
  return dir;
}

/** Wall time (ms) and CPU time (ms, user + system of the whole process tree) of one command. */
function timeOnce(argv, cwd, env) {
  const out = join(work, 'batch-time.tmp');
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', out, process.execPath, nxBin, ...argv], {
    cwd,
    env: { ...baseEnv, NX_CACHE_DIRECTORY: join(cwd, '.nx', 'cache'), ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`nx ${argv.join(' ')} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  const [user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { ms, cpuMs: (user + sys) * 1000 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Variants `{ key: [label, argv, cwd, env] }`, one warm-up each, then `runs` rounds of all of them. */
function interleaved(title, variants) {
  console.log(`\n# ${title} (medians of ${runs} interleaved runs; load average ${loadavg()[0].toFixed(1)})`);
  const entries = Object.entries(variants);
  for (const [, [, argv, cwd, env]] of entries) timeOnce(argv, cwd, env);
  const samples = Object.fromEntries(entries.map(([k]) => [k, []]));
  // Each round starts one variant later (A B C, B C A, …): no variant always follows the same one.
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < entries.length; j++) {
      const [k, [, argv, cwd, env]] = entries[(i + j) % entries.length];
      samples[k].push(timeOnce(argv, cwd, env));
    }
  }
  return Object.fromEntries(
    entries.map(([k, [label]]) => {
      const r = {
        label,
        ms: Math.round(median(samples[k].map((s) => s.ms))),
        cpuMs: Math.round(median(samples[k].map((s) => s.cpuMs))),
        samples: samples[k].map((s) => Math.round(s.ms)),
      };
      console.log(`  ${label.padEnd(58)} ${String(r.ms).padStart(7)} ms  ${String(r.cpuMs).padStart(6)} ms CPU   [${r.samples.join(' ')}]`);
      return [k, r];
    }),
  );
}

const stopDaemon = (ws) =>
  spawnSync(process.execPath, [nxBin, 'daemon', '--stop'], {
    cwd: ws,
    env: { ...baseEnv, NX_DAEMON: 'true', NX_CACHE_DIRECTORY: join(ws, '.nx', 'cache') },
  });
const results = {
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAtStart: loadavg()[0],
  },
  runs,
  scenarios: {},
};
mkdirSync(work, { recursive: true });
const run = (...a) => ['run', ...a];
const runMany = (...a) => ['run-many', '-t', ...a];

// One 200-file package, uncached: a batch of one (the default), a forked executor, Nx's floors.
if (want('single')) {
  const ws = workspace('batch-single', { packages: 1, files: 200, mode: 'ours' });
  for (const daemon of ['false', 'true']) {
    const env = { NX_DAEMON: daemon };
    results.scenarios[`single-daemon-${daemon}`] = interleaved(`one package of 200 files, NX_DAEMON=${daemon}`, {
      noop: ['nx:noop (Nx floor)', run('@bench/p0:noop'), ws, env],
      noopExecutor: ['a no-op executor (floor of any forked executor)', run('@bench/p0:noop-executor'), ws, env],
      batch: ['ours, batch of one (preferBatch, the default)', run('@bench/p0:build', '--skip-nx-cache'), ws, env],
      forked: ['ours, forked executor (--batch=false)', run('@bench/p0:build', '--skip-nx-cache', '--batch=false'), ws, env],
    });
    stopDaemon(ws);
  }
}

// Ten packages of 20 files, each importing the previous one, uncached.
if (want('many')) {
  const ours = workspace('batch-many-ours', { packages: 10, files: 20, mode: 'ours' });
  const peer = workspace('batch-many-esbuild', { packages: 10, files: 20, mode: 'esbuild' });
  results.scenarios.many = interleaved('run-many -t build --skip-nx-cache, 10 packages', {
    batch: ['ours, one batch (the default)', runMany('build', '--skip-nx-cache'), ours],
    forked: ['ours, forked per task (--batch=false)', runMany('build', '--skip-nx-cache', '--batch=false'), ours],
    peer: ['@nx/esbuild', runMany('build', '--skip-nx-cache'), peer],
    noop: ['nx:noop × 10 (Nx floor)', runMany('noop', '--skip-nx-cache'), ours],
    noopExecutor: ['no-op executor × 10 (floor of forked executors)', runMany('noop-executor', '--skip-nx-cache'), ours],
  });
}

// The same ten, all cached (records of the cache hits included): plugins isolated (Nx's default)
// and in-process (`nx add @repo/build-system --inProcessPlugins`).
if (want('cached')) {
  const ours = workspace('batch-cached-ours', { packages: 10, files: 20, mode: 'ours' });
  const peer = workspace('batch-cached-esbuild', { packages: 10, files: 20, mode: 'esbuild' });
  const peerNoop = workspace('batch-cached-esbuild-noop', { packages: 10, files: 20, mode: 'esbuild', noopPlugin: true });
  for (const ws of [ours, peer, peerNoop]) timeOnce(runMany('build'), ws, {});
  for (const daemon of ['false', 'true']) {
    const isolated = { NX_DAEMON: daemon };
    const inProcess = { NX_DAEMON: daemon, NX_ISOLATE_PLUGINS: 'false' };
    results.scenarios[`cached-daemon-${daemon}`] = interleaved(`run-many -t build, all cached, 10 packages, NX_DAEMON=${daemon}`, {
      ours: ['ours, plugins isolated', runMany('build'), ours, isolated],
      peer: ['@nx/esbuild, plugins isolated', runMany('build'), peer, isolated],
      peerNoop: ['@nx/esbuild + a no-op plugin, isolated (floor)', runMany('build'), peerNoop, isolated],
      oursIn: ['ours, plugins in-process', runMany('build'), ours, inProcess],
      peerIn: ['@nx/esbuild, plugins in-process', runMany('build'), peer, inProcess],
    });
    for (const ws of [ours, peer, peerNoop]) stopDaemon(ws);
  }
}

const S = results.scenarios;
const ratio = (a, b) => (a && b ? Math.round((a.ms / b.ms) * 100) / 100 : null);
const cpuRatio = (a, b) => (a && b ? Math.round((a.cpuMs / b.cpuMs) * 100) / 100 : null);
const rows = [];
for (const daemon of ['false', 'true']) {
  const s = S[`single-daemon-${daemon}`];
  if (!s) continue;
  const d = daemon === 'true' ? ', daemon' : '';
  rows.push([`single${d}: batch of one − forked (ms wall / CPU)`, `${s.batch.ms - s.forked.ms} / ${s.batch.cpuMs - s.forked.cpuMs}`, '—']);
  rows.push([`single${d}: batch of one − nx:noop (ms wall / CPU)`, `${s.batch.ms - s.noop.ms} / ${s.batch.cpuMs - s.noop.cpuMs}`, '—']);
  rows.push([
    `*floor${d}: no-op executor − nx:noop (ms wall / CPU)*`,
    `${s.noopExecutor.ms - s.noop.ms} / ${s.noopExecutor.cpuMs - s.noop.cpuMs}`,
    '—',
  ]);
}
if (S.many) {
  rows.push([
    'run-many 10 uncached: batch / @nx/esbuild',
    `${ratio(S.many.batch, S.many.peer)} (CPU ${cpuRatio(S.many.batch, S.many.peer)})`,
    '≤ 0.35',
  ]);
  rows.push([
    'run-many 10 uncached: forked / @nx/esbuild',
    `${ratio(S.many.forked, S.many.peer)} (CPU ${cpuRatio(S.many.forked, S.many.peer)})`,
    '—',
  ]);
  rows.push([
    'run-many 10 uncached: batch / forked',
    `${ratio(S.many.batch, S.many.forked)} (CPU ${cpuRatio(S.many.batch, S.many.forked)})`,
    '—',
  ]);
  rows.push(['*floor: nx:noop × 10 / @nx/esbuild*', `${ratio(S.many.noop, S.many.peer)} (CPU ${cpuRatio(S.many.noop, S.many.peer)})`, '—']);
  rows.push([
    '*floor: no-op executor × 10 / @nx/esbuild*',
    `${ratio(S.many.noopExecutor, S.many.peer)} (CPU ${cpuRatio(S.many.noopExecutor, S.many.peer)})`,
    '—',
  ]);
}
for (const daemon of ['false', 'true']) {
  const s = S[`cached-daemon-${daemon}`];
  if (!s) continue;
  const d = daemon === 'true' ? ', daemon' : '';
  rows.push([
    `all cached 10${d}, in-process: ours / @nx/esbuild`,
    `${ratio(s.oursIn, s.peerIn)} (CPU ${cpuRatio(s.oursIn, s.peerIn)})`,
    '≤ 1.05',
  ]);
  rows.push([`all cached 10${d}, isolated: ours / @nx/esbuild`, `${ratio(s.ours, s.peer)} (CPU ${cpuRatio(s.ours, s.peer)})`, '—']);
  rows.push([
    `*floor${d}, isolated: (@nx/esbuild + no-op plugin) / @nx/esbuild*`,
    `${ratio(s.peerNoop, s.peer)} (CPU ${cpuRatio(s.peerNoop, s.peer)})`,
    '—',
  ]);
  rows.push([`all cached 10${d}: ours in-process / ours isolated`, `${ratio(s.oursIn, s.ours)} (CPU ${cpuRatio(s.oursIn, s.ours)})`, '—']);
}
results.ratios = Object.fromEntries(rows.map(([k, v, t]) => [k, { value: v, target: t }]));
console.log('\n# ratios (same run)');
for (const [k, v, t] of rows) console.log(`  ${k.padEnd(62)} ${String(v).padStart(14)}   target ${t}`);

mkdirSync(join(benchDir, 'results'), { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(benchDir, 'results', `${stamp}-batch.json`), JSON.stringify(results, null, 2));
const md = [
  `# Batch benchmark (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Machine: ${results.machine.cpus} × ${results.machine.cpu}, ${results.machine.memGb} GiB, Node ${results.machine.node}, load average ${results.machine.loadAtStart.toFixed(1)} at the start. Medians of ${runs} interleaved runs.`,
  '',
  '| scenario | median wall | median CPU |',
  '|---|---:|---:|',
  ...Object.entries(S).flatMap(([name, s]) => Object.values(s).map((m) => `| ${name}: ${m.label} | ${m.ms} ms | ${m.cpuMs} ms |`)),
  '',
  '| ratio (same run) | value | target |',
  '|---|---:|---|',
  ...rows.map(([k, v, t]) => `| ${k} | ${v} | ${t} |`),
];
writeFileSync(join(benchDir, 'results', 'latest-batch.md'), `${md.join('\n')}\n`);
console.log(`\nwritten: bench/results/${stamp}-batch.json, bench/results/latest-batch.md`);
