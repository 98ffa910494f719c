import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, esbuildConfig, type TempWorkspace } from '../helpers/workspace';

const sha256 = (file: string) => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

const SECRET = 'tok_9f8e7d6c5b4a';

describe('records for every invocation, the CLI and secrets (real nx)', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/base': { name: '@t/base', config: esbuildConfig(), files: { 'src/index.ts': 'export const base = 1;\n' } },
        'packages/top': {
          name: '@t/top',
          packageJson: { dependencies: { '@t/base': '*' } },
          config: `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'tsc',
  secretEnv: ['DEPLOY_TOKEN'],
  prebuild: 'node -e "console.log(\\'token is \\' + process.env.DEPLOY_TOKEN)"',
  postbuild: async (ctx) => { ctx.log('post sees ' + ctx.env.DEPLOY_TOKEN); },
});
`.replace("builder: 'tsc'", "builder: 'esbuild'"),
          files: { 'src/index.ts': "import { base } from '@t/base';\nexport const top = base + 1;\n" },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('a real build then a cache hit leave two records; the second says local-cache with checksums of the restored files', () => {
    let r = ws.nx(['run', '@t/base:build']);
    expect(r.code, r.output).toBe(0);
    r = ws.nx(['run', '@t/base:build']);
    expect(r.output).toContain('local cache');
    const jobs = ws.jobs('packages/base');
    expect(jobs.length).toBe(2);
    expect(jobs[0]).toMatchObject({ cache: 'miss', status: 'success' });
    expect(jobs[1]).toMatchObject({ cache: 'local-cache', status: 'success', exitCode: 0, builder: 'esbuild', packageName: '@t/base' });
    expect(jobs[1].inputHash).toBe(jobs[0].inputHash);
    const restored = jobs[1].artifacts.find((a: any) => a.path === 'dist/index.js');
    expect(restored.checksum).toBe(sha256(ws.path('packages/base/dist/index.js')));
    expect(ws.latest('packages/base').id).toBe(jobs[1].id);
  });

  it('with the Nx daemon on, builds and cache hits are recorded too', () => {
    const env = { NX_DAEMON: 'true' };
    try {
      ws.write('packages/base/src/index.ts', 'export const base = 3;\n');
      const before = ws.jobs('packages/base').length;
      let r = ws.nx(['run', '@t/base:build'], env);
      expect(r.code, r.output).toBe(0);
      r = ws.nx(['run', '@t/base:build'], env);
      expect(r.output).toMatch(/local cache|existing outputs match the cache/);
      const jobs = ws.jobs('packages/base').slice(before);
      expect(jobs.map((j) => j.cache)).toEqual(['miss', 'local-cache']);
      expect(jobs[1].inputHash).toBe(jobs[0].inputHash);
    } finally {
      ws.nx(['daemon', '--stop'], env);
      ws.write('packages/base/src/index.ts', 'export const base = 1;\n');
    }
    // Back to the first sources: restored from the cache, and the record says so.
    const back = ws.nx(['run', '@t/base:build']);
    expect(back.output).toContain('local cache');
    expect(ws.latest('packages/base').cache).toBe('local-cache');
  });

  it('status --json carries status, duration, artifacts and staleness with the reason', () => {
    let r = ws.cli(['status', '@t/base', '--json']);
    expect(r.code, r.output).toBe(0);
    let s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ project: '@t/base', status: 'success', stale: false, reasons: [] });
    expect(typeof s.durationMs).toBe('number');
    expect(s.artifacts.map((a: any) => a.path)).toContain('dist/index.js');

    ws.write('packages/base/src/index.ts', 'export const base = 2;\n');
    r = ws.cli(['status', 'packages/base', '--json']);
    s = JSON.parse(r.stdout);
    expect(s.stale).toBe(true);
    expect(s.reasons.join('\n')).toContain('src/index.ts');
  });

  it('list --json names every buildable project with its builder', () => {
    const r = ws.cli(['list', '--json']);
    expect(r.code, r.output).toBe(0);
    const { projects } = JSON.parse(r.stdout);
    expect(projects.map((p: any) => [p.name, p.builder])).toEqual([
      ['@t/base', 'esbuild'],
      ['@t/top', 'esbuild'],
    ]);
  });

  it('history lists runs newest first, honouring --limit', () => {
    expect(ws.nx(['run', '@t/base:build']).code).toBe(0);
    const r = ws.cli(['history', '@t/base', '--json']);
    const { jobs } = JSON.parse(r.stdout);
    expect(jobs.length).toBe(6);
    const ids = jobs.map((j: any) => j.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(JSON.parse(ws.cli(['history', '@t/base', '--json', '--limit', '1']).stdout).jobs.length).toBe(1);
  });

  it('an unknown project exits 2 with a clear message', () => {
    const r = ws.cli(['status', '@t/nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown project "@t/nope": buildable projects are @t/base, @t/top');
    const j = ws.cli(['build', '@t/nope', '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout).errors[0].code).toBe('PROJECT_NOT_FOUND');
    expect(ws.cli(['frobnicate']).code).toBe(2);
  });

  it('a secret env value appears nowhere under .build-cache nor in the terminal output', () => {
    const r = ws.nx(['run', '@t/top:build', '--skip-nx-cache'], { DEPLOY_TOKEN: SECRET });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('token is ***');
    expect(r.output).toContain('post sees ***');
    expect(r.output).not.toContain(SECRET);
    const cached = ws.nx(['run', '@t/top:build'], { DEPLOY_TOKEN: SECRET });
    expect(cached.output).not.toContain(SECRET);
    const cli = ws.cli(['build', '@t/top', '--json'], { DEPLOY_TOKEN: SECRET });
    expect(cli.code, cli.output).toBe(0);
    expect(cli.output).not.toContain(SECRET);
    for (const f of allFiles(ws.path('packages/top/.build-cache'))) expect(readFileSync(f, 'utf8'), f).not.toContain(SECRET);
    expect(readFileSync(ws.log(ws.latest('packages/top')), 'utf8')).toContain('token is ***');
  });

  it('the CLI builds dependencies first and exits with the build result', () => {
    const r = ws.cli(['build', '@t/top', '@t/base', '--json']);
    expect(r.code, r.output).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.jobs.map((j: any) => j.packageName)).toEqual(['@t/base', '@t/top']);
    ws.write('packages/base/src/index.ts', 'export const base = (;\n');
    const failed = ws.cli(['build', '@t/base', '--json']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).jobs[0].errors[0]).toMatchObject({
      code: 'COMPILE_ERROR',
      file: 'packages/base/src/index.ts',
      line: 1,
    });
    ws.write('packages/base/src/index.ts', 'export const base = 2;\n');
  });
});

describe('the CLI without Nx (plain npm workspace, as under Turborepo)', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      noNx: true,
      packages: {
        'packages/lib': {
          name: '@p/lib',
          packageJson: { exports: './dist/index.js' },
          config: esbuildConfig(),
          files: { 'src/index.ts': 'export const lib = () => "lib";\n' },
        },
        'packages/app': {
          name: '@p/app',
          packageJson: { dependencies: { '@p/lib': '*' } },
          config: esbuildConfig(),
          files: { 'src/index.ts': "import { lib } from '@p/lib';\nexport const app = () => lib() + '+app';\n" },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('builds every package in dependency order from the root, and one package from its own directory', async () => {
    expect(ws.exists('nx.json')).toBe(false);
    let r = ws.cli(['build']);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout.indexOf('> build @p/lib')).toBeLessThan(r.stdout.indexOf('> build @p/app'));
    const run = ws.node(['--input-type=module', '-e', `import { app } from '@p/app/dist/index.js'; console.log(app());`]);
    expect(run.stdout.trim(), run.output).toBe('lib+app');
    r = ws.cli(['build', '--json'], {}, ws.path('packages/lib'));
    expect(r.code, r.output).toBe(0);
    expect(JSON.parse(r.stdout).jobs.map((j: any) => j.packageName)).toEqual(['@p/lib']);
    expect(ws.latest('packages/lib')).toMatchObject({ status: 'success', inputHash: null, metadata: { runner: 'cli' } });
  });

  it('rebuild cleans then builds; clean --cache removes the records', () => {
    let r = ws.cli(['rebuild', '@p/lib', '--json']);
    expect(r.code, r.output).toBe(0);
    expect(JSON.parse(r.stdout).jobs[0].status).toBe('success');
    r = ws.cli(['clean', '@p/lib', '--cache']);
    expect(r.code, r.output).toBe(0);
    expect(ws.exists('packages/lib/dist')).toBe(false);
    expect(ws.exists('packages/lib/.build-cache')).toBe(false);
  });
});
