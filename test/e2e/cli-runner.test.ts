import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, esbuildConfig, REPO_ROOT, waitFor, type TempWorkspace } from '../helpers/workspace';

/**
 * `build-system build` as a runner without Nx (plain npm workspace): dependencies first, a
 * failure stopping only its dependents, its own up-to-date check, --force, --parallel.
 */
describe('the CLI as a runner without Nx', () => {
  let ws: TempWorkspace;
  const json = (r: { stdout: string }) => JSON.parse(r.stdout);
  const byName = (jobs: any[]) => Object.fromEntries(jobs.map((j) => [j.packageName, j]));

  beforeAll(() => {
    ws = createWorkspace({
      noNx: true,
      packages: {
        'packages/utils': {
          name: '@acme/utils',
          packageJson: { exports: './dist/index.js' },
          config: esbuildConfig(),
          files: { 'src/index.ts': 'export const greet = (n: string) => `hi ${n}`;\n' },
        },
        'packages/core': {
          name: '@acme/core',
          packageJson: { exports: './dist/index.js', devDependencies: { '@acme/utils': '*' } },
          config: esbuildConfig(
            `\n  env: { CORE_FLAVOUR: 'plain' },\n  define: { FLAVOUR: JSON.stringify(process.env.CORE_FLAVOUR ?? 'plain') },`,
          ),
          files: {
            'src/index.ts':
              "import { greet } from '@acme/utils';\ndeclare const FLAVOUR: string;\nexport const core = () => greet('core') + ' ' + FLAVOUR;\n",
          },
        },
        'packages/app': {
          name: '@acme/app',
          packageJson: { peerDependencies: { '@acme/core': '*' } },
          config: esbuildConfig(),
          files: { 'src/index.ts': "import { core } from '@acme/core';\nexport const app = () => core() + '!';\n" },
        },
        'packages/alone': { name: '@acme/alone', config: esbuildConfig(), files: { 'src/index.ts': 'export const alone = 1;\n' } },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('builds a named project after the workspace packages it depends on (dev and peer dependencies too)', () => {
    const r = ws.cli(['build', '@acme/app', '--json', '--parallel', '1']);
    expect(r.code, r.output).toBe(0);
    const jobs = json(r).jobs;
    expect(jobs.map((j: any) => j.packageName)).toEqual(['@acme/utils', '@acme/core', '@acme/app']);
    expect(jobs.every((j: any) => j.status === 'success' && j.cache === 'miss' && j.trigger === 'cli')).toBe(true);
    expect(ws.exists('packages/alone/dist')).toBe(false);
    const run = ws.node(['--input-type=module', '-e', "import { app } from '@acme/app/dist/index.js'; console.log(app());"]);
    expect(run.stdout.trim(), run.output).toBe('hi core plain!');
    // Every path a record names exists, even for a build that printed nothing.
    for (const j of jobs) expect(existsSync(ws.path(j.logs)), j.logs).toBe(true);
  });

  it('--only builds just the named project', () => {
    const r = ws.cli(['build', '@acme/app', '--only', '--force', '--json']);
    expect(r.code, r.output).toBe(0);
    expect(json(r).jobs.map((j: any) => j.packageName)).toEqual(['@acme/app']);
  });

  it('an unchanged package is up to date: a success record with cache "up-to-date" and the same outputs, nothing rebuilt', () => {
    const before = ws.latest('packages/utils');
    const r = ws.cli(['build', '@acme/app', '--json']);
    expect(r.code, r.output).toBe(0);
    const jobs = byName(json(r).jobs);
    for (const name of ['@acme/utils', '@acme/core', '@acme/app']) {
      expect(jobs[name], name).toMatchObject({ status: 'success', cache: 'up-to-date', exitCode: 0 });
      expect(jobs[name].upToDateKey).toMatch(/^v1:/);
      expect(jobs[name].phases.find((p: any) => p.name === 'build').status).toBe('skipped');
      expect(existsSync(ws.path(jobs[name].logs))).toBe(true);
    }
    expect(jobs['@acme/utils'].artifacts).toEqual(before.artifacts);
    expect(jobs['@acme/utils'].upToDateKey).toBe(before.upToDateKey);
    // The text summary says so too.
    const text = ws.cli(['build', '@acme/utils']);
    expect(text.stdout).toMatch(/@acme\/utils\s+up to date/);
  });

  it('a source edit rebuilds the package and, through its changed outputs, its dependents', () => {
    ws.write('packages/utils/src/index.ts', 'export const greet = (n: string) => `hello ${n}`;\n');
    const jobs = byName(json(ws.cli(['build', '@acme/app', '--json'])).jobs);
    expect(jobs['@acme/utils'].cache).toBe('miss');
    expect(jobs['@acme/core'].cache).toBe('miss');
    expect(jobs['@acme/app'].cache).toBe('miss');
    const log = ws.read(jobs['@acme/core'].logs);
    expect(log).toContain("a dependency's outputs changed");
    const run = ws.node(['--input-type=module', '-e', "import { app } from '@acme/app/dist/index.js'; console.log(app());"]);
    expect(run.stdout.trim()).toBe('hello core plain!');
  });

  it('a config edit, an env change and --force each rebuild; a touched but equal file does not', () => {
    ws.write('packages/alone/src/index.ts', 'export const alone = 1;\n');
    let r = json(ws.cli(['build', '@acme/alone', '--json']));
    expect(r.jobs[0].cache).toBe('miss');
    r = json(ws.cli(['build', '@acme/alone', '--json']));
    expect(r.jobs[0].cache).toBe('up-to-date');
    // Same content written again: up to date (content, not mtimes).
    ws.write('packages/alone/src/index.ts', 'export const alone = 1;\n');
    expect(json(ws.cli(['build', '@acme/alone', '--json'])).jobs[0].cache).toBe('up-to-date');
    ws.write('packages/alone/build.config.ts', esbuildConfig('\n  minify: true,'));
    r = json(ws.cli(['build', '@acme/alone', '--json']));
    expect(r.jobs[0].cache).toBe('miss');
    expect(ws.read(r.jobs[0].logs)).toContain('the build config changed');
    expect(json(ws.cli(['build', '@acme/alone', '--json'])).jobs[0].cache).toBe('up-to-date');
    r = json(ws.cli(['build', '@acme/alone', '--force', '--json']));
    expect(r.jobs[0].cache).toBe('miss');
    // An env key of the config: a changed value is a changed input.
    expect(json(ws.cli(['build', '@acme/core', '--only', '--json'])).jobs[0].cache).toBe('up-to-date');
    r = json(ws.cli(['build', '@acme/core', '--only', '--json'], { CORE_FLAVOUR: 'spicy' }));
    expect(r.jobs[0].cache).toBe('miss');
    expect(ws.read(r.jobs[0].logs)).toContain('the environment changed');
    expect(ws.read('packages/core/dist/index.js')).toContain('spicy');
    // Another environment is another build.
    r = json(ws.cli(['build', '@acme/core', '--only', '--json', '-c', 'development'], { CORE_FLAVOUR: 'spicy' }));
    expect(r.jobs[0]).toMatchObject({ cache: 'miss', environment: 'development' });
  });

  it('an output modified or removed since the last build is rebuilt', () => {
    expect(json(ws.cli(['build', '@acme/utils', '--json'])).jobs[0].cache).toBe('up-to-date');
    ws.write('packages/utils/dist/index.js', '// tampered\n');
    const r = json(ws.cli(['build', '@acme/utils', '--json']));
    expect(r.jobs[0].cache).toBe('miss');
    expect(ws.read(r.jobs[0].logs)).toContain('output dist/index.js modified');
    expect(ws.read('packages/utils/dist/index.js')).not.toContain('tampered');
  });

  it('status --exit-code exits 1 when stale, 0 when fresh', () => {
    ws.cli(['build', '@acme/utils']);
    expect(ws.cli(['status', '@acme/utils', '--exit-code']).code).toBe(0);
    ws.write('packages/utils/src/extra.ts', 'export const extra = 1;\n');
    const stale = ws.cli(['status', '@acme/utils', '--exit-code']);
    expect(stale.code, stale.output).toBe(1);
    expect(stale.stdout).toContain('added since the last build: src/extra.ts');
    expect(ws.cli(['status', '@acme/utils']).code).toBe(0);
  });

  it('a failure skips only its dependents (records naming the failed dependency); independents still build; exit 1', () => {
    ws.write('packages/utils/src/index.ts', 'export const greet = (n: string) => ;\n');
    ws.write('packages/alone/src/index.ts', 'export const alone = 2;\n');
    const r = ws.cli(['build', '--json']);
    expect(r.code, r.output).toBe(1);
    const jobs = byName(json(r).jobs);
    expect(Object.keys(jobs).sort()).toEqual(['@acme/alone', '@acme/app', '@acme/core', '@acme/utils']);
    expect(jobs['@acme/utils']).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(jobs['@acme/alone']).toMatchObject({ status: 'success', cache: 'miss' });
    for (const name of ['@acme/core', '@acme/app']) {
      expect(jobs[name], name).toMatchObject({ status: 'skipped', exitCode: null, metadata: { failedDependencies: ['@acme/utils'] } });
      expect(jobs[name].errors[0]).toMatchObject({ code: 'DEPENDENCY_FAILED', found: '@acme/utils' });
      expect(jobs[name].errors[0].message).toContain('@acme/utils failed');
      expect(ws.latest(jobs[name].packagePath).id).toBe(jobs[name].id);
      expect(ws.read(jobs[name].logs)).toContain('@acme/utils failed');
    }
    // The text summary lists every package with its status.
    const text = ws.cli(['build']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/@acme\/utils\s+failed/);
    expect(text.stdout).toMatch(/@acme\/core\s+skipped \(@acme\/utils failed\)/);
    expect(text.stdout).toMatch(/@acme\/app\s+skipped \(@acme\/utils failed\)/);
    expect(text.stdout).toMatch(/@acme\/alone\s+up to date/);
    // status explains a skipped latest record.
    expect(ws.cli(['status', '@acme/app']).stdout).toContain('@acme/utils failed');
    ws.write('packages/utils/src/index.ts', 'export const greet = (n: string) => `hello ${n}`;\n');
  });

  it('-c with an environment a named package does not declare fails before anything builds', () => {
    const before = ws.jobs('packages/utils').length;
    const r = ws.cli(['build', '@acme/app', '-c', 'staging', '--json']);
    expect(r.code, r.output).toBe(2);
    // Its own build fails validation (recorded, as any build is); its dependencies never start.
    const [job] = json(r).jobs;
    expect(job).toMatchObject({ packageName: '@acme/app', status: 'failed', exitCode: 2, environment: 'staging' });
    expect(job.errors[0]).toMatchObject({
      code: 'CONFIG_INVALID',
      field: 'environments',
      found: '"staging"',
      file: 'packages/app/build.config.ts',
    });
    expect(ws.jobs('packages/utils').length).toBe(before);
    // Building everything with an environment no package declares: refused, nothing recorded.
    const all = ws.cli(['build', '-c', 'stagign', '--json']);
    expect(all.code).toBe(2);
    expect(json(all).errors[0]).toMatchObject({ code: 'CONFIG_INVALID', message: 'unknown environment "stagign": no package declares it' });
    expect(ws.jobs('packages/utils').length).toBe(before);
  });
});

describe('--parallel and the per-package lock', () => {
  let ws: TempWorkspace;
  // Each prebuild leaves a marker, then waits (up to 60 s) for the other package's: both
  // finish only when the two builds run at the same time.
  const rendezvous = (mine: string, theirs: string) =>
    esbuildConfig(
      `\n  prebuild: { cmd: 'node -e "const fs=require(\\'fs\\');fs.writeFileSync(\\'../${mine}.here\\',\\'\\');const t=Date.now();(function w(){if(fs.existsSync(\\'../${theirs}.here\\'))return;if(Date.now()-t>60000)process.exit(1);setTimeout(w,50)})()"' },`,
    );
  const slow = esbuildConfig(`\n  prebuild: 'node -e "setTimeout(() => {}, 1500)"',`);

  beforeAll(() => {
    ws = createWorkspace({
      noNx: true,
      packages: {
        'packages/left': { name: '@p/left', config: rendezvous('left', 'right'), files: { 'src/index.ts': 'export const left = 1;\n' } },
        'packages/right': { name: '@p/right', config: rendezvous('right', 'left'), files: { 'src/index.ts': 'export const right = 1;\n' } },
        'packages/slow': { name: '@p/slow', config: slow, files: { 'src/index.ts': 'export const slow = 1;\n' } },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('--parallel 2 builds independent packages at once; each build prints as one block', () => {
    const r = ws.cli(['build', '@p/left', '@p/right', '--parallel', '2']);
    expect(r.code, r.output).toBe(0);
    expect(ws.latest('packages/left').status).toBe('success');
    expect(ws.latest('packages/right').status).toBe('success');
    // Blocks: each header is followed by its own package's output, not the other's.
    const blocks = r.stdout.split('\n> build ').slice(1);
    expect(blocks.map((b) => b.split('\n')[0]).sort()).toEqual(['@p/left', '@p/right']);
  });

  it('--parallel takes a positive whole number', () => {
    const r = ws.cli(['build', '--parallel', '0', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).errors[0]).toMatchObject({ code: 'USAGE' });
  });

  it('two invocations building one package at once take turns on its lock; the second finds it up to date', async () => {
    const { spawn } = await import('node:child_process');
    const cli = join(REPO_ROOT, 'dist', 'cli.js');
    const start = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((res) => {
        const child = spawn(process.execPath, [cli, ...args], { cwd: ws.root, env: ws.env() });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code) => res({ code, out }));
      });
    const first = start(['build', '@p/slow', '--json']);
    await waitFor(() => ws.exists('packages/slow/.build-cache/build.lock'), 60_000, 'the first build to take the lock');
    const second = start(['build', '@p/slow', '--json']);
    const [a, b] = await Promise.all([first, second]);
    expect(a.code, a.out).toBe(0);
    expect(b.code, b.out).toBe(0);
    expect(b.out).toContain('waiting for the build lock of @p/slow');
    const [built, checked] = ws.jobs('packages/slow');
    expect(built).toMatchObject({ status: 'success', cache: 'miss' });
    expect(checked).toMatchObject({ status: 'success', cache: 'up-to-date', metadata: { builtBy: built.id } });
    // Serialized: the second took the lock after the first had ended.
    const lockTaken = checked.phases.find((p: any) => p.name === 'lock').endTime;
    expect(Date.parse(lockTaken)).toBeGreaterThanOrEqual(Date.parse(built.endTime));
  });
});
