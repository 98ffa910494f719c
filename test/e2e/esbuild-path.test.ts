import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, esbuildConfig, type TempWorkspace } from '../helpers/workspace';

const sha256 = (buf: Buffer) => `sha256:${createHash('sha256').update(buf).digest('hex')}`;

describe('esbuild path end to end (real nx)', () => {
  let ws: TempWorkspace;

  beforeAll(() => {
    ws = createWorkspace({
      git: true,
      packages: {
        'packages/util': {
          name: '@t/util',
          config: esbuildConfig(),
          files: {
            'src/index.ts': `export const double = (n: number): number => n * 2;\n`,
            'src/index.test.ts': `// a test file, excluded from production inputs\n`,
          },
        },
        'packages/app': {
          name: '@t/app',
          packageJson: { dependencies: { '@t/util': '*' } },
          config: esbuildConfig(),
          files: { 'src/index.ts': `import { double } from '@t/util';\nexport const quadruple = (n: number) => double(double(n));\n` },
        },
        'packages/leaf': {
          name: '@t/leaf',
          config: esbuildConfig(),
          files: { 'src/index.ts': `export const leaf = 'leaf';\n` },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('infers build and clean targets with precise inputs and outputs', () => {
    const r = ws.nx(['show', 'project', '@t/util', '--json']);
    expect(r.code, r.output).toBe(0);
    const project = JSON.parse(r.stdout);
    const build = project.targets.build;
    expect(build.executor).toBe('@repo/build-system:build');
    expect(build.cache).toBe(true);
    expect(build.dependsOn).toEqual(['^build']);
    expect(build.outputs).toEqual(['{projectRoot}/dist']);
    expect(build.inputs).toContain('production');
    expect(build.inputs).toContain('^production');
    expect(build.inputs).toContain('{projectRoot}/build.config.ts');
    expect(build.inputs).toContain('!{projectRoot}/.build-cache/**/*');
    expect(build.inputs).toContainEqual({ externalDependencies: ['esbuild'] });
    expect(Object.keys(build.configurations).sort()).toEqual(['ci', 'development', 'production']);
    expect(build.metadata.technologies).toEqual(['esbuild']);
    expect(project.targets.clean.executor).toBe('@repo/build-system:clean');
  });

  it('builds, records a success with checksums, then hits the cache', async () => {
    const r = ws.nx(['run', '@t/util:build']);
    expect(r.code, r.output).toBe(0);
    const mod = await import(ws.path('packages/util/dist/index.js'));
    expect(mod.double(21)).toBe(42);
    const job = ws.latest('packages/util');
    expect(job.status).toBe('success');
    expect(job.exitCode).toBe(0);
    expect(job.packageName).toBe('@t/util');
    expect(job.builder).toBe('esbuild');
    expect(job.inputHash).toMatch(/^\d+$/);
    expect(job.phases.map((p: any) => p.name)).toEqual(['validate', 'lock', 'prebuild', 'build', 'dts', 'postbuild', 'artifacts', 'check']);
    const js = job.artifacts.find((a: any) => a.path === 'dist/index.js');
    expect(js.checksum).toBe(sha256(readFileSync(ws.path('packages/util/dist/index.js'))));
    expect(js.size).toBe(readFileSync(ws.path('packages/util/dist/index.js')).length);

    const again = ws.nx(['run', '@t/util:build']);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toMatch(/local cache|existing outputs match the cache/);
  });

  it('restores a deleted dist from the cache', () => {
    rmSync(ws.path('packages/util/dist'), { recursive: true, force: true });
    const r = ws.nx(['run', '@t/util:build']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('local cache');
    expect(ws.exists('packages/util/dist/index.js')).toBe(true);
  });

  it('misses the cache on source and config edits, not on test-file edits', () => {
    ws.write('packages/util/src/index.test.ts', '// edited test file\n');
    let r = ws.nx(['run', '@t/util:build']);
    expect(r.output).toContain('local cache');

    ws.write('packages/util/src/index.ts', `export const double = (n: number): number => n + n;\n`);
    r = ws.nx(['run', '@t/util:build']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('local cache');

    ws.write('packages/util/build.config.ts', esbuildConfig(`\n  minify: true,`));
    r = ws.nx(['run', '@t/util:build']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('local cache');
    expect(ws.read('packages/util/dist/index.js')).not.toContain('\n  ');
  });

  it('builds workspace dependencies first', () => {
    rmSync(ws.path('packages/util/dist'), { recursive: true, force: true });
    const r = ws.nx(['run', '@t/app:build', '--skip-nx-cache']);
    expect(r.code, r.output).toBe(0);
    const util = ws.latest('packages/util');
    const app = ws.latest('packages/app');
    expect(new Date(util.endTime).getTime()).toBeLessThanOrEqual(new Date(app.startTime).getTime());
    // @t/util is a dependency: external, not bundled.
    expect(ws.read('packages/app/dist/index.js')).toContain('@t/util');
  });

  it('nx affected builds exactly the changed package and its dependents', () => {
    ws.git('add', '-A');
    ws.git('commit', '-qm', 'edits');
    ws.write('packages/util/src/index.ts', `export const double = (n: number): number => 2 * n;\n`);
    const r = ws.nx(['affected', '-t', 'build', '--base=HEAD', '--skip-nx-cache']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('@t/util:build');
    expect(r.output).toContain('@t/app:build');
    expect(r.output).not.toContain('@t/leaf:build');
  });

  it('fails on a compile error with a located error in the record', () => {
    ws.write('packages/leaf/src/index.ts', `export const leaf = 'leaf';\nexport const broken = (;\n`);
    const r = ws.nx(['run', '@t/leaf:build']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('packages/leaf/src/index.ts:2:');
    const job = ws.latest('packages/leaf');
    expect(job.status).toBe('failed');
    expect(job.exitCode).toBe(1);
    expect(job.errors[0]).toMatchObject({ code: 'COMPILE_ERROR', phase: 'build', file: 'packages/leaf/src/index.ts', line: 2 });
    expect(job.errors[0].column).toBeGreaterThan(0);
    ws.write('packages/leaf/src/index.ts', `export const leaf = 'leaf';\n`);
  });

  it('dts: declarations beside the bundle; a type error fails the build and keeps the previous dist', () => {
    ws.write('packages/leaf/build.config.ts', esbuildConfig(`\n  dts: true,`));
    let r = ws.nx(['run', '@t/leaf:build']);
    expect(r.code, r.output).toBe(0);
    expect(ws.read('packages/leaf/dist/index.d.ts')).toContain('declare const leaf = "leaf";');
    const before = ws.read('packages/leaf/dist/index.js');
    ws.write('packages/leaf/src/index.ts', `export const leaf: number = 'leaf';\n`);
    r = ws.nx(['run', '@t/leaf:build']);
    expect(r.code).not.toBe(0);
    const job = ws.latest('packages/leaf');
    expect(job.status).toBe('failed');
    expect(job.errors[0]).toMatchObject({ code: 'TYPE_ERROR', phase: 'dts', file: 'packages/leaf/src/index.ts', line: 1, column: 14 });
    expect(job.errors[0].message).toContain('TS2322');
    expect(ws.read('packages/leaf/dist/index.js')).toBe(before);
    ws.write('packages/leaf/src/index.ts', `export const leaf = 'leaf';\n`);
  });

  it('configurations map onto environments', () => {
    ws.write(
      'packages/leaf/build.config.ts',
      esbuildConfig(`\n  environments: { development: { sourcemap: true }, production: { minify: true } },`),
    );
    let r = ws.nx(['run', '@t/leaf:build:development']);
    expect(r.code, r.output).toBe(0);
    expect(ws.exists('packages/leaf/dist/index.js.map')).toBe(true);
    const map = ws.json('packages/leaf/dist/index.js.map');
    // Relative to the final dist/, not the staging directory it was written in.
    expect(map.sources).toEqual(['../src/index.ts']);
    expect(ws.latest('packages/leaf').environment).toBe('development');
    r = ws.nx(['run', '@t/leaf:build']);
    expect(r.code, r.output).toBe(0);
    expect(ws.exists('packages/leaf/dist/index.js.map')).toBe(false);
    expect(ws.latest('packages/leaf').environment).toBe('production');
  });

  it('a declared environment is a configuration of its own; an unknown one fails naming it', () => {
    ws.write(
      'packages/leaf/build.config.ts',
      esbuildConfig(`\n  define: { __WHERE__: '"prod"' },\n  environments: { staging: { define: { __WHERE__: '"staging"' } } },`),
    );
    ws.write(
      'packages/leaf/src/index.ts',
      `declare const __WHERE__: string;\nexport const leaf = 'leaf';\nexport const where = __WHERE__;\n`,
    );
    const shown = ws.nx(['show', 'project', '@t/leaf', '--json']);
    expect(Object.keys(JSON.parse(shown.stdout).targets.build.configurations).sort()).toEqual([
      'ci',
      'development',
      'production',
      'staging',
    ]);
    let r = ws.nx(['run', '@t/leaf:build:staging']);
    expect(r.code, r.output).toBe(0);
    expect(ws.read('packages/leaf/dist/index.js')).toContain('"staging"');
    expect(ws.latest('packages/leaf').environment).toBe('staging');
    // the CLI takes any environment name: a typo is an error, not a production build
    r = ws.cli(['build', '@t/leaf', '-c', 'stagign']);
    expect(r.code).toBe(2);
    expect(r.output).toContain('unknown environment "stagign"');
    expect(ws.latest('packages/leaf')).toMatchObject({
      status: 'failed',
      environment: 'stagign',
      errors: [expect.objectContaining({ field: 'environments', file: 'packages/leaf/build.config.ts' })],
    });
    expect(ws.read('packages/leaf/dist/index.js')).toContain('"staging"');
    ws.write('packages/leaf/build.config.ts', esbuildConfig());
    ws.write('packages/leaf/src/index.ts', `export const leaf = 'leaf';\n`);
  });

  it('warns when .build-cache is not git-ignored (dependents would hash its records), not when it is', () => {
    let r = ws.nx(['run', '@t/leaf:build', '--skip-nx-cache']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('.build-cache is not git-ignored');
    const gitignore = ws.read('.gitignore');
    ws.write('.gitignore', 'node_modules\ndist\n.nx\n');
    try {
      r = ws.nx(['run', '@t/leaf:build', '--skip-nx-cache']);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain('.build-cache is not git-ignored');
      expect(ws.read(ws.latest('packages/leaf').logs)).toContain('.build-cache is not git-ignored');
    } finally {
      ws.write('.gitignore', gitignore);
    }
  });

  it('clean removes outputs and nothing else', () => {
    expect(ws.exists('packages/app/dist/index.js')).toBe(true);
    const r = ws.nx(['run', '@t/app:clean']);
    expect(r.code, r.output).toBe(0);
    expect(ws.exists('packages/app/dist')).toBe(false);
    expect(ws.exists('packages/app/src/index.ts')).toBe(true);
    expect(ws.exists('packages/app/.build-cache/latest.json')).toBe(true);
    const withCache = ws.nx(['run', '@t/app:clean', '--cache']);
    expect(withCache.code, withCache.output).toBe(0);
    expect(ws.exists('packages/app/.build-cache')).toBe(false);
    expect(ws.exists('packages/app/package.json')).toBe(true);
  });
});
