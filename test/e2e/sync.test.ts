import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

const cfg = (body: string, before = '') =>
  `import { defineBuildConfig } from '@repo/build-system';\n${before}export default defineBuildConfig(${body});\n`;
const dual = (dir: string, stem = 'index') => ({
  import: { types: `./${dir}/${stem}.d.ts`, default: `./${dir}/${stem}.js` },
  require: { types: `./${dir}/${stem}.d.cts`, default: `./${dir}/${stem}.cjs` },
});

describe('package.json kept in step with build.config.ts: nx sync, nx sync:check, build-system sync', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        // plain-data config: read from the tree
        'packages/lib': {
          name: '@t/lib',
          packageJson: {
            main: './dist/index.js',
            types: './dist/index.d.ts',
            exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
          },
          config: cfg(`{ builder: 'tsc', format: ['esm', 'cjs'], dts: true, entry: ['src/index.ts', 'src/cli/index.ts'] }`),
          files: { 'src/index.ts': 'export const a: number = 1;\n', 'src/cli/index.ts': 'export const b: number = 2;\n' },
        },
        // computed config: loaded from disk
        'packages/computed': {
          name: '@t/computed',
          packageJson: { main: './dist/index.js', exports: { '.': './dist/index.js' } },
          config: cfg(`{ builder: 'esbuild', outputDir }`, `const outputDir = ['l', 'i', 'b'].join('');\n`),
          files: { 'src/index.ts': 'export const c = 3;\n' },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('nx sync:check fails naming the files and fields; nx sync fixes them; the build then passes its entry-point check', () => {
    const check = ws.nx(['sync:check']);
    expect(check.code).not.toBe(0);
    expect(check.output).toContain('package.json entry points (main/module/types/exports) are out of step with build.config.ts');
    expect(check.output).toContain('packages/lib/package.json: main, module, types, exports["."], exports["./cli"]');
    expect(check.output).toContain('packages/computed/package.json: main, module, exports["."]');

    const sync = ws.nx(['sync']);
    expect(sync.code, sync.output).toBe(0);
    expect(ws.json('packages/lib/package.json')).toMatchObject({
      main: './dist/index.cjs',
      module: './dist/index.js',
      types: './dist/index.d.cts',
      exports: { '.': dual('dist'), './cli': dual('dist', 'cli/index') },
    });
    expect(ws.json('packages/computed/package.json')).toMatchObject({
      main: './lib/index.js',
      module: './lib/index.js',
      exports: { '.': { default: './lib/index.js' } },
    });
    const again = ws.nx(['sync:check']);
    expect(again.code, again.output).toBe(0);

    const build = ws.nx(['run-many', '-t', 'build']);
    expect(build.code, build.output).toBe(0);
    for (const dir of ['packages/lib', 'packages/computed']) expect(ws.latest(dir).checks, dir).toEqual([]);
    const run = ws.node(['-e', `const m = require(${JSON.stringify(ws.path('packages/lib/dist/cli/index.cjs'))}); console.log(m.b)`]);
    expect(run.stdout.trim(), run.output).toBe('2');
  });

  it('build-system sync [project…] [--check]: exit 1 listing the fields when out of step, then fixes them', () => {
    ws.write(
      'packages/lib/build.config.ts',
      cfg(`{ builder: 'tsc', format: 'esm', dts: true, outputDir: 'out', entry: ['src/index.ts', 'src/cli/index.ts'] }`),
    );
    const check = ws.cli(['sync', '--check']);
    expect(check.code, check.output).toBe(1);
    expect(check.stdout).toContain('packages/lib/package.json: out of step: main, module, types, exports["."], exports["./cli"]');
    expect(check.stdout).not.toContain('packages/computed');
    expect(ws.json('packages/lib/package.json').main).toBe('./dist/index.cjs');

    const json = ws.cli(['sync', '@t/lib', '--check', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      exitCode: 1,
      check: true,
      packages: [
        {
          name: '@t/lib',
          file: 'packages/lib/package.json',
          written: false,
          changed: ['main', 'module', 'types', 'exports["."]', 'exports["./cli"]'],
        },
      ],
    });

    const fix = ws.cli(['sync', 'packages/lib']);
    expect(fix.code, fix.output).toBe(0);
    expect(fix.stdout).toContain('packages/lib/package.json: updated: main, module, types, exports["."], exports["./cli"]');
    expect(ws.json('packages/lib/package.json')).toMatchObject({
      main: './out/index.js',
      module: './out/index.js',
      types: './out/index.d.ts',
      exports: {
        '.': { types: './out/index.d.ts', default: './out/index.js' },
        './cli': { types: './out/cli/index.d.ts', default: './out/cli/index.js' },
      },
    });
    const clean = ws.cli(['sync', '--check']);
    expect(clean.code, clean.output).toBe(0);
    expect(clean.stdout).toContain('package.json in step with the build config (2 packages)');
    expect(ws.nx(['sync:check']).code).toBe(0);
  });
});
