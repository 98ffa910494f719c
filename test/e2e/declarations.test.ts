import { readdirSync, rmSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicSources } from '../fixtures/packages';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

// Sources that satisfy isolatedDeclarations: every export's type is written down.
const sources: Record<string, string> = {
  ...basicSources,
  'src/shapes/index.ts': `import './globals.ts';\nexport { area, type Shape } from './area.js';\nexport * as units from './units.ts';\nexport { describeShape } from './measure.ts';\n`,
  // a script (no import or export): its declarations are global, not a module's
  'src/shapes/globals.ts': `declare var SHAPES_DEBUG: boolean;\ninterface ShapeRegistry { size: number }\n`,
  // a type imported from a sibling module, which declarations must keep as written
  'src/shapes/measure.ts': `import type { Shape } from './area.js';\nexport const describeShape = (s: Shape): string => s.kind;\n`,
  'src/shapes/area.ts': `export type Shape = { kind: 'square'; side: number } | { kind: 'circle'; r: number };
export function area(s: Shape): number {
  return s.kind === 'square' ? s.side ** 2 : Math.PI * s.r ** 2;
}
`,
  'src/shapes/units.ts': `export const CM: 'cm' = 'cm';\nexport class Ruler {\n  private readonly marks = new Map<number, string>();\n  constructor(readonly unit: string = CM) {}\n  mark(at: number): this { this.marks.set(at, this.unit); return this; }\n}\n`,
  'src/unused.ts': `export const notReachable: number = 1;\n`,
};
const SHAPES_DTS = [
  'index.d.ts',
  'shapes/area.d.ts',
  'shapes/globals.d.ts',
  'shapes/index.d.ts',
  'shapes/measure.d.ts',
  'shapes/units.d.ts',
  'text.d.ts',
];
const entry = `['src/index.ts', 'src/shapes/index.ts']`;
// esbuild packages keep one declaration file per source; rollup packages bundle them (the default).
const config = (builder: string) => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: '${builder}', entry: ${entry}, dts: ${builder === 'esbuild' ? '{ bundle: false }' : 'true'} });
`;
const tsconfig = (isolated: boolean) =>
  JSON.stringify({
    // a comment-free base; the isolated one is reached through \`extends\`, as in real workspaces
    ...(isolated ? { extends: './tsconfig.base.json' } : {}),
    compilerOptions: { target: 'es2022', module: 'preserve', moduleResolution: 'bundler', strict: true },
  });
const isolatedBase = `{
  // declarations from each file's own syntax
  "compilerOptions": { "isolatedDeclarations": true, "declaration": true, },
}
`;

function dtsFiles(ws: TempWorkspace, dir: string, sub = ''): string[] {
  return readdirSync(ws.path(dir, 'dist', sub), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? dtsFiles(ws, dir, `${sub}${e.name}/`) : e.name.endsWith('.d.ts') ? [`${sub}${e.name}`] : []))
    .sort();
}

const relativeImports = (code: string) => [...code.matchAll(/from '(\.[^']*)'/g)].map((m) => m[1]);

describe('declarations: type-checked by tsc, or transpiled per file under isolatedDeclarations', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    const packages: Record<string, any> = {};
    for (const builder of ['esbuild', 'rollup']) {
      packages[`packages/checked-${builder}`] = {
        name: `@t/checked-${builder}`,
        config: config(builder),
        files: { ...sources, 'tsconfig.json': tsconfig(false) },
      };
      packages[`packages/isolated-${builder}`] = {
        name: `@t/isolated-${builder}`,
        config: config(builder),
        files: { ...sources, 'tsconfig.json': tsconfig(true), 'tsconfig.base.json': isolatedBase },
      };
    }
    // a tsconfig whose own output settings point elsewhere: declarations still go to dist/
    packages['packages/own-dirs'] = {
      name: '@t/own-dirs',
      config: config('esbuild').replace(entry, `'src/index.ts'`),
      files: {
        ...basicSources,
        'types/keep.d.ts': 'declare const handWritten: 1;\n',
        'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, outDir: './build', declarationDir: './types' } }),
      },
    };
    ws = createWorkspace({ packages });
    // TypeScript's path: oxc-transform (linked from this repository) would make them otherwise
    // (test/e2e/declarations-oxc.test.ts).
    rmSync(ws.path('node_modules/oxc-transform'), { force: true });
    const r = ws.nx(['run-many', '-t', 'build', '--parallel=2']);
    expect(r.code, r.output).toBe(0);
  });
  afterAll(() => ws?.dispose());

  it('the isolated path writes byte for byte the declarations tsc writes, per file and bundled', () => {
    for (const builder of ['esbuild', 'rollup']) {
      const checked = dtsFiles(ws, `packages/checked-${builder}`);
      if (builder === 'esbuild') expect(checked).toEqual(SHAPES_DTS);
      else expect(checked.filter((f) => !f.startsWith('chunks/'))).toEqual(['index.d.ts', 'shapes/index.d.ts']);
      expect(dtsFiles(ws, `packages/isolated-${builder}`), builder).toEqual(checked);
      for (const f of checked) {
        expect(ws.read(`packages/isolated-${builder}/dist/${f}`), `${builder} ${f}`).toBe(ws.read(`packages/checked-${builder}/dist/${f}`));
      }
      const job = ws.latest(`packages/isolated-${builder}`);
      expect(job.status).toBe('success');
      expect(job.metadata.declarations).toBe('isolated');
      expect(ws.latest(`packages/checked-${builder}`).metadata.declarations).toBe('checked');
      expect(job.phases.find((p: any) => p.name === 'dts')).toMatchObject({ status: 'success' });
    }
  });

  it('per-file declarations name the modules their imports stand for (./x.ts → ./x.js, a directory → its index)', () => {
    const read = (f: string) => ws.read(`packages/checked-esbuild/dist/${f}`);
    expect(relativeImports(read('shapes/index.d.ts'))).toEqual(['./area.js', './units.js', './measure.js']);
    expect(relativeImports(read('shapes/measure.d.ts'))).toEqual(['./area.js']);
    expect(read('shapes/index.d.ts')).toContain(`import './globals.js';`);
  });

  it('bundled declarations hold each entry’s types, with only chunks of their own as relative imports', () => {
    const dir = 'packages/checked-rollup/dist';
    const shapes = ws.read(`${dir}/shapes/index.d.ts`);
    for (const spec of relativeImports(shapes)) expect(spec).toMatch(/^\.\.\/chunks\/[\w.-]+\.js$/);
    const chunk = relativeImports(shapes).length
      ? ws.read(`${dir}/${relativeImports(shapes)[0].slice(3).replace(/\.js$/, '.d.ts')}`)
      : shapes;
    expect(`${shapes}\n${chunk}`).toContain('declare function area(s: Shape): number;');
    expect(`${shapes}\n${chunk}`).toContain('declare class Ruler');
    expect(ws.read(`${dir}/index.d.ts`)).toContain('interface Greeting');
  });

  it('bundling is skipped when the declarations did not change, and redone when they did', () => {
    const dir = 'packages/checked-rollup';
    const manifest = `${dir}/.build-cache/state/rollup/dts-bundled.json`;
    const build = () => {
      const r = ws.nx(['run', '@t/checked-rollup:build', '--skip-nx-cache']);
      expect(r.code, r.output).toBe(0);
    };
    const before = { manifest: ws.read(manifest), mtime: statSync(ws.path(manifest)).mtimeMs, dts: ws.read(`${dir}/dist/index.d.ts`) };
    // an edit inside a body: the same declarations, the previous bundle
    ws.write(`${dir}/src/text.ts`, basicSources['src/text.ts'].replace("+ '!'", "+ '!!'"));
    build();
    expect(ws.read(`${dir}/dist/index.js`)).toMatch(/["']!!["']/);
    expect(statSync(ws.path(manifest)).mtimeMs).toBe(before.mtime);
    expect(ws.read(`${dir}/dist/index.d.ts`)).toBe(before.dts);
    // a changed export type: bundled again
    ws.write(
      `${dir}/src/index.ts`,
      basicSources['src/index.ts'].replace('export const answer = 42;', "export const answer = 'forty-two';"),
    );
    build();
    expect(ws.read(manifest)).not.toBe(before.manifest);
    expect(ws.read(`${dir}/dist/index.d.ts`)).toContain('declare const answer = "forty-two";');
    ws.write(`${dir}/src/index.ts`, basicSources['src/index.ts']);
    ws.write(`${dir}/src/text.ts`, basicSources['src/text.ts']);
  });

  it('a declarationDir in the package tsconfig does not send declarations out of dist', () => {
    expect(ws.latest('packages/own-dirs').status).toBe('success');
    expect(ws.exists('packages/own-dirs/dist/index.d.ts')).toBe(true);
    expect(readdirSync(ws.path('packages/own-dirs/types'))).toEqual(['keep.d.ts']);
    expect(ws.read('packages/own-dirs/types/keep.d.ts')).toBe('declare const handWritten: 1;\n');
    expect(ws.exists('packages/own-dirs/build')).toBe(false);
  });

  it('checked declarations are incremental and exact: an edit shows, a removed source leaves no .d.ts behind', () => {
    const dir = 'packages/checked-esbuild';
    const build = () => {
      const r = ws.nx(['run', '@t/checked-esbuild:build', '--skip-nx-cache']);
      expect(r.code, r.output).toBe(0);
      return dtsFiles(ws, dir);
    };
    ws.write(`${dir}/src/more.ts`, `export const more: string = 'm';\n`);
    ws.write(`${dir}/src/index.ts`, `${basicSources['src/index.ts']}export { more } from './more.ts';\n`);
    expect(build()).toContain('more.d.ts');
    ws.write(`${dir}/src/more.ts`, `export const more: number = 1;\n`);
    build();
    expect(ws.read(`${dir}/dist/more.d.ts`)).toContain('more: number');
    rmSync(ws.path(dir, 'src/more.ts'));
    ws.write(`${dir}/src/index.ts`, basicSources['src/index.ts']);
    expect(build()).toEqual(SHAPES_DTS);
    expect(ws.read(`${dir}/dist/index.d.ts`)).not.toContain('more');
  });

  it('an export without a written type fails the isolated build in the dts phase with a located TS9007', () => {
    const dir = 'packages/isolated-esbuild';
    ws.write(`${dir}/src/text.ts`, `${basicSources['src/text.ts']}export function twice(n: number) {\n  return n * 2;\n}\n`);
    const r = ws.nx(['run', '@t/isolated-esbuild:build', '--skip-nx-cache']);
    expect(r.code).not.toBe(0);
    const job = ws.latest(dir);
    expect(job.status).toBe('failed');
    expect(job.errors[0]).toMatchObject({ code: 'TYPE_ERROR', phase: 'dts', file: `${dir}/src/text.ts`, line: 2 });
    expect(job.errors[0].message).toContain('TS9007');
    // the previous outputs stay in place, whole
    expect(ws.read(`${dir}/dist/text.d.ts`)).not.toContain('twice');
    ws.write(`${dir}/src/text.ts`, basicSources['src/text.ts']);
  });

  it('a type error inside a body fails the checked build, not the isolated one (that is typecheck’s job)', () => {
    const body = `${basicSources['src/text.ts']}export function count(s: string): number {\n  const n: number = s;\n  return n;\n}\n`;
    for (const kind of ['checked', 'isolated']) {
      ws.write(`packages/${kind}-esbuild/src/text.ts`, body);
      const r = ws.nx(['run', `@t/${kind}-esbuild:build`, '--skip-nx-cache']);
      const job = ws.latest(`packages/${kind}-esbuild`);
      if (kind === 'checked') {
        expect(r.code).not.toBe(0);
        expect(job.errors[0]).toMatchObject({ code: 'TYPE_ERROR', phase: 'dts', file: 'packages/checked-esbuild/src/text.ts', line: 3 });
      } else {
        expect(r.code, r.output).toBe(0);
        expect(job.status).toBe('success');
        expect(ws.read('packages/isolated-esbuild/dist/text.d.ts')).toContain('export declare function count(s: string): number;');
      }
    }
  });
});
