import { init } from 'es-module-lexer';
import { beforeAll, describe, expect, it } from 'vitest';
import { EmittedLayout, rewriteDeclaration, rewriteSpecifiers } from './tsc-outputs';

const layout = new EmittedLayout(new Set(['index.js', 'math.js', 'dir/index.js', 'dir/a.js', 'data.json', 'types.d.ts', 'legacy.cjs']));

describe('what a relative specifier names among the emitted files', () => {
  it.each([
    ['index.js', './math', { kind: 'module', stem: 'math' }],
    ['index.js', './math.js', { kind: 'module', stem: 'math' }],
    ['index.js', './math.ts', { kind: 'module', stem: 'math' }],
    ['index.js', './dir', { kind: 'module', stem: 'dir/index' }],
    ['index.js', './dir/', { kind: 'module', stem: 'dir/index' }],
    ['dir/a.js', '..', { kind: 'module', stem: 'index' }],
    ['dir/a.js', '.', { kind: 'module', stem: 'dir/index' }],
    ['dir/a.js', '../data.json', { kind: 'file', path: 'data.json' }],
    ['index.js', './legacy.cts', { kind: 'file', path: 'legacy.cjs' }],
    ['index.js', './styles.css', undefined],
    ['index.js', '../outside', undefined],
  ])('%s imports %s', (from, spec, expected) => {
    expect(layout.resolve(from, spec)).toEqual(expected);
  });
});

describe('rewriting the specifiers of one emitted file', () => {
  beforeAll(() => init);

  it('ESM: every relative import names its file; JSON imports get their attribute; bare and dynamic non-literal ones stay', () => {
    const code = [
      `export * from './math';`,
      `export { helper } from "./dir";`,
      `import data from './data.json';`,
      `import kept from './data.json' with { type: 'json' };`,
      `import fs from 'node:fs';`,
      `const lazy = await import('./math.ts');`,
      `const json = await import('./data.json');`,
      `const anyOf = (n) => import(\`./\${n}\`);`,
      `// import nope from './nope'`,
    ].join('\n');
    const out = rewriteSpecifiers(code, 'index.js', layout, { ext: '.mjs', jsonAttributes: 'all' });
    expect(out).toEqual({
      unresolved: [],
      code: [
        `export * from './math.mjs';`,
        `export { helper } from "./dir/index.mjs";`,
        `import data from './data.json' with { type: 'json' };`,
        `import kept from './data.json' with { type: 'json' };`,
        `import fs from 'node:fs';`,
        `const lazy = await import('./math.mjs');`,
        `const json = await import('./data.json', { with: { type: 'json' } });`,
        `const anyOf = (n) => import(\`./\${n}\`);`,
        `// import nope from './nope'`,
      ].join('\n'),
    });
  });

  it('declarations for CommonJS name .cjs files, without attributes; an unknown file is reported', () => {
    const dts = `import type { Pair } from '../math';\nexport declare const f: () => import("../math").Pair;\nexport * from './missing';\n`;
    expect(rewriteSpecifiers(dts, 'dir/a.d.ts', layout, { ext: '.cjs', jsonAttributes: 'none' })).toEqual({
      code: `import type { Pair } from '../math.cjs';\nexport declare const f: () => import("../math.cjs").Pair;\nexport * from './missing';\n`,
      unresolved: ['./missing'],
    });
  });
});

describe('declaration files for each format', () => {
  beforeAll(() => init);
  const emitted = new EmittedLayout(
    new Set([
      'index.js',
      'index.d.ts',
      'types.js',
      'types.d.ts',
      'shapes/index.js',
      'shapes/index.d.ts',
      'data.json',
      'legacy.cjs',
      'legacy.d.cts',
    ]),
  );
  const dts = [
    `/// <reference path="./globals.d.ts" />`,
    `export type { Shape } from './shapes';`,
    `export type * from "./types";`,
    `import type { Pair } from './types.ts';`,
    `export { type Tag, kind } from './shapes/';`,
    `export declare const pair: import('./types').Pair;`,
    `export { default as data } from './data.json';`,
    `export { old } from './legacy.cjs';`,
    `export * from './missing';`,
    `export { ext } from 'external/sub';`,
  ].join('\n');

  it('ESM: every relative specifier, type-only re-exports and import() types included, names the file; JSON gets its attribute', () => {
    expect(rewriteDeclaration(dts, 'index.d.ts', emitted, '.js').split('\n')).toEqual([
      `/// <reference path="./globals.d.ts" />`,
      `export type { Shape } from './shapes/index.js';`,
      `export type * from "./types.js";`,
      `import type { Pair } from './types.js';`,
      `export { type Tag, kind } from './shapes/index.js';`,
      `export declare const pair: import('./types.js').Pair;`,
      `export { default as data } from './data.json' with { type: 'json' };`,
      `export { old } from './legacy.cjs';`,
      `export * from './missing';`,
      `export { ext } from 'external/sub';`,
    ]);
  });

  it('CommonJS (.d.cts) names .cjs files, from a subdirectory too, and adds no attributes', () => {
    expect(rewriteDeclaration(dts, 'index.d.ts', emitted, '.cjs').split('\n').slice(1, 8)).toEqual([
      `export type { Shape } from './shapes/index.cjs';`,
      `export type * from "./types.cjs";`,
      `import type { Pair } from './types.cjs';`,
      `export { type Tag, kind } from './shapes/index.cjs';`,
      `export declare const pair: import('./types.cjs').Pair;`,
      `export { default as data } from './data.json';`,
      `export { old } from './legacy.cjs';`,
    ]);
    const fromSub = `export type { Pair } from '../types';\nexport * from '..';\nexport type { S } from '.';\n`;
    expect(rewriteDeclaration(fromSub, 'shapes/index.d.ts', emitted, '.cjs')).toBe(
      `export type { Pair } from '../types.cjs';\nexport * from '../index.cjs';\nexport type { S } from './index.cjs';\n`,
    );
  });
});
