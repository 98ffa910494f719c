import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, esbuildConfig, type TempWorkspace } from '../helpers/workspace';

describe('adapter executors in project.json: bad options', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ packages: { 'packages/direct': { name: '@t/direct', files: { 'src/index.ts': 'export const a = 1;\n' } } } });
    ws.write(
      'packages/direct/project.json',
      JSON.stringify({
        name: '@t/direct',
        targets: {
          bundle: { executor: '@repo/build-system:esbuild', options: { entry: 'src/missing.ts', outputDir: '..', formats: ['esm'] } },
        },
      }),
    );
  });
  afterAll(() => ws?.dispose());

  it('fail before anything runs, each error naming project.json and the option', () => {
    const r = ws.nx(['run', '@t/direct:bundle']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('packages/direct/project.json');
    const job = ws.latest('packages/direct');
    expect(job).toMatchObject({ status: 'failed', exitCode: 2 });
    const byField = Object.fromEntries(job.errors.map((e: any) => [e.field, e]));
    expect(byField.formats).toMatchObject({ code: 'CONFIG_INVALID', file: 'packages/direct/project.json' });
    expect(ws.exists('packages/direct/out')).toBe(false);
    // the schema errors first; with them fixed, the path checks speak, naming the same file
    ws.write(
      'packages/direct/project.json',
      JSON.stringify({
        name: '@t/direct',
        targets: { bundle: { executor: '@repo/build-system:esbuild', options: { entry: 'src/missing.ts', outputDir: '..' } } },
      }),
    );
    expect(ws.nx(['run', '@t/direct:bundle']).code).not.toBe(0);
    const fields = ws.latest('packages/direct').errors.map((e: any) => [e.field, e.file]);
    expect(fields).toEqual(
      expect.arrayContaining([
        ['outputDir', 'packages/direct/project.json'],
        ['entry', 'packages/direct/project.json'],
      ]),
    );
  });
});

describe('a custom command that bypasses $OUT_DIR', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/direct': {
          name: '@t/direct',
          config: `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'custom', builderOptions: { command: 'node scripts/build.mjs' } });
`,
          files: {
            'src/index.ts': 'export {};\n',
            'scripts/build.mjs':
              "import { mkdirSync, writeFileSync } from 'node:fs';\nmkdirSync('dist', { recursive: true });\nwriteFileSync('dist/index.js', 'export {};\\n');\n",
          },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('is warned about in the terminal and the log: its outputs are replaced by the empty $OUT_DIR', () => {
    const r = ws.nx(['run', '@t/direct:build', '--skip-nx-cache']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('the custom build wrote nothing to $OUT_DIR');
    expect(ws.read(ws.latest('packages/direct').logs)).toMatch(
      /the custom build wrote nothing to \$OUT_DIR \(\.build-cache\/staging\/[\w-]+\): dist is now empty/,
    );
  });
});

describe('a tsconfig whose extends names no file', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/t': {
          name: '@t/t',
          config: `import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig({ builder: 'tsc' });\n`,
          files: {
            'src/index.ts': 'export const t: number = 1;\n',
            'tsconfig.json': JSON.stringify({ extends: '../../tsconfig.missing.json', compilerOptions: { strict: true } }),
          },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('fails validation naming the tsconfig and its extends, before tsc runs', () => {
    const r = ws.nx(['run', '@t/t:build']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('packages/t/tsconfig.json');
    const job = ws.latest('packages/t');
    expect(job).toMatchObject({ status: 'failed', exitCode: 2 });
    expect(job.errors).toEqual([
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        phase: 'validate',
        file: 'packages/t/tsconfig.json',
        field: 'extends',
        found: '"../../tsconfig.missing.json"',
      }),
    ]);
    expect(job.phases.map((p: any) => p.name)).toEqual(['validate']);
    expect(ws.exists('packages/t/dist')).toBe(false);
  });
});

describe('builder warnings', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/w': { name: '@t/w', config: esbuildConfig(), files: { 'src/index.ts': 'export const o = { a: 1, a: 2 };\n' } },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('are in the record, located, as COMPILE_WARNING, and the build succeeds', () => {
    const r = ws.nx(['run', '@t/w:build']);
    expect(r.code, r.output).toBe(0);
    const job = ws.latest('packages/w');
    expect(job.status).toBe('success');
    expect(job.warnings).toEqual([expect.objectContaining({ code: 'COMPILE_WARNING', file: 'packages/w/src/index.ts', line: 1 })]);
    expect(r.output).toContain('[COMPILE_WARNING]');
  });
});
