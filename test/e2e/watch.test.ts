import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processesInGroup } from '../../src/utils/spawn';
import { spawnCli, type Spawned } from '../helpers/live';
import { createWorkspace, esbuildConfig, waitFor, type TempWorkspace, isAlive } from '../helpers/workspace';

/**
 * Watch mode (docs/watch.md), with real processes: `build-system watch` and `nx run x:watch`
 * rebuild on an edit, record `trigger: "watch"` with the changed files, recover from failures,
 * rebuild dependents, and stop on SIGTERM leaving no process and no lock behind.
 */

const UTILS = 'packages/utils';
const APP = 'packages/app';
const HELD = 'packages/held';
const WARM = 'packages/warm';
const PRESET = 'packages/preset';

/** A prebuild hook that, while `<package>/hold` exists, writes its pid and waits (a build stopped at a known phase). */
const HOLD_HOOK = `import { existsSync, writeFileSync } from 'node:fs';
if (existsSync('hold')) {
  writeFileSync('hook.pid', String(process.pid));
  setInterval(() => {}, 1000);
}
`;

const watchJobs = (ws: TempWorkspace, dir: string) => ws.jobs(dir).filter((j) => j.trigger === 'watch');

/** Every file under a directory, relative path → bytes. */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = join(e.parentPath, e.name);
    out[relative(dir, file)] = readFileSync(file, 'base64');
  }
  return out;
}

function packages() {
  return {
    [UTILS]: {
      name: '@acme/utils',
      packageJson: { exports: './dist/index.js', types: './dist/index.d.ts' },
      config: esbuildConfig('\n  dts: true,'),
      files: {
        'src/index.ts': 'export const greet = (n: string): string => `hi ${n}`;\n',
        'tsconfig.json': JSON.stringify({
          compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', skipLibCheck: true },
          include: ['src'],
        }),
      },
    },
    [APP]: {
      name: '@acme/app',
      packageJson: { exports: './dist/index.js', dependencies: { '@acme/utils': '*' } },
      config: esbuildConfig(),
      files: { 'src/index.ts': "import { greet } from '@acme/utils';\nexport const app = () => greet('app') + ' v1';\n" },
    },
    [WARM]: {
      name: '@acme/warm',
      config: esbuildConfig(`\n  format: ['esm', 'cjs'],\n  sourcemap: true,\n  dts: true,`),
      files: {
        'src/index.ts': "import { part } from './helper';\nexport const warm = (): string => part + ' one';\n",
        'src/helper.ts': "export const part: string = 'helper-A';\n",
        'tsconfig.json': JSON.stringify({
          compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2022', skipLibCheck: true },
          include: ['src'],
        }),
      },
    },
    // Its config reads a preset and (through cache.key.files) a data file outside the package.
    [PRESET]: {
      name: '@acme/preset',
      config: `import { defineBuildConfig } from '@repo/build-system';
import { banner } from '../../tools/preset';
export default defineBuildConfig({
  builder: 'esbuild',
  entry: 'src/index.ts',
  outputDir: 'dist',
  define: { BANNER: JSON.stringify(banner) },
  cache: { key: { files: ['{workspaceRoot}/shared/data.txt'] } },
});
`,
      files: { 'src/index.ts': 'declare const BANNER: string;\nexport const preset = BANNER;\n' },
    },
    [HELD]: {
      name: '@acme/held',
      config: esbuildConfig(`\n  prebuild: 'node hold.mjs',`),
      files: { 'src/index.ts': 'export const held = 1;\n', 'hold.mjs': HOLD_HOOK },
    },
  };
}

describe('build-system watch (CLI)', () => {
  let ws: TempWorkspace;
  let run: Spawned | undefined;
  beforeAll(() => {
    ws = createWorkspace({ noNx: true, packages: packages() });
    ws.write('tools/preset.ts', "export const banner = 'preset-one';\n");
    ws.write('shared/data.txt', 'one\n');
  });
  afterEach(async () => {
    if (run && run.child.exitCode === null) {
      run.child.kill('SIGKILL');
      await run.done;
    }
    run = undefined;
  });
  afterAll(() => ws?.dispose());

  it('builds the named package after its dependency, rebuilds on edits with watch records, recovers from failures, rebuilds dependents', async () => {
    run = spawnCli(ws, ['watch', '@acme/app'], {}, true);
    await waitFor(() => run!.output().includes('for changes'), 120_000, 'the initial builds');
    const initial = [watchJobs(ws, UTILS), watchJobs(ws, APP)];
    expect(
      initial.map((jobs) => jobs.map((j) => j.status)),
      run.output(),
    ).toEqual([['success'], ['success']]);
    expect(ws.exists(`${HELD}/dist`)).toBe(false);

    // An edit in the app: one new record, trigger watch, naming the file; new output bytes.
    ws.write(`${APP}/src/index.ts`, "import { greet } from '@acme/utils';\nexport const app = () => greet('app') + ' v2';\n");
    await waitFor(() => watchJobs(ws, APP).length === 2 && watchJobs(ws, APP)[1].status !== 'building', 60_000, 'the app rebuild');
    const edited = watchJobs(ws, APP)[1];
    expect(edited, run.output()).toMatchObject({ status: 'success', cache: 'miss', changedFiles: [`${APP}/src/index.ts`] });
    expect(ws.read(`${APP}/dist/index.js`)).toContain('v2');

    // Two quick edits: at most two builds, the last one with the last bytes.
    const beforeQuick = watchJobs(ws, APP).length;
    ws.write(`${APP}/src/index.ts`, "import { greet } from '@acme/utils';\nexport const app = () => greet('app') + ' quick1';\n");
    ws.write(`${APP}/src/index.ts`, "import { greet } from '@acme/utils';\nexport const app = () => greet('app') + ' quick2';\n");
    await waitFor(
      () => ws.read(`${APP}/dist/index.js`).includes('quick2') && watchJobs(ws, APP).at(-1).status === 'success',
      60_000,
      'the quick edits',
    );
    expect(watchJobs(ws, APP).length - beforeQuick).toBeGreaterThanOrEqual(1);
    expect(watchJobs(ws, APP).length - beforeQuick).toBeLessThanOrEqual(2);

    // A syntax error: a failed record, the watch goes on; the next good edit recovers.
    ws.write(`${APP}/src/index.ts`, 'export const app = () => {\n');
    await waitFor(() => watchJobs(ws, APP).some((j) => j.status === 'failed'), 60_000, 'the failed rebuild');
    const failed = watchJobs(ws, APP).find((j) => j.status === 'failed');
    expect(failed.errors[0]).toMatchObject({ file: expect.stringContaining('index.ts'), line: expect.any(Number) });
    expect(ws.read(`${APP}/dist/index.js`)).toContain('quick2');
    ws.write(`${APP}/src/index.ts`, "import { greet } from '@acme/utils';\nexport const app = () => greet('app') + ' v3';\n");
    await waitFor(() => ws.read(`${APP}/dist/index.js`).includes('v3'), 60_000, 'the recovery');
    await waitFor(() => watchJobs(ws, APP).at(-1).status === 'success', 60_000, 'the recovered record');

    // A type error in the dependency (its declarations fail): failed record, the app is not rebuilt.
    const appBefore = watchJobs(ws, APP).length;
    ws.write(`${UTILS}/src/index.ts`, 'export const greet = (n: string): number => `hi ${n}`;\n');
    await waitFor(() => watchJobs(ws, UTILS).some((j) => j.status === 'failed'), 60_000, 'the type error');
    const typeError = watchJobs(ws, UTILS).find((j) => j.status === 'failed').errors[0];
    expect(typeError).toMatchObject({ code: 'TYPE_ERROR', file: expect.stringContaining('index.ts'), line: 1 });
    // Then fixed: utils rebuilds and the app after it, naming its dependency.
    ws.write(`${UTILS}/src/index.ts`, 'export const greet = (n: string): string => `hello ${n}`;\n');
    await waitFor(() => watchJobs(ws, APP).length > appBefore && watchJobs(ws, APP).at(-1).status !== 'building', 90_000, 'the dependent');
    const utilsLast = watchJobs(ws, UTILS).at(-1);
    expect(utilsLast).toMatchObject({ status: 'success', changedFiles: [`${UTILS}/src/index.ts`] });
    const dependent = watchJobs(ws, APP).at(-1);
    expect(dependent, run.output()).toMatchObject({
      status: 'success',
      changedFiles: [],
      metadata: { dependenciesRebuilt: ['@acme/utils'] },
    });
    expect(watchJobs(ws, APP).length).toBe(appBefore + 1);
    const out = ws.node(['--input-type=module', '-e', "import { app } from '@acme/app'; console.log(app());"]);
    expect(out.stdout.trim(), out.output).toBe('hello app v3');

    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.output).toBe(130);
    expect(processesInGroup(run.child.pid)).toEqual([]);
    for (const dir of [UTILS, APP]) expect(existsSync(ws.path(dir, '.build-cache', 'build.lock'))).toBe(false);
  });

  it('esbuild rebuilds in a kept context: new bytes across edits, a rename, a deleted import and a type error, as a fresh build makes them', async () => {
    run = spawnCli(ws, ['watch', '@acme/warm'], {}, true);
    await waitFor(() => run!.output().includes('for changes'), 120_000, 'the initial build');
    const [initial] = watchJobs(ws, WARM);
    expect(initial, run.output()).toMatchObject({
      status: 'success',
      metadata: { warm: { reused: false, state: 'esbuild context (esm, cjs)' } },
    });
    const rebuilt = async (what: string, n: number) => {
      await waitFor(() => watchJobs(ws, WARM).length >= n && watchJobs(ws, WARM).at(-1).status !== 'building', 60_000, what);
      return watchJobs(ws, WARM).at(-1);
    };
    const bothFormats = () => ws.read(`${WARM}/dist/index.js`) + ws.read(`${WARM}/dist/index.cjs`);

    // An edit: the context of each format is reused, both outputs have the new bytes.
    ws.write(`${WARM}/src/index.ts`, "import { part } from './helper';\nexport const warm = (): string => part + ' two';\n");
    const edited = await rebuilt('the edit', 2);
    expect(edited, run.output()).toMatchObject({ status: 'success', metadata: { warm: { reused: true } } });
    expect(readFileSync(ws.log(edited), 'utf8')).toContain('reused esbuild context (esm, cjs)');
    expect(ws.read(`${WARM}/dist/index.js`)).toContain(' two');
    expect(ws.read(`${WARM}/dist/index.cjs`)).toContain(' two');

    // A rename of the imported file: the new one is bundled, nothing of the old one is left.
    ws.write(`${WARM}/src/renamed.ts`, "export const part: string = 'helper-B';\n");
    ws.write(`${WARM}/src/index.ts`, "import { part } from './renamed';\nexport const warm = (): string => part + ' two';\n");
    rmSync(ws.path(WARM, 'src', 'helper.ts'));
    await waitFor(
      () => bothFormats().includes('helper-B') && watchJobs(ws, WARM).at(-1).status === 'success',
      60_000,
      'the renamed import',
    );
    expect(bothFormats()).not.toContain('helper-A');

    // The imported file deleted: the kept context does not serve it from memory; located error, outputs kept.
    const beforeDelete = watchJobs(ws, WARM).length;
    rmSync(ws.path(WARM, 'src', 'renamed.ts'));
    const missing = await rebuilt('the deleted import', beforeDelete + 1);
    expect(missing, run.output()).toMatchObject({ status: 'failed', changedFiles: [`${WARM}/src/renamed.ts`] });
    expect(missing.errors[0]).toMatchObject({ file: `${WARM}/src/index.ts`, line: 1, message: expect.stringContaining('./renamed') });
    expect(bothFormats()).toContain('helper-B');
    ws.write(`${WARM}/src/renamed.ts`, "export const part: string = 'helper-C';\n");
    const restored = await rebuilt('the restored import', beforeDelete + 2);
    expect(restored, run.output()).toMatchObject({ status: 'success', metadata: { warm: { reused: true } } });
    expect(bothFormats()).toContain('helper-C');

    // A type error (declarations fail): failed, outputs kept; the fix recovers in the same context.
    const beforeType = watchJobs(ws, WARM).length;
    ws.write(`${WARM}/src/index.ts`, "import { part } from './renamed';\nexport const warm = (): number => part + ' bad';\n");
    const typeError = await rebuilt('the type error', beforeType + 1);
    expect(typeError.errors[0], run.output()).toMatchObject({ code: 'TYPE_ERROR', file: `${WARM}/src/index.ts`, line: 2 });
    expect(bothFormats()).not.toContain(' bad');
    ws.write(`${WARM}/src/index.ts`, "import { part } from './renamed';\nexport const warm = (): string => part + ' fixed';\n");
    const fixed = await rebuilt('the fix', beforeType + 2);
    expect(fixed, run.output()).toMatchObject({ status: 'success', metadata: { warm: { reused: true } } });
    expect(ws.read(`${WARM}/dist/index.cjs`)).toContain(' fixed');

    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.output).toBe(130);
    expect(processesInGroup(run.child.pid)).toEqual([]);
    expect(existsSync(ws.path(WARM, '.build-cache', 'build.lock'))).toBe(false);

    // What the kept context wrote is what a build without one writes, byte for byte (source maps included).
    const fromWatch = filesOf(ws.path(WARM, 'dist'));
    expect(Object.keys(fromWatch).sort()).toEqual(expect.arrayContaining(['index.js', 'index.js.map', 'index.cjs', 'index.cjs.map']));
    const fresh = ws.cli(['build', '@acme/warm', '--force']);
    expect(fresh.code, fresh.output).toBe(0);
    expect(filesOf(ws.path(WARM, 'dist'))).toEqual(fromWatch);
  });

  it('files outside the package that its config reads (an imported preset, cache.key.files) rebuild it when edited', async () => {
    run = spawnCli(ws, ['watch', '@acme/preset'], {}, true);
    await waitFor(() => run!.output().includes('for changes'), 120_000, 'the initial build');
    expect(ws.read(`${PRESET}/dist/index.js`)).toContain('preset-one');
    const settled = (n: number) => watchJobs(ws, PRESET).length >= n && watchJobs(ws, PRESET).at(-1).status !== 'building';

    ws.write('tools/preset.ts', "export const banner = 'preset-two';\n");
    await waitFor(() => settled(2), 60_000, 'the rebuild after the preset edit');
    expect(watchJobs(ws, PRESET).at(-1), run.output()).toMatchObject({ status: 'success', changedFiles: ['tools/preset.ts'] });
    expect(ws.read(`${PRESET}/dist/index.js`)).toContain('preset-two');

    ws.write('shared/data.txt', 'two\n');
    await waitFor(() => settled(3), 60_000, 'the rebuild after the data edit');
    expect(watchJobs(ws, PRESET).at(-1), run.output()).toMatchObject({
      status: 'success',
      cache: 'miss',
      changedFiles: ['shared/data.txt'],
    });

    run.child.kill('SIGTERM');
    expect((await run.done).code).toBe(130);
  });

  it('SIGTERM during a rebuild: the build is cancelled, its hook is gone, the lock is free', async () => {
    run = spawnCli(ws, ['watch', '@acme/held'], {}, true);
    await waitFor(() => run!.output().includes('for changes'), 120_000, 'the initial build');
    ws.write(`${HELD}/hold`, '');
    await waitFor(() => ws.exists(`${HELD}/hook.pid`), 60_000, 'the held rebuild');
    const hookPid = Number(ws.read(`${HELD}/hook.pid`));
    expect(existsSync(ws.path(HELD, '.build-cache', 'build.lock'))).toBe(true);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.output).toBe(130);
    const last = watchJobs(ws, HELD).at(-1);
    expect(last).toMatchObject({ status: 'cancelled', changedFiles: [`${HELD}/hold`] });
    await waitFor(() => !isAlive(hookPid), 10_000, 'the hook to be gone');
    expect(processesInGroup(run.child.pid)).toEqual([]);
    expect(existsSync(ws.path(HELD, '.build-cache', 'build.lock'))).toBe(false);
  });
});

describe('nx run <project>:watch', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ packages: packages() });
  });
  afterAll(() => ws?.dispose());

  it('is an inferred continuous target whose executor rebuilds on an edit', async () => {
    const shown = ws.nx(['show', 'project', '@acme/app', '--json']);
    expect(shown.code, shown.output).toBe(0);
    expect(JSON.parse(shown.stdout).targets.watch).toMatchObject({ executor: '@repo/build-system:watch', continuous: true });

    const run = ws.spawnNx(['run', '@acme/app:watch'], {}, true);
    try {
      await waitFor(() => run.output().includes('for changes'), 120_000, 'the initial builds');
      expect(
        watchJobs(ws, UTILS).map((j) => j.status),
        run.output(),
      ).toEqual(['success']);
      ws.write(`${APP}/src/index.ts`, "import { greet } from '@acme/utils';\nexport const app = () => greet('nx') + ' v2';\n");
      await waitFor(
        () => watchJobs(ws, APP).at(-1)?.status === 'success' && ws.read(`${APP}/dist/index.js`).includes('v2'),
        60_000,
        'the rebuild',
      );
      expect(watchJobs(ws, APP).at(-1)).toMatchObject({ changedFiles: [`${APP}/src/index.ts`], metadata: { runner: 'watch' } });
    } finally {
      process.kill(-run.child.pid!, 'SIGTERM');
      await run.done;
    }
    expect(existsSync(ws.path(APP, '.build-cache', 'build.lock'))).toBe(false);
  });
});
