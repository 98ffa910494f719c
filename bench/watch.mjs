// The `watch` scenario of bench/run.mjs: time from a saved edit to new output bytes in one
// 200-file package, `build-system watch` (esbuild kept warm, and with `incremental: false`:
// a full build per edit) against `@nx/esbuild:esbuild` with `watch: true`, edits interleaved
// (A B C A B C …) so the machine's load hits all alike. Medians.
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clearTimeout, setTimeout } from 'node:timers';

const EDITED = 'packages/p0/src/mod100.ts';
const OUTPUT = 'packages/p0/dist/index.js';
const TIMEOUT_MS = 60_000;
const POLL_MS = 5;

/** A long-running watch process in its own process group, its output kept. */
function start(cmd, argv, cwd, env) {
  const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const closed = new Promise((r) => child.on('close', r));
  return {
    output: () => output,
    async stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await closed;
      clearTimeout(timer);
    },
    exited: () => child.exitCode !== null || child.signalCode !== null,
  };
}

async function until(check, what, proc) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!check()) {
    if (proc.exited()) throw new Error(`${what}: the watch process ended:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out:\n${proc.output().slice(-4000)}`);
    await sleep(POLL_MS);
  }
}

/** Whether the output file holds `marker`; read only when its inode, size or mtime changed (cheap polling). */
function outputWatcher(file) {
  let seen = '';
  let content = '';
  return (marker) => {
    try {
      const st = statSync(file);
      const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (key !== seen) {
        seen = key;
        content = readFileSync(file, 'utf8');
      }
    } catch {
      return false; // between the two renames of a swap, or not built yet
    }
    return content.includes(marker);
  };
}

/** One watched package: its edit, and the time until the output has it. */
function side(label, ws, proc, settle) {
  const original = readFileSync(join(ws, EDITED), 'utf8');
  const has = outputWatcher(join(ws, OUTPUT));
  const samples = [];
  return {
    label,
    proc,
    samples,
    async edit(n, record) {
      const marker = `bench-edit-${n}`;
      const started = process.hrtime.bigint();
      writeFileSync(join(ws, EDITED), `${original}\nexport const benchEdit = '${marker}';\n`);
      await until(() => has(marker), `${label}: edit ${n}`, proc);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (record) samples.push(ms);
      await settle?.();
      return ms;
    },
  };
}

/** The last record of p0 once it is no longer building (our watch only). */
async function settledRecord(ws, proc) {
  const latest = join(ws, 'packages/p0/.build-cache/latest.json');
  let job;
  await until(
    () => {
      try {
        job = JSON.parse(readFileSync(latest, 'utf8'));
        return job.status !== 'building';
      } catch {
        return false;
      }
    },
    'the record',
    proc,
  );
  return job;
}

export async function watchScenario({ workspace, nxBin, baseEnv, runs, cliBin }) {
  const s = {};
  const env = (ws) => ({ ...baseEnv, NX_CACHE_DIRECTORY: join(ws, '.nx', 'cache') });
  const warmWs = workspace('watch-ours', { packages: 1, files: 200, mode: 'ours', builder: 'esbuild' });
  const fullWs = workspace('watch-ours-full', { packages: 1, files: 200, mode: 'ours', builder: 'esbuild' });
  const config = join(fullWs, 'packages/p0/build.config.ts');
  writeFileSync(config, readFileSync(config, 'utf8').replace('dts: false,', 'dts: false,\n  incremental: false,'));
  const peerWs = workspace('watch-esbuild', { packages: 1, files: 200, mode: 'esbuild' });

  const ours = (ws) => start(process.execPath, [cliBin, 'watch', '@bench/p0'], ws, env(ws));
  const procs = [ours(warmWs), ours(fullWs), start(process.execPath, [nxBin, 'run', '@bench/p0:build', '--watch'], peerWs, env(peerWs))];
  const reused = [];
  try {
    for (const p of procs.slice(0, 2)) await until(() => p.output().includes('for changes'), 'our initial build', p);
    await until(
      () => {
        try {
          return statSync(join(peerWs, OUTPUT)).size > 0;
        } catch {
          return false;
        }
      },
      '@nx/esbuild initial build',
      procs[2],
    );
    const sides = [
      side('build-system watch, esbuild context kept', warmWs, procs[0], async () => {
        reused.push((await settledRecord(warmWs, procs[0])).metadata?.warm?.reused === true);
      }),
      side('build-system watch, incremental: false', fullWs, procs[1], () => settledRecord(fullWs, procs[1])),
      side('@nx/esbuild:esbuild watch: true', peerWs, procs[2], () => sleep(200)),
    ];
    // One edit each to warm up (the first rebuild of ours makes the context), then the measured ones.
    for (const x of sides) await x.edit(0, false);
    reused.length = 0;
    for (let i = 1; i <= runs; i++) for (const x of sides) await x.edit(i, true);
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (const [key, x] of [
      ['oursWarm', sides[0]],
      ['oursFull', sides[1]],
      ['nxEsbuild', sides[2]],
    ]) {
      s[key] = { label: `edit → new output: ${x.label}`, ms: Math.round(med(x.samples)), samples: x.samples.map(Math.round) };
      console.log(`  ${s[key].label.padEnd(60)} ${String(s[key].ms).padStart(7)} ms  (${s[key].samples.join(', ')})`);
    }
    if (!reused.every(Boolean)) throw new Error(`a measured rebuild did not reuse the esbuild context: ${reused}`);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
  return s;
}
