import { describe, expect, it } from 'vitest';
import { moduleSpecifiers } from './source-imports';

describe('moduleSpecifiers (what TypeScript’s preProcessFile reports, plus export * as)', () => {
  it.each([
    ["import x from 'a'; import { y } from \"b\"; import 'c'; import * as z from './d.ts';", ['a', 'b', 'c', './d.ts']],
    ["import type { T } from './t.js'; import type Q from 'q'; export type { B } from 'p';", ['./t.js', 'q', 'p']],
    ["export * from './all'; export * as ns from './ns.ts'; export { a as b } from './o';", ['./all', './ns.ts', './o']],
    ["import z = require('g'); const r = require('e');", ['g', 'e']],
    ["type T = typeof import('h'); const m = import.meta.url; const q = await import('i');", ['h', 'i']],
    ['const all = [...import("./spread")];', ['./spread']],
    ["const s = `${import('j')}`;", ['j']],
    ["// import 'k'\n/* import 'l' */ const t = 'import \"m\"'; const u = `from 'n'`;", []],
    ["const re = /'/; import w from 'r';", ['r']],
    ["const re = /[/'\"]/g; const d = a / b / c; import w from 'r2';", ['r2']],
    ["const d = x / 2; const e = (y) / 3; import w from 'r3';", ['r3']],
    ["if (a) { import('s') } function f() { return require('t') }", ['s', 't']],
    ["const y = x.require('f'); const o = { from: 'x' }; obj.from('y');", []],
    ["export {}; declare module 'b' { interface X {} }", ['b']],
    ["declare module 'a' { export const x: number; }", []],
    ["const t = `a ${`b ${import('./nested')}`} c`; import v from 'after';", ['./nested', 'after']],
  ])('%s', (source, expected) => {
    expect(moduleSpecifiers(source)).toEqual(expected);
  });
});
