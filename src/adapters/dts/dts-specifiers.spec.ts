import { describe, expect, it } from 'vitest';
import {
  bareSpecifiers,
  chunkSpecifiersToModules,
  declarationPathOf,
  declarationStem,
  perFileSpecifier,
  relativeSpecifiers,
  rewriteRelativeSpecifiers,
} from './dts-specifiers';

describe('declaration file names', () => {
  it('follow their source: .ts/.tsx/.js → .d.ts, .mts/.mjs → .d.mts, .cts/.cjs → .d.cts; a .d.ts stays', () => {
    expect(
      ['a.ts', 'a.tsx', 'a.js', 'a.jsx', 'a.mts', 'a.mjs', 'a.cts', 'a.cjs', 'a.d.ts', 'a.d.mts', 'dir/a.b.ts'].map(declarationPathOf),
    ).toEqual(['a.d.ts', 'a.d.ts', 'a.d.ts', 'a.d.ts', 'a.d.mts', 'a.d.mts', 'a.d.cts', 'a.d.cts', 'a.d.ts', 'a.d.mts', 'dir/a.b.d.ts']);
    expect(['a.d.ts', 'x/a.d.cts', 'a.ts', 'a.js'].map(declarationStem)).toEqual(['a', 'x/a', undefined, undefined]);
  });
});

describe('specifiers in declaration text', () => {
  const dts = `/** Example: import { x } from './not-code'; */
import type { A } from './a.ts';
import { B } from "../b";
export * from './c.js';
export { D } from '@scope/pkg';
import E = require('./e');
import './side';
declare const s: "from './in-a-string'";
// export { F } from './commented';
export declare function f(): import('./g').G;
declare module './augmented' { interface X {} }
declare module 'pkg-augmented' { interface Y {} }
`;

  it('finds relative ones outside comments and strings', () => {
    expect(relativeSpecifiers(dts)).toEqual(['./a.ts', '../b', './c.js', './e', './side', './g', './augmented']);
  });

  it('finds bare ones (module augmentations aside)', () => {
    expect(bareSpecifiers(dts)).toEqual(['@scope/pkg']);
  });

  it('counts `.` and `..` (the index of a directory) as relative', () => {
    const parent = `export * from '..';\nexport type { T } from ".";\nexport * from '.hidden';\n`;
    expect(relativeSpecifiers(parent)).toEqual(['..', '.']);
    expect(bareSpecifiers(parent)).toEqual(['.hidden']);
  });

  it('rewrites only the relative specifiers it is given a replacement for, keeping quotes', () => {
    const out = rewriteRelativeSpecifiers(dts, (s) => (s === './a.ts' ? './a.js' : s === '../b' ? '../b/index.js' : undefined));
    expect(out).toContain(`import type { A } from './a.js';`);
    expect(out).toContain(`import { B } from "../b/index.js";`);
    expect(out).toContain(`/** Example: import { x } from './not-code'; */`);
    expect(out).toContain(`export * from './c.js';`);
  });

  it('rewrites bundled chunk specifiers from declaration files to the modules they describe', () => {
    const code = `import { t as T } from './chunks/types-Ab1.d.mts';\nexport { T };\nimport { u } from '../chunks/u-x.d.mts';\n`;
    expect(chunkSpecifiersToModules(code, '.d.mts', '.mjs')).toBe(
      `import { t as T } from './chunks/types-Ab1.mjs';\nexport { T };\nimport { u } from '../chunks/u-x.mjs';\n`,
    );
    expect(chunkSpecifiersToModules(`export * from './x.d.ts';`, '.d.cts', '.cjs')).toBe(`export * from './x.d.ts';`);
  });
});

describe('per-file specifiers', () => {
  const emitted = new Set(['index', 'text', 'shapes/index', 'shapes/area', 'lib.v2']);
  const exists = (stem: string) => emitted.has(stem);
  const rewrite = (spec: string, importer = 'index.d.ts', js: '.js' | '.mjs' | '.cjs' = '.js') =>
    perFileSpecifier(spec, importer, js, exists);

  it('name the module with the extension of the format, whatever the source wrote', () => {
    expect(['./text', './text.ts', './text.js', './text.mts'].map((s) => rewrite(s))).toEqual([
      './text.js',
      './text.js',
      './text.js',
      './text.js',
    ]);
    expect(rewrite('./text.ts', 'index.d.mts', '.mjs')).toBe('./text.mjs');
    expect(rewrite('./text', 'index.d.cts', '.cjs')).toBe('./text.cjs');
    expect(rewrite('./lib.v2')).toBe('./lib.v2.js');
  });

  it('name a directory import by its index file', () => {
    expect(rewrite('./shapes')).toBe('./shapes/index.js');
    expect(rewrite('./shapes/')).toBe('./shapes/index.js');
    expect(rewrite('../index', 'shapes/area.d.ts', '.cjs')).toBe('../index.cjs');
    expect(rewrite('./area', 'shapes/index.d.ts')).toBe('./area.js');
  });

  it('leave what has no emitted declarations as written', () => {
    expect(rewrite('./settings.json')).toBeUndefined();
    expect(rewrite('./missing')).toBeUndefined();
  });
});
