import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkRelative } from '../../src/utils/files';
import { createWorkspace, esbuildConfig, REPO_ROOT, type RunResult, type TempWorkspace } from '../helpers/workspace';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');

/** Every file below a directory with its bytes (no symlinks followed). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of [...walkRelative(dir)].sort()) out[rel] = readFileSync(join(dir, rel), 'utf8');
  return out;
}

describe('.build-cache that is a symlink, or has one inside', () => {
  let ws: TempWorkspace;
  const OUTSIDE = {
    'keep.txt': 'precious',
    'state/esbuild/keep.txt': 'precious state',
    'staging/keep.txt': 'precious staging',
    'trash/old/keep.txt': 'precious trash',
    'jobs/keep.txt': 'precious jobs',
  };
  beforeAll(() => {
    ws = createWorkspace({
      packages: { 'packages/a': { name: '@t/a', config: esbuildConfig(), files: { 'src/index.ts': 'export const a = 1;\n' } } },
    });
    for (const [f, c] of Object.entries(OUTSIDE)) ws.write(`outside/${f}`, c);
    expect(ws.cli(['build', '@t/a']).code).toBe(0);
  });
  afterAll(() => ws?.dispose());

  const expectRefused = (r: RunResult, what: string) => {
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('UNSAFE_PATH');
    expect(r.output).toContain(what);
    expect(tree(ws.path('outside'))).toEqual(OUTSIDE);
  };

  it('clean, clean --cache and build refuse a .build-cache linked out of the workspace, and delete nothing', () => {
    rmSync(ws.path('packages/a/.build-cache'), { recursive: true, force: true });
    symlinkSync(ws.path('outside'), ws.path('packages/a/.build-cache'));
    expectRefused(ws.cli(['clean', '@t/a']), 'packages/a/.build-cache');
    expectRefused(ws.cli(['clean', '@t/a', '--cache']), 'packages/a/.build-cache');
    expectRefused(ws.cli(['build', '@t/a']), 'packages/a/.build-cache');
    const viaNx = ws.nx(['run', '@t/a:clean']);
    expect(viaNx.code).not.toBe(0);
    expect(viaNx.output).toContain('UNSAFE_PATH');
    expect(tree(ws.path('outside'))).toEqual(OUTSIDE);
    expect(lstatSync(ws.path('packages/a/.build-cache')).isSymbolicLink()).toBe(true);
    expect(ws.exists('packages/a/dist/index.js')).toBe(true);
  });

  it('a directory inside .build-cache linked out of the package is refused too', () => {
    rmSync(ws.path('packages/a/.build-cache'));
    mkdirSync(ws.path('packages/a/.build-cache'));
    symlinkSync(ws.path('outside/state'), ws.path('packages/a/.build-cache/state'));
    expectRefused(ws.cli(['clean', '@t/a']), 'packages/a/.build-cache/state');
    expectRefused(ws.cli(['build', '@t/a']), 'packages/a/.build-cache/state');
    rmSync(ws.path('packages/a/.build-cache/state'));
    symlinkSync(ws.path('outside/trash'), ws.path('packages/a/.build-cache/trash'));
    expectRefused(ws.cli(['clean', '@t/a', '--cache']), 'packages/a/.build-cache/trash');
    rmSync(ws.path('packages/a/.build-cache/trash'));
    const ok = ws.cli(['build', '@t/a']);
    expect(ok.code, ok.output).toBe(0);
  });
});

describe('artifactGlobs never follow a symlink out of the package', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: { 'packages/b': { name: '@t/b', config: esbuildConfig(), files: { 'src/index.ts': 'export const b = 1;\n' } } },
    });
    // A "system" directory outside the workspace package, reached through lib/ and build/.
    for (let i = 0; i < 30; i++) ws.write(`system/share/f${i}.js`, `// ${i}\n`);
    ws.write('system/share/deep/x.txt', 'x');
    symlinkSync(ws.path('system/share'), ws.path('packages/b/lib'));
    symlinkSync(ws.path('system'), ws.path('packages/b/build'));
  });
  afterAll(() => ws?.dispose());

  it('default globs (dist/**, build/**, lib/**, *.tgz) record only the package own outputs', () => {
    const r = ws.cli(['build', '@t/b']);
    expect(r.code, r.output).toBe(0);
    expect(ws.latest('packages/b').artifacts.map((a: any) => a.path)).toEqual(['dist/index.js']);
  });

  it('globs that need fast-glob neither', () => {
    ws.write('packages/b/build.config.ts', esbuildConfig(`\n  artifactGlobs: ['dist/*.js', 'lib/**/*.{js,txt}', 'build/share/*.js'],`));
    const r = ws.cli(['build', '@t/b']);
    expect(r.code, r.output).toBe(0);
    expect(ws.latest('packages/b').artifacts.map((a: any) => a.path)).toEqual(['dist/index.js']);
  });
});

describe('outputs with a read-only directory, built by a user who is not root', () => {
  let ws: TempWorkspace;
  // Root ignores permissions: drop to `nobody` (and prove it: the build logs its uid).
  const root = process.getuid?.() === 0;
  const asUser = (args: string[]) => {
    const cmd = root ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    const r = spawnSync(cmd[0], [...cmd.slice(1), CLI, ...args], { cwd: ws.root, env: ws.env(), encoding: 'utf8' });
    return { code: r.status, output: `${r.stdout}${r.stderr}` };
  };
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/c': {
          name: '@t/c',
          config: `import { defineBuildConfig } from '@repo/build-system';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
export default defineBuildConfig({
  builder: 'custom',
  builderOptions: {
    run: async ({ outDir, log }) => {
      log('uid ' + process.getuid());
      mkdirSync(outDir + '/ro/inner', { recursive: true });
      writeFileSync(outDir + '/ro/inner/x.js', 'export {};\\n');
      writeFileSync(outDir + '/index.js', 'export {};\\n');
      chmodSync(outDir + '/ro/inner', 0o555);
      chmodSync(outDir + '/ro', 0o555);
      chmodSync(outDir, 0o555);
    },
  },
});
`,
          files: { 'src/index.ts': 'export {};\n' },
        },
      },
    });
    if (root) spawnSync('chown', ['-R', '-h', '65534:65534', ws.root]);
  });
  afterAll(() => ws?.dispose());

  it('later builds and clean remove what earlier builds left read-only', () => {
    for (let i = 0; i < 2; i++) {
      // --force: the second build must run (not be up to date) to meet what the first left read-only.
      const r = asUser(['build', '@t/c', '--force']);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain(root ? 'uid 65534' : `uid ${process.getuid?.()}`);
      expect(ws.exists('packages/c/dist/ro/inner/x.js')).toBe(true);
    }
    const clean = asUser(['clean', '@t/c']);
    expect(clean.code, clean.output).toBe(0);
    expect(ws.exists('packages/c/dist')).toBe(false);
    expect(existsSync(ws.path('packages/c/.build-cache/trash'))).toBe(false);
    expect(asUser(['build', '@t/c']).code).toBe(0);
  });
});

describe('.build-cache on another file system than the outputs', () => {
  let ws: TempWorkspace;
  let mounted = false;
  const cacheDir = () => ws.path('packages/d/.build-cache');
  beforeAll(() => {
    ws = createWorkspace({
      packages: { 'packages/d': { name: '@t/d', config: esbuildConfig(), files: { 'src/index.ts': 'export const d = 1;\n' } } },
    });
    mkdirSync(cacheDir());
    // A tmpfs needs root (CAP_SYS_ADMIN): elsewhere this test cannot set the situation up.
    mounted = spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', cacheDir()]).status === 0;
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', [cacheDir()]);
    ws?.dispose();
  });

  it('builds swap outputs in by copying across devices; clean works', (ctx) => {
    if (!mounted) ctx.skip();
    for (const value of [1, 2]) {
      ws.write('packages/d/src/index.ts', `export const d = ${value};\n`);
      const r = ws.cli(['build', '@t/d']);
      expect(r.code, r.output).toBe(0);
      expect(ws.read('packages/d/dist/index.js')).toContain(`d = ${value}`);
    }
    expect(JSON.parse(ws.cli(['status', '@t/d', '--json']).stdout).stale).toBe(false);
    const clean = ws.cli(['clean', '@t/d']);
    expect(clean.code, clean.output).toBe(0);
    expect(ws.exists('packages/d/dist')).toBe(false);
    const cleanCache = ws.cli(['clean', '@t/d', '--cache']);
    expect(cleanCache.code, cleanCache.output).toBe(0);
    expect(ws.cli(['build', '@t/d']).code).toBe(0);
  });
});
