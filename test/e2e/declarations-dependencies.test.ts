import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

/**
 * Checked declarations across workspace packages whose exports point at their TypeScript
 * sources (as TanStack Query's `customConditions` do): a package's declarations program reads
 * its dependency's sources for their types and keeps the dependency an import, but checks only
 * its own sources; the dependency's build checks its own (docs/builders.md, "Declarations").
 * One `run-many` builds both in one process, whose declarations thread serves both packages.
 */
const config = `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'esbuild', format: ['esm', 'cjs'], dts: true });
`;
const tsconfig = JSON.stringify({ compilerOptions: { target: 'es2022', module: 'preserve', moduleResolution: 'bundler', strict: true } });
const CORE_INDEX = `export interface Item { id: number; label: string }
export function make(id: number): Item {
  return { id, label: String(id) };
}
`;
const APP_INDEX = `import { make } from '@t/core';
export const first = make(1);
export function twice(n: number): number {
  return n * 2;
}
`;

describe('declarations of a package that imports a workspace package’s sources', () => {
  let ws: TempWorkspace;
  const dts = (dir: string) =>
    Object.fromEntries(
      readdirSync(ws.path(dir, 'dist'))
        .filter((f) => /\.d\.[cm]?ts$/.test(f))
        .sort()
        .map((f) => [f, readFileSync(join(ws.path(dir, 'dist'), f), 'utf8')]),
    );
  const build = (project: string) => ws.nx(['run', `${project}:build`, '--skip-nx-cache', '--exclude-task-dependencies']);

  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/core': {
          name: '@t/core',
          packageJson: { exports: { '.': './src/index.ts' } },
          config,
          files: { 'src/index.ts': CORE_INDEX, 'tsconfig.json': tsconfig },
        },
        // Source only: no build of its own checks it, so its dependents' declarations do.
        'packages/plain': {
          name: '@t/plain',
          packageJson: { exports: { '.': './src/index.ts' } },
          files: { 'src/index.ts': 'export function label(n: number): string {\n  return String(n);\n}\n', 'tsconfig.json': tsconfig },
        },
        'packages/user': {
          name: '@t/user',
          packageJson: { dependencies: { '@t/plain': '*' } },
          config,
          files: { 'src/index.ts': "import { label } from '@t/plain';\nexport const one = label(1);\n", 'tsconfig.json': tsconfig },
        },
        'packages/app': {
          name: '@t/app',
          packageJson: { dependencies: { '@t/core': '*' } },
          config,
          files: { 'src/index.ts': APP_INDEX, 'tsconfig.json': tsconfig },
        },
      },
    });
    const r = ws.nx(['run-many', '-t', 'build', '--parallel=1']);
    expect(r.code, r.output).toBe(0);
  });
  afterAll(() => ws?.dispose());

  it('takes the dependency’s types from its sources and keeps it an import', () => {
    const app = dts('packages/app');
    expect(Object.keys(app)).toEqual(['index.d.cts', 'index.d.ts']);
    expect(app['index.d.ts']).toMatch(/from ['"]@t\/core['"]/);
    expect(app['index.d.ts']).toContain('Item');
    expect(app['index.d.ts']).not.toContain('label: string');
    // The program read the dependency's source: it is one of the build's reads.
    expect(ws.latest('packages/app').status).toBe('success');
  });

  it('the CLI builds and exits: the declarations thread does not keep the process alive', () => {
    const r = ws.cli(['build', '@t/app', '--force']);
    expect([r.code, r.output]).toEqual([0, expect.any(String)]);
    expect(ws.latest('packages/app').status).toBe('success');
  });

  it('an unchanged rebuild (build info kept) writes the same bytes', () => {
    const before = dts('packages/app');
    const r = build('@t/app');
    expect(r.code, r.output).toBe(0);
    expect(dts('packages/app')).toEqual(before);
  });

  it('a type error inside the dependency’s body fails the dependency’s build, not its dependent’s', () => {
    ws.write('packages/core/src/index.ts', `${CORE_INDEX}export function broken(): number {\n  const n: number = 'x';\n  return n;\n}\n`);
    const app = build('@t/app');
    expect(app.code, app.output).toBe(0);
    expect(ws.latest('packages/app').status).toBe('success');
    const core = build('@t/core');
    expect(core.code).not.toBe(0);
    expect(ws.latest('packages/core').errors[0]).toMatchObject({
      code: 'TYPE_ERROR',
      phase: 'dts',
      file: 'packages/core/src/index.ts',
      line: 6,
    });
    ws.write('packages/core/src/index.ts', CORE_INDEX);
  });

  it('a dependency no build of its own checks (source only) is checked by its dependent: its broken type fails it, never an `any`', () => {
    expect(dts('packages/user')['index.d.ts']).toMatch(/one: string/);
    ws.write('packages/plain/src/index.ts', 'export function label(n: number): Strng {\n  return String(n);\n}\n');
    const user = build('@t/user');
    expect(user.code).not.toBe(0);
    expect(ws.latest('packages/user').errors[0]).toMatchObject({
      code: 'TYPE_ERROR',
      phase: 'dts',
      file: 'packages/plain/src/index.ts',
      line: 1,
    });
    expect(dts('packages/user')['index.d.ts']).toMatch(/one: string/);
    ws.write('packages/plain/src/index.ts', 'export function label(n: number): string {\n  return String(n);\n}\n');
  });

  it('a type error in the package’s own sources fails it; a change to the dependency’s types shows in its declarations', () => {
    ws.write('packages/app/src/index.ts', APP_INDEX.replace('return n * 2;', 'const s: string = n;\n  return s.length;'));
    const failed = build('@t/app');
    expect(failed.code).not.toBe(0);
    expect(ws.latest('packages/app').errors[0]).toMatchObject({
      code: 'TYPE_ERROR',
      phase: 'dts',
      file: 'packages/app/src/index.ts',
      line: 4,
    });
    ws.write('packages/app/src/index.ts', APP_INDEX.replace('export const first = make(1);', 'export const first = make(1).label;'));
    const r = build('@t/app');
    expect(r.code, r.output).toBe(0);
    expect(dts('packages/app')['index.d.ts']).toMatch(/first: string/);
  });
});
