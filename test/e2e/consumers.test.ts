import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

/**
 * What we ship is judged by the packages that use it: a consumer package compiles against our
 * outputs with `skipLibCheck: false` under nodenext, node16 and bundler, with the workspace's
 * TypeScript, and runs them in Node (import for ESM, require for CJS), checking values.
 */

const BUILDERS = ['esbuild', 'bun', 'tsc', 'rollup'] as const;
type Builder = (typeof BUILDERS)[number];
type Shape = 'esm' | 'cjs' | 'dual';

/** One package's sources: relative `.ts` imports, a default export, a class, `export *`, an inferred type from another module. */
const apiSources: Record<string, string> = {
  'src/index.ts': `import { shout } from './text.ts';
import { makePoint } from './point.ts';
export interface Greeting { to: string }
export const greet = (g: Greeting): string => shout(\`hello \${g.to}\`);
export const answer = 42;
export class Counter {
  count = 0;
  inc(): number { return ++this.count; }
}
// inferred: names Point, which this module does not export
export const origin = makePoint(0, 0);
export * from './math.ts';
export default function sum(a: number, b: number): number { return a + b; }
`,
  'src/text.ts': `export const shout = (s: string): string => s.toUpperCase() + '!';\n`,
  'src/point.ts': `export interface Point { readonly x: number; readonly y: number }\nexport const makePoint = (x: number, y: number): Point => ({ x, y });\n`,
  'src/math.ts': `export type Pair = [number, number];\nexport const double = (n: number): number => n * 2;\nexport const swap = ([a, b]: Pair): Pair => [b, a];\n`,
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      module: 'preserve',
      moduleResolution: 'bundler',
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    },
    include: ['src'],
  }),
};

/** package.json fields pointing at the outputs config/outputs.ts names, per shape. */
function manifest(shape: Shape): Record<string, unknown> {
  const entries = ['.'];
  const file = (sub: string, ext: string) => `./dist/${sub === '.' ? 'index' : `${sub.slice(2)}/index`}${ext}`;
  const conditions = (sub: string) =>
    shape === 'esm'
      ? { types: file(sub, '.d.ts'), default: file(sub, '.js') }
      : shape === 'cjs'
        ? { types: file(sub, '.d.cts'), default: file(sub, '.cjs') }
        : {
            import: { types: file(sub, '.d.mts'), default: file(sub, '.mjs') },
            require: { types: file(sub, '.d.cts'), default: file(sub, '.cjs') },
          };
  return {
    // ESM-only packages are `"type": "module"` (`.js`); the others are not (`.mjs` beside `.cjs`).
    type: shape === 'esm' ? 'module' : 'commonjs',
    main: shape === 'esm' ? './dist/index.js' : './dist/index.cjs',
    types: shape === 'esm' ? './dist/index.d.ts' : './dist/index.d.cts',
    exports: Object.fromEntries(entries.map((sub) => [sub, conditions(sub)])),
  };
}

const buildConfig = (builder: string, shape: Shape, extra = '') => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: '${builder}', format: ${shape === 'dual' ? "['esm', 'cjs']" : `'${shape}'`}, dts: true${extra} });
`;

const pkg = (builder: string, shape: Shape) => `@t/${shape}-${builder}`;
const EXPECTED_VALUES = ['HELLO X!', 42, 8, [2, 1], 5, 2, 0];

/** The consumer's checks of one API module, typed against the declarations (never `any`). */
const checkApi = (id: string, ns: string) => `
{
  const m = ${ns};
  type IsAny<T> = 0 extends 1 & T ? true : false;
  const notAny: [IsAny<typeof m.greet>, IsAny<typeof m.Counter>, IsAny<typeof m.origin>] = [false, false, false];
  const greeting: string = m.greet({ to: 'x' });
  const answer: 42 = m.answer;
  const pair: [number, number] = m.swap([1, 2]);
  const counter = new m.Counter();
  counter.inc();
  const x: number = m.origin.x;
  const total: number = m.default(2, 3);
  results[${JSON.stringify(id)}] = [greeting, answer, m.double(4), pair, total, counter.inc(), x];
  void notAny;
}`;

/** What a consumer module imports and checks: API packages, plus any other imports and checks. */
interface ConsumerPart {
  api: string[];
  imports?: string;
  checks?: string;
}

function consumerModule(part: ConsumerPart): string {
  const imports = part.api.map((p, i) => `import * as m${i} from '${p}';`).join('\n');
  const checks = part.api.map((p, i) => checkApi(p, `m${i}`)).join('\n');
  return `${imports}\n${part.imports ?? ''}\nconst results: Record<string, unknown> = {};\n${checks}\n${part.checks ?? ''}\nconsole.log(JSON.stringify(results));\n`;
}

/**
 * Consumer sources of one group (a builder, or the multi-entry and inlining packages), so that
 * a failure names its group: `esm-<group>.mts` imports the ESM-capable packages, `cjs-<group>.cts`
 * (a CommonJS module: `import … from` compiles to require()) the CJS-capable ones,
 * `bundler-<group>.ts` everything, under bundler resolution.
 */
function writeConsumer(ws: TempWorkspace, group: string, esm: ConsumerPart, cjs: ConsumerPart) {
  ws.write(`packages/consumer/src/esm-${group}.mts`, consumerModule(esm));
  ws.write(`packages/consumer/src/cjs-${group}.cts`, consumerModule(cjs));
  const api = [...new Set([...esm.api, ...cjs.api])];
  ws.write(`packages/consumer/src/bundler-${group}.ts`, consumerModule({ ...esm, api }));
}

const multiImports = `import * as multi from '@t/multi';\nimport * as multiExtra from '@t/multi/extra';`;
const multiChecks = `
{
  const shared: string = multi.label(multiExtra.makeTag('a'));
  const greeting: { to: string } = multi.toGreeting(multiExtra.makeTag('c'));
  void greeting;
  const tag: multi.Tag = multiExtra.makeTag('b');
  results['@t/multi'] = [shared, tag.name, multiExtra.tagCount()];
}`;
const INLINE = ['@t/inline-esbuild', '@t/inline-bun', '@t/inline-rollup'];
const inlineImports = INLINE.map((p, i) => `import * as inl${i} from '${p}';`).join('\n');
const inlineChecks = INLINE.map(
  (p, i) => `
{
  const p = inl${i}.start();
  const point: { x: number; y: number } = p;
  const named: inl${i}.Point = inl${i}.shift(point, 2);
  results[${JSON.stringify(p)}] = [point.x, named.y, inl${i}.INLINED];
}`,
).join('\n');

type Mode = 'nodenext' | 'node16' | 'bundler';
const MODES: Mode[] = ['nodenext', 'node16', 'bundler'];

function tsconfig(mode: Mode, include: string[]) {
  const module = mode === 'bundler' ? { module: 'esnext', moduleResolution: 'bundler' } : { module: mode, moduleResolution: mode };
  return JSON.stringify({
    compilerOptions: {
      ...module,
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      strict: true,
      skipLibCheck: false,
      types: [],
      rootDir: 'src',
      outDir: `out/${mode}`,
      ...(mode === 'bundler' ? { noEmit: true } : {}),
    },
    include,
  });
}

describe('consumers of what each builder ships (declarations and modules, checked by TypeScript and Node)', () => {
  let ws: TempWorkspace;
  const built: Record<string, boolean> = {};
  const packagesOf = (b: Builder) => ({ esm: [pkg(b, 'esm'), pkg(b, 'dual')], cjs: [pkg(b, 'cjs'), pkg(b, 'dual')] });
  // The workspace's own TypeScript, once per resolution mode over every consumer module.
  const tsc = (args: string[]) => ws.node([ws.path('node_modules/typescript/bin/tsc'), ...args], ws.path('packages/consumer'));
  const compiled = new Map<Mode, string[]>();
  const errorsOf = (mode: Mode, group: string) => {
    if (!compiled.has(mode)) {
      const r = tsc(['-p', `tsconfig.${mode}.json`, '--pretty', 'false']);
      compiled.set(
        mode,
        r.output.split('\n').filter((l) => /error TS\d+/.test(l)),
      );
    }
    // An error is a builder's when it is in its consumer module or in its packages' declarations.
    const of = (b: string) => new RegExp(`(esm|cjs|dual|bundler)-${b}[./]`);
    const builders = BUILDERS.map(of);
    return compiled.get(mode)!.filter((l) => (group === 'extra' ? !builders.some((re) => re.test(l)) : of(group).test(l)));
  };
  const run = (mode: Mode, file: string) => {
    const r = ws.node([`out/${mode}/${file}`], ws.path('packages/consumer'));
    expect(r.code, `${mode} ${file}: ${r.output}`).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  beforeAll(() => {
    const packages: Record<string, any> = {};
    for (const b of BUILDERS) {
      for (const shape of ['esm', 'cjs', 'dual'] as const) {
        packages[`packages/${shape}-${b}`] = {
          name: pkg(b, shape),
          packageJson: manifest(shape),
          config: buildConfig(b, shape),
          files: apiSources,
        };
      }
    }
    // Several entries sharing a module: the declarations share a chunk, as the JavaScript does.
    const both = (sub: string) => ({
      import: { types: `./dist/${sub}.d.ts`, default: `./dist/${sub}.js` },
      require: { types: `./dist/${sub}.d.cts`, default: `./dist/${sub}.cjs` },
    });
    packages['packages/multi'] = {
      name: '@t/multi',
      // A dependency stays external: its types stay an import of it (a dual package: under node16
      // the `.d.cts` of a CommonJS consumer may not import an ESM-only one, TS1479).
      packageJson: {
        type: 'module',
        main: './dist/index.cjs',
        types: './dist/index.d.cts',
        exports: { '.': both('index'), './extra': both('extra/index') },
        dependencies: { '@t/dual-esbuild': '*' },
      },
      config: `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'esbuild', entry: ['src/index.ts', 'src/extra/index.ts'], format: ['esm', 'cjs'], dts: true });
`,
      files: {
        'src/tag.ts': `export interface Tag { readonly name: string }\nlet made = 0;\nexport const makeTag = (name: string): Tag => (made++, { name });\nexport const tagCount = (): number => made;\n`,
        'src/index.ts': `import type { Tag } from './tag.ts';\nimport type { Greeting } from '@t/dual-esbuild';\nexport const label = (t: Tag): string => \`<\${t.name}>\`;\nexport const toGreeting = (t: Tag): Greeting => ({ to: t.name });\nexport type { Tag };\n`,
        'src/extra/index.ts': `export { makeTag, tagCount } from '../tag.ts';\n`,
      },
    };
    // A private workspace package whose exports point at TypeScript, inlined (noExternal): its
    // types must be inlined too, for consumers cannot install it.
    packages['packages/private'] = {
      name: '@t/private',
      packageJson: { private: true, type: 'module', exports: { '.': './src/index.ts' } },
      files: {
        'src/index.ts': `import type { Point } from './point.ts';\nexport type { Point };\nexport const origin = (): Point => ({ x: 1, y: 1 });\nexport const PRIVATE_MARK = 'inlined';\n`,
        'src/point.ts': `export interface Point { x: number; y: number }\n`,
      },
    };
    for (const [b, shape] of [
      ['esbuild', 'dual'],
      ['bun', 'esm'],
      ['rollup', 'dual'],
    ] as const) {
      packages[`packages/inline-${b}`] = {
        name: `@t/inline-${b}`,
        packageJson: { ...manifest(shape), devDependencies: { '@t/private': '*' } },
        config: buildConfig(b, shape, `, noExternal: ['@t/private']`),
        files: {
          'src/index.ts': `import { origin, PRIVATE_MARK, type Point } from '@t/private';\nexport type { Point };\nexport const start = () => origin();\nexport const shift = (p: Point, by: number): Point => ({ x: p.x + by, y: p.y + by });\nexport const INLINED = PRIVATE_MARK;\n`,
        },
      };
    }
    packages['packages/consumer'] = { name: '@t/consumer', packageJson: { private: true, type: 'module' }, files: {} };
    ws = createWorkspace({ packages });
    // Some builds may fail (each is asserted below, per builder): Nx runs the others anyway.
    // One batch per builder keeps each run well inside a command's time limit on a busy machine.
    for (const projects of [...BUILDERS.map((b) => `@t/*-${b}`), '@t/multi'])
      ws.nx(['run-many', '-t', 'build', '--parallel=2', `--projects=${projects}`]);
    for (const dir of Object.keys(packages)) {
      if (ws.exists(`${dir}/build.config.ts`))
        built[packages[dir].name] = ws.exists(`${dir}/.build-cache/latest.json`) && ws.latest(dir).status === 'success';
    }
    // The private package is not installed for consumers: a declaration importing it must fail.
    rmSync(ws.path('node_modules/@t/private'), { recursive: true, force: true });
    for (const b of BUILDERS) writeConsumer(ws, b, { api: packagesOf(b).esm }, { api: packagesOf(b).cjs });
    writeConsumer(
      ws,
      'extra',
      { api: [], imports: `${multiImports}\n${inlineImports}`, checks: `${multiChecks}\n${inlineChecks}` },
      { api: [], imports: multiImports, checks: multiChecks },
    );
    for (const mode of MODES)
      ws.write(
        `packages/consumer/tsconfig.${mode}.json`,
        tsconfig(mode, mode === 'bundler' ? ['src/bundler-*.ts'] : ['src/esm-*.mts', 'src/cjs-*.cts']),
      );
  });
  afterAll(() => ws?.dispose());

  it.each(BUILDERS)('%s: ESM-only, CJS-only and dual packages build, with declarations beside each module', (b) => {
    for (const shape of ['esm', 'cjs', 'dual'] as const) {
      const dir = `packages/${shape}-${b}`;
      expect(built[pkg(b, shape)], `${dir}: ${JSON.stringify(ws.exists(`${dir}/.build-cache/latest.json`) && ws.latest(dir).errors)}`).toBe(
        true,
      );
      const files =
        shape === 'esm'
          ? ['index.js', 'index.d.ts']
          : shape === 'cjs'
            ? ['index.cjs', 'index.d.cts']
            : ['index.mjs', 'index.d.mts', 'index.cjs', 'index.d.cts'];
      for (const f of files) expect(ws.exists(`${dir}/dist/${f}`), `${dir}/dist/${f}`).toBe(true);
    }
  });

  it.each(BUILDERS)(
    '%s: a consumer compiles under nodenext, node16 and bundler (skipLibCheck: false), then imports and requires every export in Node',
    (b) => {
      for (const mode of MODES) expect(errorsOf(mode, b), mode).toEqual([]);
      for (const mode of ['nodenext', 'node16'] as const) {
        const imported = run(mode, `esm-${b}.mjs`);
        const required = run(mode, `cjs-${b}.cjs`);
        for (const p of packagesOf(b).esm) expect(imported[p], `${mode}: import ${p}`).toEqual(EXPECTED_VALUES);
        for (const p of packagesOf(b).cjs) expect(required[p], `${mode}: require ${p}`).toEqual(EXPECTED_VALUES);
      }
    },
  );

  it('multi-entry and inlining packages: the consumer compiles under every mode and runs', () => {
    for (const mode of MODES) expect(errorsOf(mode, 'extra'), mode).toEqual([]);
    for (const mode of ['nodenext', 'node16'] as const) {
      const imported = run(mode, 'esm-extra.mjs');
      expect(imported['@t/multi']).toEqual(['<a>', 'b', 3]);
      for (const p of INLINE) expect(imported[p], p).toEqual([1, 3, 'inlined']);
      expect(run(mode, 'cjs-extra.cjs')['@t/multi']).toEqual(['<a>', 'b', 3]);
    }
  });

  it('inlined private package: its types are in the declarations, never an import of it', () => {
    for (const [b, dts] of [
      ['esbuild', ['index.d.mts', 'index.d.cts']],
      ['bun', ['index.d.ts']],
      ['rollup', ['index.d.mts', 'index.d.cts']],
    ] as const) {
      for (const f of dts) {
        const text = ws.read(`packages/inline-${b}/dist/${f}`);
        expect(text, `${b} ${f}`).not.toContain('@t/private');
        expect(text, `${b} ${f}`).toMatch(/interface Point \{/);
      }
    }
  });

  it('multi-entry: each entry has its declarations per format; shared types sit in a chunk both import, named as a module', () => {
    const dist = 'packages/multi/dist';
    for (const f of ['index.d.ts', 'index.d.cts', 'extra/index.d.ts', 'extra/index.d.cts']) expect(ws.exists(`${dist}/${f}`), f).toBe(true);
    const chunkImport = (f: string) => /from '(\.\.?\/chunks\/[^']+)'/.exec(ws.read(`${dist}/${f}`))?.[1];
    const chunk = chunkImport('index.d.ts');
    expect(chunk).toMatch(/^\.\/chunks\/[\w.-]+\.js$/);
    expect(chunkImport('extra/index.d.ts')).toBe(`.${chunk}`);
    expect(chunkImport('index.d.cts')).toBe(chunk!.replace(/\.js$/, '.cjs'));
    expect(ws.read(`${dist}/${chunk!.replace(/\.js$/, '.d.ts')}`)).toContain('interface Tag');
    expect(ws.exists(`${dist}/${chunk!.replace(/\.js$/, '.d.cts')}`)).toBe(true);
    // the dependency's types stay an import of it, in both formats
    for (const f of ['index.d.ts', 'index.d.cts'])
      expect(ws.read(`${dist}/${f}`), f).toMatch(/import \{ Greeting \} from '@t\/dual-esbuild';/);
  });

  it.each(BUILDERS)('%s: a type error in a consumer against our declarations is reported, located (the types are not any)', (b) => {
    const api = packagesOf(b).esm;
    const lines = api.map(
      (p, i) => `import { greet as g${i} } from '${p}';\nexport const n${i}: number = g${i}({ to: 'x' });\ng${i}({ too: 'x' });`,
    );
    ws.write(`packages/consumer/bad/bad-${b}.mts`, `${lines.join('\n')}\n`);
    ws.write(
      `packages/consumer/tsconfig.bad-${b}.json`,
      JSON.stringify({
        ...JSON.parse(tsconfig('nodenext', [`bad/bad-${b}.mts`])),
        compilerOptions: { ...JSON.parse(tsconfig('nodenext', [])).compilerOptions, rootDir: '.', noEmit: true },
      }),
    );
    const r = tsc(['-p', `tsconfig.bad-${b}.json`, '--pretty', 'false']);
    expect(r.code).not.toBe(0);
    api.forEach((p, i) => {
      expect(r.output, p).toContain(`bad/bad-${b}.mts(${i * 3 + 2},14): error TS2322: Type 'string' is not assignable to type 'number'.`);
      expect(r.output, p).toMatch(new RegExp(`bad/bad-${b}\\.mts\\(${i * 3 + 3},\\d+\\): error TS(2353|2561): .*'too'`));
    });
  });
});
