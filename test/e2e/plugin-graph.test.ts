import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, esbuildConfig, REPO_ROOT, type TempWorkspace } from '../helpers/workspace';

describe('target inference under real nx', () => {
  let ws: TempWorkspace;

  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/good': { name: '@t/good', config: esbuildConfig(), files: { 'src/index.ts': 'export const good = true;\n' } },
        'packages/broken': {
          name: '@t/broken',
          config: `import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig({ builder: 'esbuild', ,, });\n`,
          files: { 'src/index.ts': 'export const b = 1;\n' },
        },
        'packages/invalid': {
          name: '@t/invalid',
          config: `import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig({ builder: 'webpack' as any, outputDir: '..' });\n`,
          files: { 'src/index.ts': 'export const i = 1;\n' },
        },
        'packages/unbuilt': {
          name: '@t/unbuilt',
          // unbuild's config has the same file name: never executed, never a target.
          config: `import { defineBuildConfig } from 'unbuild';\nthrow new Error('must not be executed');\nexport default defineBuildConfig({ entries: ['src/index'] });\n`,
          files: { 'src/index.ts': 'export const u = 1;\n' },
        },
        'packages/envs': {
          name: '@t/envs',
          config: `import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig({ builder: 'esbuild', outputDir: 'out', env: { API_URL: 'https://example.test' }, secretEnv: ['NPM_TOKEN'], cache: { include: ['src/**'], exclude: ['src/**/*.stories.ts'] } });\n`,
          files: { 'src/index.ts': 'export const e = process.env.API_URL;\n' },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('a config that fails to load does not break the graph; its build fails naming the file', () => {
    const shown = ws.nx(['show', 'projects', '--json']);
    expect(shown.code, shown.output).toBe(0);
    const projects = JSON.parse(shown.stdout);
    expect(projects).toEqual(expect.arrayContaining(['@t/good', '@t/broken', '@t/invalid', '@t/envs']));

    const good = ws.nx(['run', '@t/good:build']);
    expect(good.code, good.output).toBe(0);

    const broken = ws.nx(['run', '@t/broken:build']);
    expect(broken.code).not.toBe(0);
    expect(broken.output).toContain('packages/broken/build.config.ts');
    expect(broken.output).toContain('CONFIG_LOAD_FAILED');
    expect(ws.latest('packages/broken')).toMatchObject({ status: 'failed', exitCode: 2 });
  });

  it('an invalid config fails before anything runs, naming file, field, expected and found', () => {
    const r = ws.nx(['run', '@t/invalid:build']);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(
      /packages\/invalid\/build\.config\.ts: \[CONFIG_INVALID\] not an allowed value \(field `builder`\) — expected .*"esbuild".*found string "webpack"/,
    );
    expect(r.output).toContain('field `outputDir`');
    const job = ws.latest('packages/invalid');
    expect(job.status).toBe('failed');
    expect(job.phases.map((p: any) => p.name)).toEqual(['validate']);
    expect(job.errors.map((e: any) => e.field).sort()).toEqual(['builder', 'outputDir']);
    expect(ws.exists('dist')).toBe(false);
  });

  it('skips foreign build.config.ts files without executing them', () => {
    const r = ws.nx(['show', 'project', '@t/unbuilt', '--json']);
    expect(r.code, r.output).toBe(0);
    expect(JSON.parse(r.stdout).targets?.build).toBeUndefined();
  });

  it('narrows inputs by cache include/exclude and adds env inputs; outputs follow outputDir', () => {
    const r = ws.nx(['show', 'project', '@t/envs', '--json']);
    const build = JSON.parse(r.stdout).targets.build;
    expect(build.inputs).toEqual(
      expect.arrayContaining([
        '{projectRoot}/src/**',
        '!{projectRoot}/src/**/*.stories.ts',
        '^production',
        { env: 'API_URL' },
        { env: 'NPM_TOKEN' },
        '!{projectRoot}/out/**/*',
      ]),
    );
    expect(build.inputs).not.toContain('production');
    expect(build.outputs).toEqual(['{projectRoot}/out']);
  });

  it('an env input value changes the hash; .build-cache content never does', () => {
    // Not even when .build-cache is missing from .gitignore: the inputs exclude it.
    ws.write('.gitignore', 'node_modules\n.nx\n');
    let r = ws.nx(['run', '@t/envs:build']);
    expect(r.code, r.output).toBe(0);
    ws.write('packages/envs/.build-cache/unrelated.txt', 'noise');
    r = ws.nx(['run', '@t/envs:build']);
    expect(r.output).toContain('local cache');
    // A package whose inputs are the whole project (the default named input).
    expect(ws.nx(['run', '@t/good:build']).code).toBe(0);
    ws.write('packages/good/.build-cache/unrelated.txt', 'noise');
    r = ws.nx(['run', '@t/good:build']);
    expect(r.output).toContain('local cache');
    r = ws.nx(['run', '@t/envs:build'], { API_URL: 'https://other.test' });
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('local cache');
  });

  it('sees config edits on the next graph computation, with the daemon on', () => {
    const env = { NX_DAEMON: 'true' };
    try {
      let r = ws.nx(['show', 'project', '@t/good', '--json'], env);
      expect(r.code, r.output).toBe(0);
      expect(JSON.parse(r.stdout).targets.build.outputs).toEqual(['{projectRoot}/dist']);
      ws.write('packages/good/build.config.ts', esbuildConfig().replace("outputDir: 'dist'", "outputDir: 'lib'"));
      r = ws.nx(['show', 'project', '@t/good', '--json'], env);
      expect(JSON.parse(r.stdout).targets.build.outputs).toEqual(['{projectRoot}/lib']);
    } finally {
      ws.nx(['daemon', '--stop'], env);
    }
  });

  it('recomputes cached targets when the plugin version changes', () => {
    const pkgFile = join(REPO_ROOT, 'package.json');
    const original = readFileSync(pkgFile, 'utf8');
    let r = ws.nx(['show', 'project', '@t/good', '--json']);
    expect(r.code).toBe(0);
    ws.write('packages/good/build.config.ts', esbuildConfig().replace("outputDir: 'dist'", "outputDir: 'dist'"));
    const cacheFiles = () =>
      require('node:fs')
        .readdirSync(ws.path('.nx/workspace-data'))
        .filter((f: string) => f.startsWith('build-system-'));
    expect(cacheFiles().length).toBe(1);
    const cacheFile = ws.path('.nx/workspace-data', cacheFiles()[0]);
    const before = Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8')));
    try {
      writeFileSync(pkgFile, original.replace(/"version": "[^"]+"/, '"version": "99.0.0-test"'));
      r = ws.nx(['show', 'project', '@t/good', '--json']);
      expect(r.code, r.output).toBe(0);
      const after = Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8')));
      expect(after.some((k) => !before.includes(k))).toBe(true);
    } finally {
      writeFileSync(pkgFile, original);
    }
  });
});
