import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helpers shared with scripts/
import { compareSurfaces, readPackageSurface } from '../../scripts/public-surface.mjs';
// @ts-expect-error plain ESM helper shared with scripts/
import { linkWorkspace } from '../../scripts/link-workspace.mjs';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

/**
 * A real monorepo nobody here wrote (test/fixtures/tanstack-query: four TanStack Query packages
 * that depend on each other, built upstream with tsdown) built with each builder; every
 * package's public surface must match what upstream publishes, export by export
 * (upstream-surface.json, recorded by scripts/snapshot-upstream.mjs).
 */
const FIXTURE = join(__dirname, '..', 'fixtures', 'tanstack-query');
const upstream = JSON.parse(readFileSync(join(FIXTURE, 'upstream-surface.json'), 'utf8'));
const packageDirs = readdirSync(join(FIXTURE, 'packages')).sort();

function fixtureWorkspace(builder: string): TempWorkspace {
  const ws = createWorkspace();
  cpSync(join(FIXTURE, 'tsconfig.json'), ws.path('tsconfig.json'));
  for (const dir of packageDirs) {
    cpSync(join(FIXTURE, 'packages', dir), ws.path('packages', dir), { recursive: true });
    const config = ws.read(`packages/${dir}/build.config.ts`);
    ws.write(`packages/${dir}/build.config.ts`, config.replace(/builder: '\w+'/, `builder: '${builder}'`));
  }
  linkWorkspace(
    ws.root,
    packageDirs.map((d) => `packages/${d}`),
  );
  return ws;
}

/** Every difference from upstream, one line each (package, entry, condition, names). */
function surfaceMismatches(ws: TempWorkspace): string[] {
  return Object.entries(upstream.packages).flatMap(([name, expected]) =>
    compareSurfaces(name, expected, readPackageSurface(ws.root, name)),
  );
}

const workspaces: TempWorkspace[] = [];
afterAll(() => workspaces.forEach((ws) => ws.dispose()));

describe('a real monorepo (TanStack Query, built upstream with tsdown)', () => {
  it('the upstream snapshot covers every vendored package, each with import and require surfaces', () => {
    const names = packageDirs.map((d) => JSON.parse(readFileSync(join(FIXTURE, 'packages', d, 'package.json'), 'utf8')).name);
    expect(Object.keys(upstream.packages).sort()).toEqual(names.sort());
    for (const pkg of Object.values<any>(upstream.packages)) {
      expect(Object.keys(pkg.entries)).toEqual(['.']);
      for (const c of ['import', 'require']) {
        expect(pkg.entries['.'][c].runtime.length).toBeGreaterThan(0);
        expect(pkg.entries['.'][c].declarationErrors).toEqual([]);
      }
    }
  });

  it.each(['esbuild', 'bun', 'rollup', 'tsc'])('built with %s, every package exports what upstream publishes', (builder) => {
    const ws = fixtureWorkspace(builder);
    workspaces.push(ws);
    const r = ws.nx(['run-many', '-t', 'build', '--skip-nx-cache']);
    expect(r.code, r.output).toBe(0);
    for (const dir of packageDirs) expect(ws.latest(`packages/${dir}`).status, dir).toBe('success');
    expect(surfaceMismatches(ws)).toEqual([]);
  });
});
