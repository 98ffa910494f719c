import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, NX_BIN, type TempWorkspace } from '../helpers/workspace';

/**
 * A build must never read an input its cache key does not cover. Four ways it did (each a
 * stale `[local cache]` hit with the old value, reproduced with real nx): a source importing
 * a file outside the package, a config reading a file outside the package, a config reading
 * env through an alias of process.env, a config importing a workspace package that reads env.
 * The config's reads are inputs from graph time on (edits miss the cache); the builder's reads
 * are compared with the task's inputs after the build (a located warning, an error under
 * `check: 'strict'`).
 */
const cached = (output: string) => /\[(local cache|existing outputs match the cache, left as is)\]/.test(output);
const config = (body: string, imports = '') =>
  `import { defineBuildConfig } from '@repo/build-system';\n${imports}export default defineBuildConfig(${body});\n`;
const importsConst = { 'src/index.ts': "import { VALUE } from '../../../shared/const.ts';\nexport const v = VALUE;\n" };
const importsShape = { 'src/index.ts': "import type { Shape } from '../../../shared/shape';\nexport const s: Shape = { side: 1 };\n" };
const tsconfig = JSON.stringify({
  compilerOptions: { target: 'ES2022', module: 'esnext', moduleResolution: 'bundler', strict: true, skipLibCheck: true, types: [] },
  include: ['src'],
});

const packages = {
  'packages/src-esbuild': { name: '@t/src-esbuild', config: config(`{ builder: 'esbuild' }`), files: importsConst },
  'packages/src-bun': { name: '@t/src-bun', config: config(`{ builder: 'bun' }`), files: importsConst },
  'packages/src-rollup': { name: '@t/src-rollup', config: config(`{ builder: 'rollup' }`), files: importsConst },
  'packages/src-strict': { name: '@t/src-strict', config: config(`{ builder: 'esbuild', check: 'strict' }`), files: importsConst },
  'packages/src-declared': {
    name: '@t/src-declared',
    config: config(`{ builder: 'esbuild', cache: { include: ['../../shared/const.ts'] } }`),
    files: importsConst,
  },
  'packages/types-tsc': {
    name: '@t/types-tsc',
    config: config(`{ builder: 'tsc' }`),
    files: { ...importsShape, 'tsconfig.json': tsconfig },
  },
  'packages/types-dts': {
    name: '@t/types-dts',
    config: config(`{ builder: 'esbuild', dts: true }`),
    files: { ...importsShape, 'tsconfig.json': tsconfig },
  },
  'packages/config-url': {
    name: '@t/config-url',
    config: config(
      `{ builder: 'esbuild', define: { __BANNER__: JSON.stringify(readFileSync(new URL('../../shared/banner.txt', import.meta.url), 'utf8').trim()) } }`,
      "import { readFileSync } from 'node:fs';\n",
    ),
    files: { 'src/index.ts': 'declare const __BANNER__: string;\nexport const banner = __BANNER__;\n' },
  },
  'packages/config-bare': {
    name: '@t/config-bare',
    config: config(
      `{ builder: 'esbuild', define: { __BANNER__: JSON.stringify(readFileSync('../../shared/banner.txt', 'utf8').trim()) } }`,
      "import { readFileSync } from 'node:fs';\n",
    ),
    files: { 'src/index.ts': 'declare const __BANNER__: string;\nexport const banner = __BANNER__;\n' },
  },
  'packages/env-alias': {
    name: '@t/env-alias',
    config: config(
      `{ builder: 'esbuild', define: { __FLAVOR__: JSON.stringify(env.APP_FLAVOR ?? 'plain') } }`,
      'const env = process.env;\n',
    ),
    files: { 'src/index.ts': 'declare const __FLAVOR__: string;\nexport const flavor = __FLAVOR__;\n' },
  },
  'packages/env-package': {
    name: '@t/env-package',
    config: config(`{ builder: 'esbuild', define: { __API__: JSON.stringify(apiUrl) } }`, "import { apiUrl } from '@t/settings';\n"),
    files: { 'src/index.ts': 'declare const __API__: string;\nexport const api = __API__;\n' },
  },
  'packages/settings': {
    name: '@t/settings',
    packageJson: { exports: { '.': './index.js' } },
    files: { 'index.js': "export const apiUrl = process.env.API_URL ?? 'none';\n" },
  },
  'packages/uses-lib': {
    name: '@t/uses-lib',
    packageJson: { dependencies: { '@t/lib': '1.0.0' } },
    config: config(`{ builder: 'esbuild', noExternal: ['@t/lib'] }`),
    files: {
      'src/index.ts': "import { lib } from '@t/lib';\nimport { local } from './local.ts';\nexport const both = lib + local;\n",
      'src/local.ts': 'export const local = 1;\n',
    },
  },
  'packages/lib': {
    name: '@t/lib',
    packageJson: { exports: { '.': './src/index.ts' } },
    files: { 'src/index.ts': 'export const lib = 2;\n' },
  },
};

describe('undeclared inputs: what a build reads is covered by its cache key', () => {
  let ws: TempWorkspace;

  const build = (project: string, env: Record<string, string> = {}) => {
    const r = ws.nx(['run', `${project}:build`], env);
    return { ...r, hit: cached(r.output) };
  };
  const inputs = (project: string): unknown[] => {
    const r = ws.nx(['show', 'project', project, '--json']);
    expect(r.code, r.output).toBe(0);
    return JSON.parse(r.stdout).targets.build.inputs;
  };
  const undeclared = (dir: string) => (ws.latest(dir).warnings ?? []).filter((w: { code: string }) => w.code === 'UNDECLARED_INPUT');

  beforeAll(() => {
    ws = createWorkspace({ packages });
    ws.write('shared/const.ts', "export const VALUE = 'one';\n");
    ws.write('shared/shape.d.ts', 'export interface Shape { side: number }\n');
    ws.write('shared/banner.txt', 'banner-one\n');
    // Nx hashes what git tracks (and untracked files not ignored): a real repository.
    ws.git('init', '-q', '-b', 'main');
    ws.git('config', 'user.email', 't@example.test');
    ws.git('config', 'user.name', 'test');
    ws.git('add', '-A');
    ws.git('commit', '-qm', 'initial');
  });
  afterAll(() => ws?.dispose());

  it('a source importing a file outside the package: every bundler reports it, located, with how to declare it; a cache hit shows it again', () => {
    const r = ws.nx(['run-many', '-t', 'build', '-p', '@t/src-esbuild,@t/src-bun,@t/src-rollup', '--output-style=static']);
    expect(r.code, r.output).toBe(0);
    for (const p of ['src-esbuild', 'src-bun', 'src-rollup']) {
      expect(ws.latest(`packages/${p}`).status, p).toBe('success');
      expect(undeclared(`packages/${p}`), p).toEqual([
        expect.objectContaining({
          phase: 'build',
          file: 'shared/const.ts',
          field: 'cache.include',
          message: expect.stringContaining(`not an input of @t/${p}:build`),
        }),
      ]);
      expect(undeclared(`packages/${p}`)[0].message, p).toContain("add '../../shared/const.ts' to `cache.include`");
    }
    expect(r.output).toContain('shared/const.ts: [UNDECLARED_INPUT] the build read shared/const.ts');

    // The hit replays the warning: the stale-cache risk stays visible until it is declared.
    ws.write('shared/const.ts', "export const VALUE = 'two';\n");
    const again = build('@t/src-esbuild');
    expect(again.hit).toBe(true);
    expect(again.output).toContain('[UNDECLARED_INPUT]');
    ws.write('shared/const.ts', "export const VALUE = 'one';\n");
  });

  it("under check: 'strict' the undeclared read fails the build, and nothing is swapped into dist", () => {
    const r = build('@t/src-strict');
    expect(r.code).not.toBe(0);
    const job = ws.latest('packages/src-strict');
    expect(job.status).toBe('failed');
    expect(job.exitCode).toBe(1);
    expect(job.errors).toEqual([expect.objectContaining({ code: 'UNDECLARED_INPUT', phase: 'build', file: 'shared/const.ts' })]);
    expect(job.phases.find((p: { name: string }) => p.name === 'build').status).toBe('failed');
    expect(ws.exists('packages/src-strict/dist/index.js')).toBe(false);
  });

  it("declared with cache.include, the file is an input next to the package's own: an edit rebuilds, no warning", () => {
    expect(inputs('@t/src-declared')).toEqual(expect.arrayContaining(['production', '^production', '{workspaceRoot}/shared/const.ts']));
    expect(build('@t/src-declared').code).toBe(0);
    expect(undeclared('packages/src-declared')).toEqual([]);
    expect(ws.read('packages/src-declared/dist/index.js')).toContain('"one"');
    ws.write('shared/const.ts', "export const VALUE = 'three';\n");
    const r = build('@t/src-declared');
    expect(r.hit).toBe(false);
    expect(ws.read('packages/src-declared/dist/index.js')).toContain('"three"');
  });

  it("tsc's program and the declarations step: a declaration file read from outside the package is reported (phase build, phase dts)", () => {
    const r = ws.nx(['run-many', '-t', 'build', '-p', '@t/types-tsc,@t/types-dts']);
    expect(r.code, r.output).toBe(0);
    expect(undeclared('packages/types-tsc')).toEqual([expect.objectContaining({ phase: 'build', file: 'shared/shape.d.ts' })]);
    // esbuild drops the type-only import; the declarations build reads it.
    expect(undeclared('packages/types-dts')).toEqual([
      expect.objectContaining({ phase: 'dts', file: 'shared/shape.d.ts', message: expect.stringContaining('the declarations build read') }),
    ]);
  });

  it('a file the config reads by a path relative to it is an input: an edit rebuilds with the new content', () => {
    expect(inputs('@t/config-url')).toContain('{workspaceRoot}/shared/banner.txt');
    expect(build('@t/config-url').code).toBe(0);
    expect(ws.read('packages/config-url/dist/index.js')).toContain('banner-one');
    ws.write('shared/banner.txt', 'banner-two\n');
    expect(build('@t/config-url').hit).toBe(false);
    expect(ws.read('packages/config-url/dist/index.js')).toContain('banner-two');
  });

  it('a bare relative path (resolved from the working directory, here the package) is an input too', () => {
    expect(inputs('@t/config-bare')).toContain('{workspaceRoot}/shared/banner.txt');
    const fromPackage = () => {
      const r = ws.run(process.execPath, [NX_BIN, 'run', '@t/config-bare:build'], {}, ws.path('packages/config-bare'));
      expect(r.code, r.output).toBe(0);
      return cached(r.output);
    };
    fromPackage();
    expect(ws.read('packages/config-bare/dist/index.js')).toContain('banner-two');
    ws.write('shared/banner.txt', 'banner-three\n');
    expect(fromPackage()).toBe(false);
    expect(ws.read('packages/config-bare/dist/index.js')).toContain('banner-three');
  });

  it('env read through an alias of process.env is an input: a new value rebuilds', () => {
    expect(inputs('@t/env-alias')).toContainEqual({ env: 'APP_FLAVOR' });
    expect(build('@t/env-alias', { APP_FLAVOR: 'vanilla' }).code).toBe(0);
    const changed = build('@t/env-alias', { APP_FLAVOR: 'chocolate' });
    expect(changed.hit).toBe(false);
    expect(ws.read('packages/env-alias/dist/index.js')).toContain('chocolate');
    expect(build('@t/env-alias', { APP_FLAVOR: 'chocolate' }).hit).toBe(true);
  });

  it('env read by a workspace package the config imports by name is an input: a new value rebuilds', () => {
    expect(inputs('@t/env-package')).toEqual(expect.arrayContaining([{ env: 'API_URL' }, '{workspaceRoot}/packages/settings/**/*']));
    expect(build('@t/env-package', { API_URL: 'https://a.test' }).code).toBe(0);
    expect(build('@t/env-package', { API_URL: 'https://b.test' }).hit).toBe(false);
    expect(ws.read('packages/env-package/dist/index.js')).toContain('https://b.test');
  });

  it('no false findings: own files, a bundled workspace dependency, and configs whose reads are declared', () => {
    const r = build('@t/uses-lib');
    expect(r.code, r.output).toBe(0);
    expect(ws.read('packages/uses-lib/dist/index.js')).toContain('lib = 2');
    // Every run of these packages (cache hits' records carry no warnings of their own).
    for (const p of ['uses-lib', 'env-package', 'env-alias', 'config-url', 'src-declared']) {
      const jobs = ws.jobs(`packages/${p}`);
      expect(jobs.length, p).toBeGreaterThan(0);
      expect(
        jobs.flatMap((j) => j.warnings ?? []),
        p,
      ).toEqual([]);
    }
    expect(r.output).not.toContain('UNDECLARED_INPUT');
  });
});
