import { describe, expect, it } from 'vitest';
import { WatchQueue } from './watch-queue';

// utils ← core ← app; other stands alone.
const packages = () =>
  new WatchQueue([
    { name: 'utils', dependsOn: [] },
    { name: 'core', dependsOn: ['utils'] },
    { name: 'other', dependsOn: [] },
    { name: 'app', dependsOn: ['core', 'utils'] },
  ]);

describe('WatchQueue: what a watch builds next', () => {
  it('builds nothing until something changed', () => {
    expect(packages().next()).toBeUndefined();
  });

  it('gathers the changed files of a package into one build', () => {
    const q = packages();
    q.changed('core', ['packages/core/src/b.ts']);
    q.changed('core', ['packages/core/src/a.ts', 'packages/core/src/b.ts']);
    expect(q.next()).toEqual({ name: 'core', changedFiles: ['packages/core/src/a.ts', 'packages/core/src/b.ts'], dependenciesRebuilt: [] });
    expect(q.next()).toBeUndefined();
  });

  it('never starts a second build while one runs; changes during it queue exactly one more', () => {
    const q = packages();
    q.changed('core', ['a']);
    expect(q.next()?.name).toBe('core');
    q.changed('core', ['b']);
    q.changed('core', ['c']);
    q.changed('other', ['d']);
    expect(q.next()).toBeUndefined();
    q.finished('core', false);
    expect(q.next()).toEqual({ name: 'core', changedFiles: ['b', 'c'], dependenciesRebuilt: [] });
    q.finished('core', false);
    expect(q.next()?.name).toBe('other');
    q.finished('other', true);
    expect(q.next()).toBeUndefined();
    expect(q.pending).toBe(false);
  });

  it('a successful rebuild queues its dependents, in dependency order, once each', () => {
    const q = packages();
    q.changed('utils', ['u']);
    expect(q.next()?.name).toBe('utils');
    q.finished('utils', true);
    expect(q.next()).toEqual({ name: 'core', changedFiles: [], dependenciesRebuilt: ['utils'] });
    q.finished('core', true);
    expect(q.next()).toEqual({ name: 'app', changedFiles: [], dependenciesRebuilt: ['utils', 'core'] });
    q.finished('app', true);
    expect(q.next()).toBeUndefined();
  });

  it('a failed rebuild queues no dependent', () => {
    const q = packages();
    q.changed('utils', ['u']);
    q.next();
    q.finished('utils', false);
    expect(q.next()).toBeUndefined();
  });

  it('a dependent waits while a dependency of it is queued', () => {
    const q = packages();
    q.changed('app', ['x']);
    q.changed('utils', ['u']);
    expect(q.next()?.name).toBe('utils');
    q.finished('utils', true);
    expect(q.next()?.name).toBe('core');
    q.finished('core', true);
    expect(q.next()).toEqual({ name: 'app', changedFiles: ['x'], dependenciesRebuilt: ['utils', 'core'] });
  });

  it('ignores packages it does not watch', () => {
    const q = packages();
    q.changed('elsewhere', ['x']);
    expect(q.next()).toBeUndefined();
  });
});
