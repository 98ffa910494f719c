import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, REPO_ROOT, type TempWorkspace } from '../helpers/workspace';

/**
 * Under `isolatedDeclarations`, declarations come from oxc-transform when the workspace has it
 * (in the build process), else from TypeScript's transpileDeclaration (a worker process). The
 * same sources are built both ways, once per kind of output (per file, bundled); a consumer
 * compiles against all of them with `skipLibCheck: false`.
 */

const sources: Record<string, string> = {
  'src/index.ts': `import { shout } from './text.ts';
import type { Shape } from './shapes/area.js';
import './shapes/globals.ts';
export interface Greeting { to: string }
/** Says hello. */
export const greet = (g: Greeting): string => shout(\`hello \${g.to}\`);
export const answer = 42;
export const unitOf = (s: Shape): 'cm' => (s.kind === 'square' ? 'cm' : 'cm');
export { area, type Shape } from './shapes/area.js';
export * as units from './shapes/units.ts';
export enum Level { Low = 1, High }
export default function sum(a: number, b: number): number { return a + b; }
`,
  'src/text.ts': `// used only in a body: followed all the same\nexport const shout = (s: string): string => s.toUpperCase() + '!';\n`,
  'src/shapes/area.ts': `export type Shape = { kind: 'square'; side: number } | { kind: 'circle'; r: number };
export function area(s: Shape): number {
  return s.kind === 'square' ? s.side ** 2 : Math.PI * s.r ** 2;
}
`,
  // a script (no import or export): its declarations are global
  'src/shapes/globals.ts': `declare var SHAPES_DEBUG: boolean;\n`,
  'src/shapes/units.ts': `export const CM: 'cm' = 'cm';
export class Ruler<T extends string = 'cm'> {
  #marks = new Map<number, T>();
  static readonly kind = 'ruler' as const;
  constructor(readonly unit: T) {}
  mark(at: number): this { this.#marks.set(at, this.unit); return this; }
  get size(): number { return this.#marks.size; }
}
`,
  'src/unused.ts': `export const notReachable: number = 1;\n`,
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      target: 'es2022',
      module: 'preserve',
      moduleResolution: 'bundler',
      strict: true,
      isolatedDeclarations: true,
      declaration: true,
    },
  }),
};
// The bundled package also inlines a private workspace package whose exports point at TypeScript.
const inlined = `import { origin, type Point } from '@t/private';\nexport type { Point };\nexport const start = (): Point => origin();\n`;
const privateSources = {
  'src/index.ts': `import type { Point } from './point.ts';\nexport type { Point };\nexport const origin = (): Point => ({ x: 1, y: 2 });\n`,
  'src/point.ts': `export interface Point { x: number; y: number }\n`,
};

const PER_FILE = ['index', 'shapes/area', 'shapes/globals', 'shapes/units', 'text'];
const dual = (entries: string[]) => ({
  type: 'commonjs',
  exports: Object.fromEntries(
    entries.map((e) => [
      e === 'index' ? '.' : `./${e}`,
      {
        import: { types: `./dist/${e}.d.mts`, default: `./dist/${e}.mjs` },
        require: { types: `./dist/${e}.d.cts`, default: `./dist/${e}.cjs` },
      },
    ]),
  ),
});
const config = (builder: string, bundled: boolean) => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: '${builder}',
  entry: ${bundled ? `['src/index.ts', 'src/inlined.ts']` : `'src/index.ts'`},
  format: ['esm', 'cjs'],
  dts: ${bundled ? 'true' : '{ bundle: false }'},${bundled ? `\n  noExternal: ['@t/private'],` : ''}
});
`;

// per file (esbuild, dts: { bundle: false }) and bundled (rollup), each built by oxc and by TypeScript
const KINDS = ['files', 'bundled'] as const;
const PATHS = ['oxc', 'ts'] as const;
const dir = (path: string, kind: string) => `packages/${path}-${kind}`;

function consumer(): Record<string, string> {
  const imports = PATHS.flatMap((p) => KINDS.map((k) => `${p}-${k}`));
  const checks = (ns: string) => `
  {
    const m = ${ns};
    const greeting: string = m.greet({ to: 'x' });
    const answer: 42 = m.answer;
    const square: ${ns}.Shape = { kind: 'square', side: 2 };
    const a: number = m.area(square);
    const ruler: ${ns}.units.Ruler<'cm'> = new m.units.Ruler(m.units.CM).mark(1);
    const kind: 'ruler' = m.units.Ruler.kind;
    const level: ${ns}.Level = m.Level.High;
    const total: number = m.default(2, 3);
    out.push([greeting, answer, a, ruler.size, kind, level, total, m.unitOf(square)]);
  }`;
  const module = (importLine: (name: string, i: number) => string) => `${imports.map((n, i) => importLine(`@t/${n}`, i)).join('\n')}
import { start as startOxc } from '@t/oxc-bundled/inlined';
import { start as startTs } from '@t/ts-bundled/inlined';
const out: unknown[] = [];
${imports.map((_, i) => checks(`m${i}`)).join('\n')}
const p: { x: number; y: number } = startOxc();
const q: import('@t/ts-bundled/inlined').Point = startTs();
out.push([p.x + q.y]);
console.log(JSON.stringify(out));
`;
  const tsconfig = (mode: 'nodenext' | 'bundler', include: string[]) =>
    JSON.stringify({
      compilerOptions: {
        ...(mode === 'bundler'
          ? { module: 'esnext', moduleResolution: 'bundler', noEmit: true }
          : { module: 'nodenext', moduleResolution: 'nodenext' }),
        target: 'es2022',
        strict: true,
        skipLibCheck: false,
        types: [],
        rootDir: 'src',
        outDir: 'out',
      },
      include,
    });
  return {
    'src/esm.mts': module((n, i) => `import * as m${i} from '${n}';`),
    'src/cjs.cts': module((n, i) => `import * as m${i} from '${n}';`),
    'src/bundler.ts': module((n, i) => `import * as m${i} from '${n}';`),
    'tsconfig.nodenext.json': tsconfig('nodenext', ['src/esm.mts', 'src/cjs.cts']),
    'tsconfig.bundler.json': tsconfig('bundler', ['src/bundler.ts']),
  };
}

const EXPECTED = [...Array.from({ length: 4 }, () => ['HELLO X!', 42, 4, 1, 'ruler', 2, 5, 'cm']), [3]];

describe('declarations under isolatedDeclarations: oxc-transform when the workspace has it, TypeScript otherwise', () => {
  let ws: TempWorkspace;
  const build = (projects: string) => ws.nx(['run-many', '-t', 'build', '--parallel=2', `--projects=${projects}`]);
  const withoutOxc = () => rmSync(ws.path('node_modules/oxc-transform'), { force: true });

  beforeAll(() => {
    const packages: Record<string, any> = {
      'packages/private': { name: '@t/private', packageJson: { private: true, exports: { '.': './src/index.ts' } }, files: privateSources },
      'packages/consumer': { name: '@t/consumer', packageJson: { private: true }, files: {} },
    };
    for (const path of PATHS) {
      // Both packages reach text.ts through their package.json `imports` (`#text`).
      packages[dir(path, 'files')] = {
        name: `@t/${path}-files`,
        packageJson: { ...dual(['index']), imports: { '#text': './src/text.ts' } },
        config: config('esbuild', false),
        files: { ...sources, 'src/index.ts': sources['src/index.ts'].replace("from './text.ts'", "from '#text'") },
      };
      packages[dir(path, 'bundled')] = {
        name: `@t/${path}-bundled`,
        packageJson: { ...dual(['index', 'inlined']), imports: { '#text': './src/text.ts' }, devDependencies: { '@t/private': '*' } },
        config: config('rollup', true),
        files: {
          ...sources,
          'src/index.ts': sources['src/index.ts'].replace("from './text.ts'", "from '#text'"),
          'src/inlined.ts': inlined,
        },
      };
    }
    ws = createWorkspace({ packages });
    for (const [f, text] of Object.entries(consumer())) ws.write(`packages/consumer/${f}`, text);
    // This repository's node_modules (linked into the workspace) has oxc-transform: first with it...
    expect(ws.exists('node_modules/oxc-transform/package.json')).toBe(true);
    const oxc = build('@t/oxc-*');
    expect(oxc.code, oxc.output).toBe(0);
    // ...then without: the plugin's own copy (a dev dependency here) is not the workspace's.
    withoutOxc();
    const ts = build('@t/ts-*');
    expect(ts.code, ts.output).toBe(0);
  });
  afterAll(() => ws?.dispose());

  it('the record names the path that made the declarations: oxc with oxc-transform installed, isolated without', () => {
    for (const kind of KINDS) {
      expect(ws.latest(dir('oxc', kind)), kind).toMatchObject({ status: 'success', metadata: { declarations: 'oxc' } });
      expect(ws.latest(dir('ts', kind)), kind).toMatchObject({ status: 'success', metadata: { declarations: 'isolated' } });
      expect(ws.latest(dir('oxc', kind)).phases.find((p: any) => p.name === 'dts')).toMatchObject({ status: 'success' });
    }
  });

  it('both paths emit the same files (reachable ones only), in the same places of the state directory and dist', () => {
    const perFile = PER_FILE.flatMap((f) => [`${f}.d.mts`, `${f}.d.cts`]);
    for (const path of PATHS) {
      for (const f of perFile) expect(ws.exists(`${dir(path, 'files')}/dist/${f}`), `${path} ${f}`).toBe(true);
      expect(ws.exists(`${dir(path, 'files')}/dist/unused.d.mts`)).toBe(false);
      for (const f of ['index.d.mts', 'index.d.cts', 'inlined.d.mts', 'inlined.d.cts'])
        expect(ws.exists(`${dir(path, 'bundled')}/dist/${f}`), `${path} ${f}`).toBe(true);
      // the mirrored tree under the state directory: the inlined package's sources included
      const state = `${dir(path, 'bundled')}/.build-cache/state/rollup/dts-isolated`;
      expect(ws.exists(`${state}/packages/${path}-bundled/src/shapes/units.d.ts`)).toBe(true);
      expect(ws.exists(`${state}/packages/private/src/point.d.ts`)).toBe(true);
    }
  });

  it('oxc’s declarations are TypeScript’s but for indentation and quotes, per file and bundled', () => {
    // oxc indents with tabs and prints every string literal double-quoted; TypeScript indents with
    // four spaces and keeps a written literal's quotes. Normalised: four spaces, single quotes.
    const normal = (s: string) => s.replace(/^\t+/gm, (t) => '    '.repeat(t.length)).replace(/"([^"'\\\n]*)"/g, "'$1'");
    for (const f of PER_FILE.map((p) => `${p}.d.mts`)) {
      const [oxc, ts] = PATHS.map((p) => ws.read(`${dir(p, 'files')}/dist/${f}`));
      expect(normal(oxc), f).toBe(normal(ts));
    }
    expect(ws.read(`${dir('oxc', 'files')}/dist/shapes/units.d.mts`)).toContain('\t#private;');
    expect(ws.read(`${dir('oxc', 'files')}/dist/index.d.mts`)).toContain(`from "./shapes/area.mjs"`);
    expect(ws.read(`${dir('ts', 'files')}/dist/index.d.mts`)).toContain(`from './shapes/area.mjs'`);
    for (const f of ['index.d.mts', 'index.d.cts', 'inlined.d.mts', 'inlined.d.cts']) {
      const [oxc, ts] = PATHS.map((p) => ws.read(`${dir(p, 'bundled')}/dist/${f}`));
      expect(normal(oxc), f).toBe(normal(ts));
    }
    expect(ws.read(`${dir('oxc', 'bundled')}/dist/inlined.d.mts`)).not.toContain('@t/private');
  });

  it('a consumer compiles against both under nodenext and bundler (skipLibCheck: false) and runs', () => {
    const tsc = (project: string) =>
      ws.node([ws.path('node_modules/typescript/bin/tsc'), '-p', project, '--pretty', 'false'], ws.path('packages/consumer'));
    for (const project of ['tsconfig.nodenext.json', 'tsconfig.bundler.json']) {
      const r = tsc(project);
      expect(r.code, `${project}: ${r.output}`).toBe(0);
    }
    for (const file of ['out/esm.mjs', 'out/cjs.cjs']) {
      const r = ws.node([file], ws.path('packages/consumer'));
      expect(r.code, r.output).toBe(0);
      expect(JSON.parse(r.stdout), file).toEqual(EXPECTED);
    }
  });

  it('a missing return type fails the build in the dts phase with the located TS9007 TypeScript gives', () => {
    const broken = `${sources['src/text.ts']}export function twice(n: number) {\n  return n * 2;\n}\n`;
    const errors: Record<string, any> = {};
    // TypeScript first (oxc-transform is not linked now), then oxc with it linked again.
    for (const path of ['ts', 'oxc'] as const) {
      if (path === 'oxc') symlinkSync(join(REPO_ROOT, 'node_modules', 'oxc-transform'), ws.path('node_modules/oxc-transform'));
      const d = dir(path, 'files');
      const before = ws.read(`${d}/dist/text.d.mts`);
      ws.write(`${d}/src/text.ts`, broken);
      const r = ws.nx(['run', `@t/${path}-files:build`, '--skip-nx-cache']);
      expect(r.code, r.output).not.toBe(0);
      const job = ws.latest(d);
      expect(job).toMatchObject({ status: 'failed', metadata: { declarations: path === 'oxc' ? 'oxc' : 'isolated' } });
      expect(job.phases.find((p: any) => p.name === 'dts')).toMatchObject({ status: 'failed' });
      errors[path] = job.errors[0];
      expect(errors[path]).toMatchObject({ code: 'TYPE_ERROR', phase: 'dts', file: `${d}/src/text.ts`, line: 3, column: 17 });
      expect(errors[path].message).toMatch(/^TS9007: Function must have an explicit return type annotation with --isolatedDeclarations\./);
      // the previous outputs stay in place, whole
      expect(ws.read(`${d}/dist/text.d.mts`)).toBe(before);
      ws.write(`${d}/src/text.ts`, sources['src/text.ts']);
    }
    expect(errors.oxc.message.split('\n')[0]).toBe(errors.ts.message.split('\n')[0]);
  });

  it('an installed oxc-transform that does not load: a BUILDER_FALLBACK warning, and TypeScript makes them', () => {
    withoutOxc();
    ws.write(
      'node_modules/oxc-transform/package.json',
      JSON.stringify({ name: 'oxc-transform', version: '0.151.0', type: 'module', main: 'index.js' }),
    );
    ws.write('node_modules/oxc-transform/index.js', `throw new Error('Cannot find native binding.');\n`);
    const r = ws.nx(['run', '@t/oxc-files:build', '--skip-nx-cache']);
    expect(r.code, r.output).toBe(0);
    const job = ws.latest(dir('oxc', 'files'));
    expect(job).toMatchObject({ status: 'success', metadata: { declarations: 'isolated' } });
    expect(job.warnings).toContainEqual(
      expect.objectContaining({ code: 'BUILDER_FALLBACK', phase: 'dts', message: expect.stringContaining('Cannot find native binding') }),
    );
    expect(ws.read(`${dir('oxc', 'files')}/dist/text.d.mts`)).toBe(ws.read(`${dir('ts', 'files')}/dist/text.d.mts`));
  });

  /** An installed oxc-transform of the workspace whose module is `index` (CommonJS, as oxc-transform's is). */
  const fakeOxc = (index: string) => {
    rmSync(ws.path('node_modules/oxc-transform'), { recursive: true, force: true });
    ws.write('node_modules/oxc-transform/package.json', JSON.stringify({ name: 'oxc-transform', version: '0.151.0', main: 'index.js' }));
    ws.write('node_modules/oxc-transform/index.js', index);
  };

  it('an oxc-transform without isolatedDeclarationSync (an older release): a BUILDER_FALLBACK warning, and TypeScript makes them', () => {
    fakeOxc(`exports.isolatedDeclaration = (filename, source) => ({ code: '', errors: [] });\n`);
    const r = ws.nx(['run', '@t/oxc-files:build', '--skip-nx-cache']);
    expect(r.code, r.output).toBe(0);
    const job = ws.latest(dir('oxc', 'files'));
    expect(job).toMatchObject({ status: 'success', metadata: { declarations: 'isolated' } });
    expect(job.warnings).toContainEqual(
      expect.objectContaining({ code: 'BUILDER_FALLBACK', phase: 'dts', message: expect.stringContaining('no isolatedDeclarationSync') }),
    );
    expect(ws.read(`${dir('oxc', 'files')}/dist/text.d.mts`)).toBe(ws.read(`${dir('ts', 'files')}/dist/text.d.mts`));
  });

  it('an oxc-transform that throws on a file: a failed dts phase with an error located at the file, not a crashed build', () => {
    fakeOxc(`exports.isolatedDeclarationSync = (filename) => { throw new Error('internal error in ' + filename.split('/').pop()); };\n`);
    const d = dir('oxc', 'files');
    const before = ws.read(`${d}/dist/index.d.mts`);
    const r = ws.nx(['run', '@t/oxc-files:build', '--skip-nx-cache']);
    expect(r.code, r.output).toBe(1);
    const job = ws.latest(d);
    expect(job).toMatchObject({ status: 'failed', metadata: { declarations: 'oxc' } });
    expect(job.phases.find((p: any) => p.name === 'dts')).toMatchObject({ status: 'failed' });
    expect(job.errors).toContainEqual(
      expect.objectContaining({
        code: 'BUILD_FAILED',
        phase: 'dts',
        file: `${d}/src/index.ts`,
        message: 'oxc-transform failed: internal error in index.ts',
      }),
    );
    expect(ws.read(`${d}/dist/index.d.mts`)).toBe(before);
  });

  it("oxc-transform's version is part of the build's key: a new version is not a cache hit (Nx), a removed one not up to date (CLI)", () => {
    rmSync(ws.path('node_modules/oxc-transform'), { recursive: true, force: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', 'oxc-transform'), ws.path('node_modules/oxc-transform'));
    const project = '@t/oxc-files';
    const build = () => {
      const r = ws.nx(['run', `${project}:build`]);
      expect(r.code, r.output).toBe(0);
      return ws.latest(dir('oxc', 'files')).cache;
    };
    build();
    expect(build(), 'the same inputs: a cache hit').toBe('local-cache');
    // An upgrade, as the lockfile says it (Nx takes external packages' versions from it).
    const lock = ws.json('package-lock.json');
    Object.assign(lock.packages['node_modules/oxc-transform'], { version: '0.151.1', integrity: 'sha512-upgraded' });
    ws.write('package-lock.json', JSON.stringify(lock, null, 2));
    expect(build(), 'a new oxc-transform: the build runs').toBe('miss');
    // The CLI's own check: up to date with oxc-transform, not once it is removed.
    const cli = () => JSON.parse(ws.cli(['build', project, '--json']).stdout).jobs[0];
    expect(cli()).toMatchObject({ status: 'success' });
    expect(cli()).toMatchObject({ status: 'success', cache: 'up-to-date' });
    withoutOxc();
    expect(cli()).toMatchObject({ status: 'success', cache: 'miss', metadata: { declarations: 'isolated' } });
  });
});
