import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PhaseRecorder } from '../phases';
import { displayStatus, processAlive, ProgressWriter } from './live';
import type { BuildJob } from './types';

describe('ProgressWriter', () => {
  it('writes one save at a time, the newest state last; changes made during a save share the next one', async () => {
    let state = 0;
    const saved: number[] = [];
    let running = 0;
    const w = new ProgressWriter(async () => {
      running++;
      expect(running).toBe(1);
      const snapshot = state;
      await new Promise((r) => setTimeout(r, 5));
      saved.push(snapshot);
      running--;
    });
    state = 1;
    const a = w.update();
    state = 2;
    const b = w.update();
    state = 3;
    const c = w.update();
    await Promise.all([a, b, c]);
    await w.idle();
    expect(saved.at(-1)).toBe(3);
    expect(saved.length).toBeLessThanOrEqual(2);
  });

  it('a failing save does not stop later ones', async () => {
    let n = 0;
    const w = new ProgressWriter(async () => {
      if (n++ === 0) throw new Error('disk full');
    });
    await w.update();
    await w.update();
    expect(n).toBe(2);
  });
});

describe('PhaseRecorder', () => {
  it('lists every phase pending, moves one through building to its outcome, drops the unreached at finish', async () => {
    const seen: string[][] = [];
    let position = 0;
    const r = new PhaseRecorder(['validate', 'lock', 'build'], {
      onChange: async () => void seen.push(r.phases.map((p) => `${p.name}:${p.status}`)),
      logPosition: () => position,
    });
    expect(r.phases.map((p) => p.status)).toEqual(['pending', 'pending', 'pending']);
    await r.run('validate', async () => {
      position = 10;
      return { status: 'success', value: undefined };
    });
    expect(seen).toEqual([
      ['validate:building', 'lock:pending', 'build:pending'],
      ['validate:success', 'lock:pending', 'build:pending'],
    ]);
    expect(r.phases[0]).toMatchObject({ log: { start: 0, end: 10 }, durationMs: expect.any(Number), endTime: expect.any(String) });
    r.finish();
    expect(r.phases.map((p) => p.name)).toEqual(['validate']);
  });

  it('plans a phase known later (upload) as pending once, and names the phase a build stopped in', async () => {
    const r = new PhaseRecorder(['validate', 'lock', 'build']);
    expect(r.current()).toBeUndefined();
    await r.run('validate', async () => ({ status: 'success', value: undefined }));
    r.plan('upload');
    r.plan('upload');
    expect(r.phases.map((p) => `${p.name}:${p.status}`)).toEqual(['validate:success', 'lock:pending', 'build:pending', 'upload:pending']);
    expect(r.current()).toBe('validate');
    await r.run('lock', async () => ({ status: 'failed', value: undefined }));
    expect(r.current()).toBe('lock');
    r.finish();
    expect(r.phases.map((p) => p.name)).toEqual(['validate', 'lock']);
  });
});

describe('displayStatus', () => {
  const root = mkdtempSync(join(tmpdir(), 'bs-live-'));
  const job = (over: Partial<BuildJob>): BuildJob => ({ id: 'x', packagePath: 'p', status: 'building', phases: [], ...over }) as BuildJob;

  it('a finished record is shown as it is', () => {
    expect(displayStatus(job({ status: 'success' }), root)).toBe('success');
  });

  it('building while its process lives; interrupted once it is gone (this host only)', () => {
    expect(displayStatus(job({ process: { pid: process.pid, host: hostname() } }), root)).toBe('building');
    expect(displayStatus(job({ process: { pid: 2 ** 22 + 12345, host: hostname() } }), root)).toBe('interrupted');
    expect(displayStatus(job({ process: { pid: 2 ** 22 + 12345, host: 'another-machine' } }), root)).toBe('building');
  });

  it('a record that holds the lock is interrupted when the lock has another owner (or none)', () => {
    const holding = job({
      process: { pid: process.pid, host: hostname() },
      phases: [{ name: 'lock', status: 'success', startTime: null, endTime: null, durationMs: null }],
    });
    expect(displayStatus(holding, root)).toBe('interrupted');
  });

  it('an older `running` record without its process goes by the lock owner', () => {
    expect(displayStatus(job({ status: 'running' as never }), root)).toBe('interrupted');
  });

  it('processAlive', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(-1)).toBe(false);
    rmSync(root, { recursive: true, force: true });
  });
});
