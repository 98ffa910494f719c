import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, esbuildConfig, REPO_ROOT, type TempWorkspace } from '../helpers/workspace';

const TURBO = join(REPO_ROOT, 'node_modules', '.bin', 'turbo');
const TURBO_ENV = { TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1', DO_NOT_TRACK: '1', TURBO_UI: 'false' };

/** The turbo.json README.md documents ("Without Nx"): our up-to-date check decides, turbo orders. */
const TURBO_JSON = {
  $schema: 'https://turbo.build/schema.json',
  tasks: {
    build: { dependsOn: ['^build'], outputs: ['dist/**'], env: ['GREETING'], cache: false },
  },
};

/**
 * A plain npm workspace run by the real `turbo` (2.x), each package's `build` script being
 * `build-system build`: turbo orders the packages, the CLI builds one each and records it.
 */
describe('Turborepo: turbo run build with build-system build as the package script', () => {
  let ws: TempWorkspace;
  const script = { scripts: { build: 'build-system build' } };

  beforeAll(() => {
    ws = createWorkspace({
      noNx: true,
      git: true,
      packages: {
        'packages/utils': {
          name: '@acme/utils',
          packageJson: { ...script, exports: './dist/index.js' },
          config: esbuildConfig(),
          files: { 'src/index.ts': 'export const greet = (n: string) => `hi ${n}`;\n' },
        },
        'packages/core': {
          name: '@acme/core',
          packageJson: { ...script, exports: './dist/index.js', dependencies: { '@acme/utils': '*' } },
          config: esbuildConfig(
            `\n  env: { GREETING: 'hello' },\n  define: { GREETING: JSON.stringify(process.env.GREETING ?? 'hello') },`,
          ),
          files: {
            'src/index.ts':
              "import { greet } from '@acme/utils';\ndeclare const GREETING: string;\nexport const core = () => greet('core') + ' ' + GREETING;\n",
          },
        },
        'packages/app': {
          name: '@acme/app',
          packageJson: { ...script, dependencies: { '@acme/core': '*' } },
          config: esbuildConfig(),
          files: { 'src/index.ts': "import { core } from '@acme/core';\nexport const app = () => core() + '!';\n" },
        },
      },
    });
    const root = ws.json('package.json');
    ws.write('package.json', JSON.stringify({ ...root, packageManager: 'npm@10.9.2' }, null, 2));
    ws.write('turbo.json', JSON.stringify(TURBO_JSON, null, 2));
    // What `npm install` of @repo/build-system puts in node_modules/.bin.
    symlinkSync('../@repo/build-system/dist/cli.js', ws.path('node_modules/.bin/build-system'));
    ws.git('add', '-A');
    ws.git('commit', '-qm', 'turbo');
  });
  afterAll(() => ws?.dispose());

  const turbo = (extra: Record<string, string> = {}) => ws.run(TURBO, ['run', 'build', '--no-daemon'], { ...TURBO_ENV, ...extra });
  const latest = (dir: string) => ws.latest(`packages/${dir}`);

  it('builds every package in dependency order, each leaving a record', () => {
    const r = turbo();
    expect(r.code, r.output).toBe(0);
    const [utils, core, app] = ['utils', 'core', 'app'].map(latest);
    for (const j of [utils, core, app]) expect(j).toMatchObject({ status: 'success', cache: 'miss', trigger: 'cli' });
    // A dependent started after its dependency's record was complete.
    expect(Date.parse(core.startTime)).toBeGreaterThanOrEqual(Date.parse(utils.endTime));
    expect(Date.parse(app.startTime)).toBeGreaterThanOrEqual(Date.parse(core.endTime));
    const run = ws.node(['--input-type=module', '-e', "import { app } from '@acme/app/dist/index.js'; console.log(app());"]);
    expect(run.stdout.trim(), run.output).toBe('hi core hello!');
  });

  it('a second run leaves an up-to-date record per package (turbo runs every script, our check decides)', () => {
    const before = ['utils', 'core', 'app'].map((d) => ws.jobs(`packages/${d}`).length);
    const r = turbo();
    expect(r.code, r.output).toBe(0);
    ['utils', 'core', 'app'].forEach((d, i) => {
      expect(ws.jobs(`packages/${d}`).length).toBe(before[i] + 1);
      expect(latest(d), r.output).toMatchObject({ status: 'success', cache: 'up-to-date' });
    });
  });

  it('an edit rebuilds the package and its dependents; an env value declared in turbo.json reaches the build', () => {
    ws.write('packages/utils/src/index.ts', 'export const greet = (n: string) => `hey ${n}`;\n');
    let r = turbo();
    expect(r.code, r.output).toBe(0);
    for (const d of ['utils', 'core', 'app']) expect(latest(d).cache, d).toBe('miss');
    r = turbo({ GREETING: 'howdy' });
    expect(r.code, r.output).toBe(0);
    expect(latest('utils').cache).toBe('up-to-date');
    expect(latest('core').cache).toBe('miss');
    const run = ws.node(['--input-type=module', '-e', "import { app } from '@acme/app/dist/index.js'; console.log(app());"]);
    expect(run.stdout.trim(), run.output).toBe('hey core howdy!');
  });

  it('a failing package fails the turbo run; its dependents are not run', () => {
    ws.write('packages/utils/src/index.ts', 'export const greet = (n: string) => ;\n');
    const appJobs = ws.jobs('packages/app').length;
    const r = turbo();
    expect(r.code).not.toBe(0);
    expect(latest('utils')).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(r.output).toContain('packages/utils/src/index.ts:1:');
    expect(ws.jobs('packages/app').length).toBe(appJobs);
    ws.write('packages/utils/src/index.ts', 'export const greet = (n: string) => `hey ${n}`;\n');
  });
});
