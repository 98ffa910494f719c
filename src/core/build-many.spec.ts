import { describe, expect, it } from 'vitest';
import type { WorkspacePackage } from '../config/workspace/find-packages';
import { combinedExitCode, planBuild, transitiveDependencies } from './build-many';

const pkg = (name: string, dependencies: string[] = []): WorkspacePackage => ({
  name,
  path: `packages/${name}`,
  root: `/ws/packages/${name}`,
  configFile: `/ws/packages/${name}/build.config.ts`,
  dependencies,
});
const utils = pkg('utils');
const core = pkg('core', ['utils']);
const app = pkg('app', ['core']);
const alone = pkg('alone');
const all = [app, alone, core, utils];
const names = (ps: WorkspacePackage[]) => ps.map((p) => p.name);

describe('planBuild (pure)', () => {
  it('a named package brings its workspace dependencies, transitively, dependencies first', () => {
    expect(names(planBuild(all, [app]).order)).toEqual(['utils', 'core', 'app']);
  });
  it('--only keeps just the named ones (still in dependency order)', () => {
    expect(names(planBuild(all, [app, utils], true).order)).toEqual(['utils', 'app']);
  });
  it('nothing named: every package', () => {
    expect(names(planBuild(all, []).order).sort()).toEqual(['alone', 'app', 'core', 'utils']);
    const order = names(planBuild(all, []).order);
    expect(order.indexOf('utils')).toBeLessThan(order.indexOf('core'));
    expect(order.indexOf('core')).toBeLessThan(order.indexOf('app'));
  });
  it('a cycle has no order', () => {
    const a = pkg('a', ['b']);
    const b = pkg('b', ['a']);
    expect(planBuild([a, b], [a])).toEqual({ order: [], cycle: ['a', 'b', 'a'] });
  });
  it('transitive dependencies', () => {
    expect(names(transitiveDependencies(app, all)).sort()).toEqual(['core', 'utils']);
    expect(transitiveDependencies(utils, all)).toEqual([]);
  });
});

describe('combinedExitCode (pure)', () => {
  const job = (status: string, exitCode: number | null) => ({ status, exitCode }) as never;
  it('success only when everything succeeded', () => {
    expect(combinedExitCode([job('success', 0), job('success', 0)])).toBe(0);
  });
  it('a failure with skipped dependents: 1; config problems only: 2; a lock timeout: 3; a Ctrl-C: 130', () => {
    expect(combinedExitCode([job('failed', 1), job('skipped', null), job('success', 0)])).toBe(1);
    expect(combinedExitCode([job('failed', 2), job('skipped', null)])).toBe(2);
    expect(combinedExitCode([job('failed', 2), job('failed', 1)])).toBe(1);
    expect(combinedExitCode([job('failed', 3), job('failed', 1)])).toBe(3);
    expect(combinedExitCode([job('cancelled', 130), job('failed', 3)])).toBe(130);
  });
});
