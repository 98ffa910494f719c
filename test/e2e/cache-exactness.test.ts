import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

/**
 * A build's output must never change while Nx's task hash stays the same (a stale cache hit),
 * and the hash must not change for edits the output cannot see. Each case edits what a config
 * reads from outside its package and checks the next `nx run` rebuilds, with the new output.
 */
const cached = (output: string) => /\[(local cache|existing outputs match the cache, left as is)\]/.test(output);
const cls = 'export class A { y = 2 }\n';
const tsOptions = (extra: object = {}) =>
  JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'esnext',
        moduleResolution: 'bundler',
        skipLibCheck: true,
        types: [],
        strict: true,
        ...extra,
      },
    },
    null,
    2,
  );
const config = (body: string, imports = '') =>
  `import { defineBuildConfig } from '@repo/build-system';\n${imports}export default defineBuildConfig(${body});\n`;

function build(ws: TempWorkspace, project: string, env: Record<string, string | undefined> = {}) {
  const r = ws.nx(['run', `${project}:build`, '--verbose'], env);
  expect(r.code, r.output).toBe(0);
  return { hit: cached(r.output), output: r.output };
}

function buildInputs(ws: TempWorkspace, project: string): { inputs: unknown[]; outputs: string[] } {
  const r = ws.nx(['show', 'project', project, '--json']);
  expect(r.code, r.output).toBe(0);
  return JSON.parse(r.stdout).targets.build;
}

const packages = {
  'packages/env': {
    name: '@t/env',
    config: config(
      `{ builder: 'esbuild', define: { __API__: JSON.stringify(process.env.API_URL ?? 'unset'), __MODE__: JSON.stringify(process.env['BUILD_MODE'] ?? 'plain') } }`,
    ),
    files: {
      'src/index.ts':
        'declare const __API__: string;\ndeclare const __MODE__: string;\nexport const api = __API__;\nexport const mode = __MODE__;\n',
    },
  },
  'packages/preset': {
    name: '@t/preset',
    config: config(`{ builder: 'esbuild', ...preset }`, "import { preset } from '../../tools/build-preset';\n"),
    files: { 'src/index.ts': 'declare const __FLAVOR__: string;\nexport const flavor = __FLAVOR__;\n' },
  },
  'packages/outdir': {
    name: '@t/outdir',
    config: config(`{ builder: 'esbuild', outputDir }`, "import { outputDir } from '../../tools/out-dir.ts';\n"),
    files: { 'src/index.ts': 'export const o = 1;\n' },
  },
  'packages/tsc-extends': {
    name: '@t/tsc-extends',
    config: config(`{ builder: 'tsc' }`),
    files: { 'src/index.ts': cls, 'tsconfig.json': JSON.stringify({ extends: '../../tools/tsconfig.lib.json', include: ['src'] }) },
  },
  'packages/esbuild-extends': {
    name: '@t/esbuild-extends',
    config: config(`{ builder: 'esbuild' }`),
    files: { 'src/index.ts': cls, 'tsconfig.json': JSON.stringify({ extends: '../../tools/tsconfig.lib.json', include: ['src'] }) },
  },
  'packages/tsc-option': {
    name: '@t/tsc-option',
    config: config(`{ builder: 'tsc', tsconfig: '../../tools/tsconfig.option.json' }`),
    files: { 'src/index.ts': cls },
  },
};

function seedShared(ws: TempWorkspace) {
  ws.write(
    'tools/build-preset.ts',
    "import { flavor } from './flavor';\nexport const preset = { define: { __FLAVOR__: JSON.stringify(flavor) } };\n",
  );
  ws.write('tools/flavor.ts', "export const flavor = 'vanilla';\n");
  ws.write('tools/out-dir.ts', "export const outputDir = 'lib';\n");
  ws.write('tools/unrelated.ts', 'export const nothing = 0;\n');
  ws.write('tools/tsconfig.lib.json', tsOptions());
  ws.write(
    'tools/tsconfig.option.json',
    JSON.stringify(
      {
        extends: './tsconfig.lib.json',
        compilerOptions: { rootDir: '../packages/tsc-option/src', outDir: '../packages/tsc-option/dist' },
        include: ['../packages/tsc-option/src'],
      },
      null,
      2,
    ),
  );
  ws.write('tsconfig.base.json', JSON.stringify({ compilerOptions: { paths: { '@t/env': ['packages/env/src/index.ts'] } } }, null, 2));
}

describe('cache exactness: what a config reads outside its package is an input', () => {
  let ws: TempWorkspace;

  beforeAll(() => {
    ws = createWorkspace({ packages });
    seedShared(ws);
  });
  afterAll(() => ws?.dispose());

  it('process.env read directly by the config is an input: a new value rebuilds, an unrelated variable does not', () => {
    const { inputs } = buildInputs(ws, '@t/env');
    expect(inputs).toEqual(expect.arrayContaining([{ env: 'API_URL' }, { env: 'BUILD_MODE' }]));

    expect(build(ws, '@t/env', { API_URL: 'https://a.test' }).hit).toBe(false);
    expect(ws.read('packages/env/dist/index.js')).toContain('https://a.test');
    const changed = build(ws, '@t/env', { API_URL: 'https://b.test' });
    expect(changed.hit).toBe(false);
    expect(ws.read('packages/env/dist/index.js')).toContain('https://b.test');
    expect(build(ws, '@t/env', { API_URL: 'https://b.test', SOMETHING_ELSE: 'x' }).hit).toBe(true);
    expect(build(ws, '@t/env', { API_URL: 'https://b.test', BUILD_MODE: 'fancy' }).hit).toBe(false);
    expect(ws.read('packages/env/dist/index.js')).toContain('fancy');
  });

  it('a helper the config imports from outside the package (transitively) is an input', () => {
    const { inputs } = buildInputs(ws, '@t/preset');
    expect(inputs).toEqual(expect.arrayContaining(['{workspaceRoot}/tools/build-preset.ts', '{workspaceRoot}/tools/flavor.ts']));

    build(ws, '@t/preset');
    expect(ws.read('packages/preset/dist/index.js')).toContain('vanilla');
    expect(build(ws, '@t/preset').hit).toBe(true);
    ws.write('tools/unrelated.ts', 'export const nothing = 1;\n');
    expect(build(ws, '@t/preset').hit).toBe(true);

    ws.write('tools/flavor.ts', "export const flavor = 'chocolate';\n");
    expect(build(ws, '@t/preset').hit).toBe(false);
    expect(ws.read('packages/preset/dist/index.js')).toContain('chocolate');
  });

  it('an edit to an imported helper re-infers the targets (no stale outputs in the graph)', () => {
    expect(buildInputs(ws, '@t/outdir').outputs).toEqual(['{projectRoot}/lib']);
    ws.write('tools/out-dir.ts', "export const outputDir = 'out';\n");
    expect(buildInputs(ws, '@t/outdir').outputs).toEqual(['{projectRoot}/out']);
    build(ws, '@t/outdir');
    expect(ws.exists('packages/outdir/out/index.js')).toBe(true);
  });

  it('with the daemon on, an edit to an imported helper shows in the next graph too', () => {
    const daemon = { NX_DAEMON: 'true' };
    try {
      let r = ws.nx(['show', 'project', '@t/outdir', '--json'], daemon);
      expect(r.code, r.output).toBe(0);
      expect(JSON.parse(r.stdout).targets.build.outputs).toEqual(['{projectRoot}/out']);
      ws.write('tools/out-dir.ts', "export const outputDir = 'built';\n");
      r = ws.nx(['show', 'project', '@t/outdir', '--json'], daemon);
      expect(JSON.parse(r.stdout).targets.build.outputs).toEqual(['{projectRoot}/built']);
    } finally {
      ws.nx(['daemon', '--stop'], daemon);
    }
  });

  it('a tsconfig the package extends from outside it is an input, for tsc and for esbuild', () => {
    for (const p of ['tsc-extends', 'esbuild-extends']) {
      expect(buildInputs(ws, `@t/${p}`).inputs).toContain('{workspaceRoot}/tools/tsconfig.lib.json');
      build(ws, `@t/${p}`);
      expect(ws.read(`packages/${p}/dist/index.js`)).not.toContain('this.y = 2');
    }
    ws.write('tools/tsconfig.lib.json', tsOptions({ useDefineForClassFields: false }));
    for (const p of ['tsc-extends', 'esbuild-extends']) {
      expect(build(ws, `@t/${p}`).hit, p).toBe(false);
      expect(ws.read(`packages/${p}/dist/index.js`), p).toContain('this.y = 2');
    }
  });

  it('the `tsconfig` option pointing outside the package is an input, with what it extends', () => {
    ws.write('tools/tsconfig.lib.json', tsOptions());
    expect(buildInputs(ws, '@t/tsc-option').inputs).toEqual(
      expect.arrayContaining(['{workspaceRoot}/tools/tsconfig.option.json', '{workspaceRoot}/tools/tsconfig.lib.json']),
    );
    build(ws, '@t/tsc-option');
    expect(ws.read('packages/tsc-option/dist/index.js')).not.toContain('this.y = 2');
    ws.write('tools/tsconfig.lib.json', tsOptions({ useDefineForClassFields: false }));
    expect(build(ws, '@t/tsc-option').hit).toBe(false);
    expect(ws.read('packages/tsc-option/dist/index.js')).toContain('this.y = 2');
  });

  it("the root tsconfig.base.json is left to Nx's own selective hash: another project's `paths` entry does not invalidate", () => {
    for (const p of ['@t/tsc-extends', '@t/preset']) expect(buildInputs(ws, p).inputs).not.toContain('{workspaceRoot}/tsconfig.base.json');
    build(ws, '@t/preset');
    ws.write(
      'tsconfig.base.json',
      JSON.stringify(
        { compilerOptions: { paths: { '@t/env': ['packages/env/src/index.ts'], '@t/new': ['packages/new/src/index.ts'] } } },
        null,
        2,
      ),
    );
    expect(build(ws, '@t/preset').hit).toBe(true);
  });
});

describe('cache exactness: the added inputs hash the same in a copy at another path', () => {
  let a: TempWorkspace;
  let b: TempWorkspace;
  beforeAll(() => {
    a = createWorkspace({ packages });
    b = createWorkspace({ packages });
    seedShared(a);
    seedShared(b);
  });
  afterAll(() => {
    a?.dispose();
    b?.dispose();
  });

  it('same inputs, same task hash', () => {
    for (const p of ['preset', 'tsc-option']) {
      expect(buildInputs(b, `@t/${p}`)).toEqual(buildInputs(a, `@t/${p}`));
      build(a, `@t/${p}`, { API_URL: 'same' });
      build(b, `@t/${p}`, { API_URL: 'same' });
      expect(b.latest(`packages/${p}`).inputHash, p).toBe(a.latest(`packages/${p}`).inputHash);
    }
  });
});
