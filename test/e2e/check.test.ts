import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

const config = (extra: string) => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'esbuild',${extra}
});
`;
const source = { 'src/index.ts': 'export const answer: number = 42;\n' };

describe('the check phase: package.json entry points against the outputs, publint and attw on request', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        // outputDir moved to lib, package.json still names dist/
        'packages/moved': {
          name: '@t/moved',
          packageJson: { main: './dist/index.js', exports: { '.': { import: './dist/index.js' }, './package.json': './package.json' } },
          config: config(`\n  outputDir: 'lib',`),
          files: source,
        },
        'packages/fine': {
          name: '@t/fine',
          packageJson: { main: './dist/index.js', exports: { '.': './dist/index.js' } },
          config: config(''),
          files: source,
        },
        // types of the ESM build handed to require() (`types` before `require`: TypeScript takes
        // it over the index.d.cts the build writes beside index.cjs): attw's "masquerading as
        // ESM"; `types` after `import`: publint's EXPORTS_TYPES_SHOULD_BE_FIRST
        'packages/linted': {
          name: '@t/linted',
          packageJson: {
            files: ['dist'],
            exports: { '.': { import: './dist/index.js', types: './dist/index.d.ts', require: './dist/index.cjs' } },
          },
          config: config(`\n  format: ['esm', 'cjs'],\n  dts: true,\n  check: { publint: true, attw: true },`),
          files: source,
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('outputDir changed without package.json: a warning naming package.json and the field; the build succeeds', () => {
    const r = ws.cli(['build', 'packages/moved']);
    expect(r.code, r.output).toBe(0);
    const job = ws.latest('packages/moved');
    expect(job.status).toBe('success');
    expect(job.phases.map((p: any) => [p.name, p.status]).slice(-2)).toEqual([
      ['artifacts', 'success'],
      ['check', 'success'],
    ]);
    expect(job.checks).toEqual([
      expect.objectContaining({
        tool: 'entry-points',
        level: 'warning',
        field: 'main',
        file: 'packages/moved/package.json',
        line: 5,
        column: 3,
      }),
      expect.objectContaining({
        tool: 'entry-points',
        level: 'warning',
        field: 'exports["."].import',
        file: 'packages/moved/package.json',
      }),
    ]);
    expect(job.checks[0].message).toContain('./dist/index.js');
    expect(r.output).toContain('warning: packages/moved/package.json:5:3: [entry-points] package.json `main` names ./dist/index.js');
    expect(r.output).toContain('(field `exports["."].import`)');
    // a package whose entry points all exist has nothing to say
    expect(ws.cli(['build', 'packages/fine']).code).toBe(0);
    expect(ws.latest('packages/fine').checks).toEqual([]);
  });

  it("check: 'strict' turns the finding into an error: non-zero exit through Nx and a failed record", () => {
    ws.write('packages/moved/build.config.ts', config(`\n  outputDir: 'lib',\n  check: 'strict',`));
    const r = ws.nx(['run', '@t/moved:build', '--skip-nx-cache']);
    expect(r.code).not.toBe(0);
    const job = ws.latest('packages/moved');
    expect(job).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(job.phases.at(-1)).toMatchObject({ name: 'check', status: 'failed' });
    expect(job.errors.map((e: any) => [e.code, e.phase, e.field, e.file])).toEqual([
      ['CHECK_FAILED', 'check', 'main', 'packages/moved/package.json'],
      ['CHECK_FAILED', 'check', 'exports["."].import', 'packages/moved/package.json'],
    ]);
    expect(job.checks.map((c: any) => c.level)).toEqual(['error', 'error']);
    const cli = ws.cli(['build', 'packages/moved']);
    expect(cli.code).toBe(1);
    // fixing package.json makes it pass
    ws.write(
      'packages/moved/package.json',
      JSON.stringify(
        { ...ws.json('packages/moved/package.json'), main: './lib/index.js', exports: { '.': { import: './lib/index.js' } } },
        null,
        2,
      ),
    );
    expect(ws.cli(['build', 'packages/moved']).code).toBe(0);
    expect(ws.latest('packages/moved').checks).toEqual([]);
  });

  it('publint and are-the-types-wrong run on the packed package and report into the record', () => {
    const r = ws.cli(['build', 'packages/linted']);
    expect(r.code, r.output).toBe(0);
    const checks: any[] = ws.latest('packages/linted').checks;
    const attw = checks.filter((c) => c.tool === 'attw');
    expect(attw.length, JSON.stringify(checks, null, 2)).toBeGreaterThan(0);
    expect(attw.map((c) => c.message).join('\n')).toContain('FalseESM');
    expect(attw[0]).toMatchObject({ level: 'warning', field: 'exports["."]', file: 'packages/linted/package.json' });
    const publint = checks.filter((c) => c.tool === 'publint');
    expect(publint.length, JSON.stringify(checks, null, 2)).toBeGreaterThan(0);
    expect(
      publint.find((c) => c.message.includes('EXPORTS_TYPES_SHOULD_BE_FIRST')),
      JSON.stringify(publint, null, 2),
    ).toMatchObject({ level: 'warning', field: 'exports["."].types', line: expect.any(Number) });
    expect(r.output).toMatch(/warning: packages\/linted\/package\.json:\d+:\d+: \[attw\]/);
    expect(r.output).toMatch(/\[publint\]/);
  });
});
