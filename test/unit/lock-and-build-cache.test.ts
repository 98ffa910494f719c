import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unsafeBuildCache } from '../../src/config/build-cache';
import { acquireLock, lockPaths } from '../../src/core/lock';

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
