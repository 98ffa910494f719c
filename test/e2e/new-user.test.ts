import { existsSync, mkdtempSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicSources } from '../fixtures/packages';
import { createWorkspace, esbuildConfig, REPO_ROOT, type TempWorkspace } from '../helpers/workspace';

/** What a new user hit: each through the real CLI or real nx. */
describe('smaller things a new user hit', () => {
  let ws: TempWorkspace;
  let bunLinks: { path: string; target: string }[];
  const bunConfig = `import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig({ builder: 'bun' });\n`;
  // PATH without any directory holding a bun (npm puts this repository's node_modules/.bin there).
  const noBunPath = {
    PATH: (process.env.PATH ?? '')
      .split(':')
      .filter((d) => !/bun/.test(d) && !existsSync(join(d, 'bun')))
      .join(':'),
  };

  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/quiet': { name: '@t/quiet', config: esbuildConfig(), files: { 'src/index.ts': 'export const quiet = 1;\n' } },
        'packages/staged': {
          name: '@t/staged',
          config: esbuildConfig(`\n  environments: { staging: { define: { STAGE: '"staging"' } } },`),
          files: { 'src/index.ts': 'declare const STAGE: string;\nexport const stage = typeof STAGE === "undefined" ? "none" : STAGE;\n' },
        },
        'packages/custom': {
          name: '@t/custom',
          config: `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'custom',
  builderOptions: { command: 'node -e "require(\\'fs\\').writeFileSync(process.env.OUT_DIR + \\'/out.txt\\', \\'made\\')"' },
});
`,
        },
        'packages/bun-a': { name: '@t/bun-a', config: bunConfig, files: basicSources },
        'packages/bun-b': { name: '@t/bun-b', config: bunConfig, files: basicSources },
        'packages/typed': {
          name: '@t/typed',
          config: esbuildConfig('\n  dts: true,'),
          files: {
            'src/index.ts': 'export const n: number = "not a number";\n',
            'tsconfig.json': JSON.stringify({
              compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2022' },
            }),
          },
        },
        'packages/wrong': {
          name: '@t/wrong',
          config: `import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig({ builder: 'esbuild', formatt: 'esm', builderOptions: { jsx: 42, nope: true } } as any);\n`,
          files: { 'src/index.ts': 'export const w = 1;\n' },
        },
      },
    });
    bunLinks = ['node_modules/bun', 'node_modules/.bin/bun', 'node_modules/.bin/bunx'].map((p) => ({
      path: ws.path(p),
      target: readlinkSync(ws.path(p)),
    }));
  });
  afterAll(() => ws?.dispose());

  it('every log a record names exists, even when the build printed nothing or Nx served it from its cache', () => {
    let r = ws.cli(['build', '@t/quiet', '--json']);
    expect(r.code, r.output).toBe(0);
    r = ws.nx(['run', '@t/quiet:build']);
    expect(r.code, r.output).toBe(0);
    r = ws.nx(['run', '@t/quiet:build']);
    expect(r.output).toContain('local cache');
    const jobs = ws.jobs('packages/quiet');
    expect(jobs.map((j) => j.cache)).toEqual(['miss', 'miss', 'local-cache']);
    for (const j of jobs) expect(existsSync(ws.path(j.logs)), j.logs).toBe(true);
  });

  it('builder "custom" with only builderOptions.command needs no entry', () => {
    const r = ws.cli(['build', '@t/custom', '--json']);
    expect(r.code, r.output).toBe(0);
    expect(ws.read('packages/custom/dist/out.txt')).toBe('made');
  });

  it('nx build -c <environment the config lacks> fails before anything is built, also after a cached production build', () => {
    let r = ws.nx(['build', '@t/quiet', '-c', 'staging']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('unknown environment "staging" for @t/quiet');
    const before = ws.jobs('packages/quiet').length;
    for (const args of [
      ['run', '@t/quiet:build:staging'],
      ['run-many', '-t', 'build', '-p', '@t/quiet', '-c', 'staging'],
    ]) {
      r = ws.nx(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.output).not.toContain('local cache');
    }
    expect(ws.jobs('packages/quiet').length).toBe(before);
    // A project that declares it builds with it; run-many builds the others with their default, as Nx does.
    r = ws.nx(['build', '@t/staged', '-c', 'staging']);
    expect(r.code, r.output).toBe(0);
    expect(ws.latest('packages/staged').environment).toBe('staging');
    expect(ws.read('packages/staged/dist/index.js')).toContain('"staging"');
    r = ws.nx(['run-many', '-t', 'build', '-p', '@t/quiet', '@t/staged', '-c', 'staging']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('unknown environment "staging" for @t/quiet');
    expect(ws.cli(['build', '@t/quiet', '-c', 'staging']).code).toBe(2);
  });

  it('the bun fallback is said once per run (CLI and nx), recorded in every job; list shows the builder in effect', () => {
    bunLinks.forEach((l) => rmSync(l.path, { force: true }));
    try {
      const warning = /builder "bun" requested but no bun binary was found/g;
      let r = ws.cli(['build', '@t/bun-a', '@t/bun-b', '--parallel', '1'], noBunPath);
      expect(r.code, r.output).toBe(0);
      expect(r.output.match(warning)?.length, r.output).toBe(1);
      r = ws.nx(['run-many', '-t', 'build', '-p', '@t/bun-a', '@t/bun-b', '--parallel', '1', '--output-style=static'], noBunPath);
      expect(r.code, r.output).toBe(0);
      expect(r.output.match(warning)?.length, r.output).toBe(1);
      for (const dir of ['packages/bun-a', 'packages/bun-b']) {
        expect(ws.latest(dir)).toMatchObject({ builder: 'esbuild', requestedBuilder: 'bun' });
        expect(ws.latest(dir).warnings).toContainEqual(expect.objectContaining({ code: 'BUILDER_FALLBACK' }));
      }
      // The cache replay repeats what the one task printed: still once.
      r = ws.nx(['run-many', '-t', 'build', '-p', '@t/bun-a', '@t/bun-b', '--output-style=static'], noBunPath);
      expect(r.output).toContain('local cache');
      expect(r.output.match(warning)?.length ?? 0, r.output).toBeLessThanOrEqual(1);
      const list = ws.cli(['list', '--json'], noBunPath);
      const bunA = JSON.parse(list.stdout).projects.find((p: any) => p.name === '@t/bun-a');
      expect(bunA).toMatchObject({ builder: 'esbuild', requestedBuilder: 'bun' });
      expect(ws.cli(['list'], noBunPath).stdout).toMatch(/@t\/bun-a\s+packages\/bun-a\s+esbuild \(bun requested, not installed\)/);
    } finally {
      bunLinks.forEach((l) => existsSync(l.path) || symlinkSync(l.target, l.path));
    }
  });

  it("a type error is printed once (ours, located), not tsc's line as well", () => {
    const r = ws.cli(['build', '@t/typed']);
    expect(r.code).toBe(1);
    expect(r.output.match(/TS2322/g)?.length, r.output).toBe(1);
    expect(r.output).toContain('packages/typed/src/index.ts:1:14: [TYPE_ERROR] TS2322');
  });

  it('builderOptions errors come with the schema errors, all at once', () => {
    const r = ws.cli(['build', '@t/wrong', '--json']);
    expect(r.code).toBe(2);
    const fields = JSON.parse(r.stdout).jobs[0].errors.map((e: any) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['formatt', 'builderOptions.nope', 'builderOptions.jsx']));
  });

  it('list outside a workspace exits 2, as build and status do', () => {
    const outside = mkdtempSync(join(tmpdir(), 'bs-outside-'));
    try {
      for (const args of [['list'], ['build'], ['status', 'x']]) {
        const r = ws.run(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), ...args, '--json'], {}, outside);
        expect(r.code, args[0]).toBe(2);
        expect(JSON.parse(r.stdout).errors[0].code, args[0]).toBe('PROJECT_NOT_FOUND');
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
