import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unsafeBuildCache } from '../../src/config/build-cache';
import { acquireLock, lockPaths } from '../../src/core/lock';
import { runCommand, type LeftProcess } from '../../src/utils/spawn';

let root: string;
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'bs-lock-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

const STALE = 2000;
const options = { timeoutMs: 600, staleMs: STALE };

/** A lock left as another process would leave it, not refreshed for a minute. */
function staleLock(owner: Record<string, unknown> | undefined) {
  const paths = lockPaths(root);
  mkdirSync(paths.lock, { recursive: true });
  if (owner) writeFileSync(paths.owner, JSON.stringify({ since: new Date().toISOString(), ...owner }));
  const old = new Date(Date.now() - 60_000);
  utimesSync(paths.lock, old, old);
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('reclaiming the build lock', () => {
  it('keeps a stale lock whose owner is alive on this host (a blocked event loop is not a dead process)', async () => {
    staleLock({ pid: process.pid, host: hostname() });
    const r = await acquireLock(root, options);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0].code).toBe('LOCK_TIMEOUT');
  });

  it('reclaims a stale lock of a dead owner, of an unknown owner, and of an owner on another host', async () => {
    for (const owner of [{ pid: deadPid(), host: hostname() }, undefined, { pid: process.pid, host: 'elsewhere.example' }]) {
      staleLock(owner);
      const r = await acquireLock(root, options);
      expect(r.ok, JSON.stringify(owner)).toBe(true);
      if (r.ok) await r.value.release();
      expect(existsSync(lockPaths(root).lock)).toBe(false);
    }
  });

  it('takes a live pid whose start time differs from the recorded one for a reused pid', async () => {
    staleLock({ pid: process.pid, host: hostname(), pidStart: '1' });
    const r = await acquireLock(root, options);
    expect(r.ok).toBe(process.platform === 'linux');
    if (r.ok) await r.value.release();
  });

  it('never reclaims a fresh lock, whoever holds it', async () => {
    staleLock({ pid: deadPid(), host: 'elsewhere.example' });
    const now = new Date();
    utimesSync(lockPaths(root).lock, now, now);
    expect((await acquireLock(root, options)).ok).toBe(false);
  });

  it("a holder notices a takeover, and its release leaves the new holder's lock alone", async () => {
    const r = await acquireLock(root, { ...options, staleMs: 60_000 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.held()).toBe(true);
    const paths = lockPaths(root);
    const mine = JSON.parse(readFileSync(paths.owner, 'utf8'));
    writeFileSync(paths.owner, JSON.stringify({ ...mine, pid: 1, token: 'theirs' }));
    expect(r.value.held()).toBe(false);
    expect(r.value.lostReason()).toMatch(/another process took the build lock over \(pid 1 on /);
    await r.value.release();
    expect(existsSync(paths.lock)).toBe(true);
    expect(JSON.parse(readFileSync(paths.owner, 'utf8')).token).toBe('theirs');
  });

  it('makes .build-cache again when a clean removed it', async () => {
    const r = await acquireLock(root, options);
    expect(r.ok).toBe(true);
    if (r.ok) await r.value.release();
  });
});

describe('the commands a dead owner left running (Linux: /proc)', () => {
  const onLinux = it.runIf(process.platform === 'linux');
  const started: ChildProcess[] = [];
  afterEach(() => started.splice(0).forEach((c) => c.kill('SIGKILL')));

  /** A process leading its own group (as a build's command does), that runs until killed. */
  function groupLeader(): number {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
    started.push(child);
    return child.pid!;
  }
  const startOf = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  };
  const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^[ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!);
  /** What the dead owner recorded (the lock stays as old as it was). */
  const recordCommands = (groups: unknown[]) => {
    const { lock, commands } = lockPaths(root);
    const old = statSync(lock).mtime;
    writeFileSync(commands, JSON.stringify(groups));
    utimesSync(lock, old, old);
  };

  onLinux('stops a recorded group whose leader is the recorded process, not one whose id another process has now', async () => {
    const [ours, reused, bare] = [groupLeader(), groupLeader(), groupLeader()];
    staleLock({ pid: deadPid(), host: hostname() });
    // `reused`: the id of a group that ended, given to another process since (another start time).
    recordCommands([{ pgid: ours, start: startOf(ours) }, { pgid: reused, start: '1' }, bare]);
    const stopped: LeftProcess[] = [];
    const r = await acquireLock(root, { ...options, onStopped: (s) => stopped.push(...s) });
    expect(r.ok).toBe(true);
    if (r.ok) await r.value.release();
    expect(alive(ours)).toBe(false);
    expect(stopped.map((p) => p.pid)).toEqual([ours]);
    expect([alive(reused), alive(bare)]).toEqual([true, true]);
  });

  onLinux("leaves alone the groups in the lock of an owner on another host: its process ids are not this host's", async () => {
    const local = groupLeader();
    staleLock({ pid: deadPid(), host: 'elsewhere.example' });
    recordCommands([{ pgid: local, start: startOf(local) }, local]);
    const r = await acquireLock(root, options);
    expect(r.ok).toBe(true);
    if (r.ok) await r.value.release();
    expect(alive(local)).toBe(true);
  });

  onLinux('a holder records its running commands, and nothing once the lock is no longer its own', async () => {
    const r = await acquireLock(root, { ...options, staleMs: 60_000 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const paths = lockPaths(root);
    const run = (ms: number) => runCommand(process.execPath, { args: ['-e', `setTimeout(() => {}, ${ms})`], cwd: root, env: process.env });
    const running = run(300);
    const recorded = JSON.parse(readFileSync(paths.commands, 'utf8'));
    expect(recorded).toEqual([{ pgid: expect.any(Number), start: startOf(recorded[0].pgid) }]);
    await running;
    expect(JSON.parse(readFileSync(paths.commands, 'utf8'))).toEqual([]);
    // Taken over (not yet noticed): the new holder's lock does not get this holder's commands.
    const mine = JSON.parse(readFileSync(paths.owner, 'utf8'));
    writeFileSync(paths.owner, JSON.stringify({ ...mine, pid: 1, token: 'theirs' }));
    rmSync(paths.commands);
    await run(0);
    expect(existsSync(paths.commands)).toBe(false);
    await r.value.release();
  });
});

describe('unsafeBuildCache', () => {
  it('accepts a missing or a real .build-cache', () => {
    expect(unsafeBuildCache(root)).toBeUndefined();
    mkdirSync(join(root, '.build-cache/state/tsc/out'), { recursive: true });
    writeFileSync(join(root, '.build-cache/latest.json'), '{}');
    expect(unsafeBuildCache(root)).toBeUndefined();
  });

  it('refuses a symlinked .build-cache, or a symlink among its entries, those of state/ and of each builder state', () => {
    const outside = mkdtempSync(join(tmpdir(), 'bs-outside-'));
    try {
      for (const link of [
        '.build-cache',
        '.build-cache/trash',
        '.build-cache/fingerprint.json',
        '.build-cache/state/tsc',
        '.build-cache/state/tsc/out',
      ]) {
        rmSync(join(root, '.build-cache'), { recursive: true, force: true });
        mkdirSync(join(root, link, '..'), { recursive: true });
        symlinkSync(outside, join(root, link));
        const e = unsafeBuildCache(root, root);
        expect(e, link).toMatchObject({ code: 'UNSAFE_PATH', file: link });
        expect(e!.message).toContain(`is a symbolic link (to ${outside})`);
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
