import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

const config = (extra: string) => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'tsc',
  dts: true,${extra}
});
`;

/** Every file below a directory with its bytes, relative paths sorted. */
function tree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, tree(dir, p));
    else out[p] = readFileSync(join(dir, p), 'utf8');
  }
  return out;
}

const sources = {
  'src/index.ts':
    `export * from './math';\nexport { helper } from './dir';\nimport data from './data.json';\nexport const name: string = data.name;\n` +
    `export type { Pair as PairAlias } from './math';\nexport const pairOf = (a: number, b: number): import('./math').Pair => ({ a, b });\n`,
  'src/math.ts': `export const add = (a: number, b: number): number => a + b;\nexport interface Pair { a: number; b: number }\n`,
  'src/dir/index.ts': `import { add } from '../math';\nexport const helper = (): number => add(20, 22);\n`,
  'src/data.json': `{ "name": "from-json" }\n`,
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      module: 'esnext',
      moduleResolution: 'bundler',
      resolveJsonModule: true,
      esModuleInterop: true,
      skipLibCheck: true,
      types: [],
    },
    include: ['src'],
  }),
};

const dualExports = (esm: string, esmTypes: string) => ({
  '.': {
    import: { types: `./dist/index${esmTypes}`, default: `./dist/index${esm}` },
    require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
  },
});

/** A consumer module using both packages' types; `bad` adds a type error against them. */
const consumer = (importFrom: string, kind: string, bad = false) =>
  ['@t/dual', '@t/plain'].map((pkg, i) => `${importFrom.replace(/(add|helper|name|Pair)/g, `$1 as $1${i}`)} '${pkg}';\n`).join('') +
  `const p: Pair0 = { a: add0(1, 2), b: helper1() };\nexport const out: string = \`${kind} \${p.a} \${p.b} \${name0} \${add1(0, 1)} \${helper0()} \${name1}\`;\n` +
  `export type Both = Pair1;\n` +
  (bad ? `export const wrong: string = add0(1, 2);\n` : '');

describe('tsc builder: outputs Node can load, and no stale files after an option change', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/mod': { name: '@t/mod', config: config(`\n  format: 'cjs',`), files: sources },
        'packages/dual': {
          name: '@t/dual',
          packageJson: { exports: dualExports('.js', '.d.ts') },
          config: config(`\n  format: ['esm', 'cjs'],\n  sourcemap: true,`),
          files: sources,
        },
        // no "type": ESM is written as .mjs beside .d.mts
        'packages/plain': {
          name: '@t/plain',
          packageJson: { type: undefined, exports: dualExports('.mjs', '.d.mts') },
          config: config(`\n  format: ['esm', 'cjs'],`),
          files: sources,
        },
        'packages/asset': {
          name: '@t/asset',
          config: config(''),
          files: { 'src/index.ts': `import './styles.css';\nexport const a = 1;\n`, 'src/styles.css': 'body {}\n' },
        },
        'packages/consumer': {
          name: '@t/consumer',
          packageJson: { dependencies: { '@t/dual': '*', '@t/plain': '*' } },
          files: {
            'src/esm.mts': consumer('import { add, helper, name, type Pair } from', 'esm'),
            'src/cjs.cts': consumer('import { add, helper, name, type Pair } from', 'cjs'),
          },
        },
      },
    });
    ws.write('packages/dual/package.json', JSON.stringify({ ...ws.json('packages/dual/package.json'), type: 'module' }));
  });
  afterAll(() => ws?.dispose());

  const build = (dir: string) => {
    const r = ws.cli(['build', dir]);
    expect(r.code, r.output).toBe(0);
    return tree(ws.path(dir, 'dist'));
  };
  const cleanBuild = (dir: string) => {
    rmSync(ws.path(dir, 'dist'), { recursive: true, force: true });
    rmSync(ws.path(dir, '.build-cache'), { recursive: true, force: true });
    return build(dir);
  };

  it('changing format (cjs → esm → both → cjs) ends each time with exactly the files a clean build writes', () => {
    const dir = 'packages/mod';
    const sequence = [`'cjs'`, `'esm'`, `['esm', 'cjs']`, `'cjs'`];
    build(dir);
    for (const format of sequence.slice(1)) {
      ws.write(`${dir}/build.config.ts`, config(`\n  format: ${format},`));
      const incremental = build(dir);
      const status = ws.cli(['status', dir, '--json']);
      expect(JSON.parse(status.stdout).stale, status.output).toBe(false);
      expect(incremental, format).toEqual(cleanBuild(dir));
    }
    expect(Object.keys(tree(ws.path(dir, 'dist'))).filter((f) => f.startsWith('index'))).toEqual(['index.cjs', 'index.d.cts']);
  });

  it('extensionless, directory and JSON imports load in Node from ESM and CJS, in a module package and a plain one', () => {
    const dual = build('packages/dual');
    expect(Object.keys(dual).filter((f) => f.startsWith('index'))).toEqual([
      'index.cjs',
      'index.d.cts',
      'index.d.ts',
      'index.js',
      'index.js.map',
    ]);
    expect(dual['index.js']).toContain(`export * from './math.js';`);
    expect(dual['index.js']).toContain(`from './dir/index.js';`);
    expect(dual['index.js']).toContain(`from './data.json' with { type: 'json' };`);
    expect(dual['index.d.ts']).toContain(`export * from './math.js';`);
    expect(dual['index.d.cts']).toContain(`export * from './math.cjs';`);
    // type-only re-exports and import() types too (a JavaScript lexer does not see them)
    expect(dual['index.d.ts']).toContain(`export type { Pair as PairAlias } from './math.js';`);
    expect(dual['index.d.ts']).toContain(`import("./math.js").Pair`);
    expect(dual['index.d.cts']).toContain(`export type { Pair as PairAlias } from './math.cjs';`);
    expect(dual['dir/index.cjs']).toContain(`require("../math.cjs")`);
    expect(JSON.parse(dual['index.js.map']).sources).toEqual(['../src/index.ts']);
    const plain = build('packages/plain');
    expect(Object.keys(plain).filter((f) => f.startsWith('index'))).toEqual(['index.cjs', 'index.d.cts', 'index.d.mts', 'index.mjs']);
    expect(plain['index.mjs']).toContain(`export * from './math.mjs';`);
    expect(plain['index.d.mts']).toContain(`export * from './math.mjs';`);
    expect(plain['index.d.mts']).toContain(`export type { Pair as PairAlias } from './math.mjs';`);
    for (const [dir, esm] of [
      ['packages/dual', 'index.js'],
      ['packages/plain', 'index.mjs'],
    ]) {
      const file = (f: string) => JSON.stringify(ws.path(dir, 'dist', f));
      const show = `[m.add(2, 3), m.helper(), m.name]`;
      const esmRun = ws.node(['--input-type=module', '-e', `const m = await import(${file(esm)}); console.log(JSON.stringify(${show}))`]);
      expect(esmRun.code, esmRun.output).toBe(0);
      expect(JSON.parse(esmRun.stdout), dir).toEqual([5, 42, 'from-json']);
      const cjsRun = ws.node(['-e', `const m = require(${file('index.cjs')}); console.log(JSON.stringify(${show}))`]);
      expect(cjsRun.code, cjsRun.output).toBe(0);
      expect(JSON.parse(cjsRun.stdout), dir).toEqual([5, 42, 'from-json']);
    }
  });

  it('the declarations type-check a consumer under nodenext and node16 (skipLibCheck off), and a type error against them is reported', () => {
    build('packages/dual');
    build('packages/plain');
    const tsc = (module: string) => {
      ws.write(
        'packages/consumer/tsconfig.json',
        JSON.stringify({
          compilerOptions: {
            module,
            moduleResolution: module,
            target: 'ES2022',
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            types: [],
          },
          include: ['src'],
        }),
      );
      return ws.node([ws.path('node_modules/typescript/bin/tsc'), '-p', ws.path('packages/consumer/tsconfig.json')]);
    };
    for (const module of ['nodenext', 'node16']) {
      const r = tsc(module);
      expect(r.code, `${module}: ${r.output}`).toBe(0);
    }
    ws.write('packages/consumer/src/esm.mts', consumer('import { add, helper, name, type Pair } from', 'esm', true));
    const r = tsc('nodenext');
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/src\/esm\.mts\(\d+,\d+\): error TS2322/);
  });

  it('an import of a file tsc does not emit fails the build, located at the import', () => {
    const r = ws.cli(['build', 'packages/asset']);
    expect(r.code).toBe(1);
    const job = ws.latest('packages/asset');
    expect(job.status).toBe('failed');
    expect(job.errors[0]).toMatchObject({
      code: 'BUILD_FAILED',
      file: 'packages/asset/src/index.ts',
      line: 1,
      column: 8,
      found: './styles.css',
    });
    expect(job.errors[0].message).toContain('TS2835');
  });
});
