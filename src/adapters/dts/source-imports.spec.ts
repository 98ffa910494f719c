import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declarationFileFor, moduleSpecifiers, reachableSources } from './source-imports';

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

describe('reachableSources', () => {
  it('walks the imports breadth first, once each, skips declaration files and hands out files outside the root', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reachable-'));
    try {
      const files: Record<string, string[]> = {
        'src/index.ts': ['src/a.ts', 'src/b.ts'],
        'src/a.ts': ['src/b.ts', 'src/types.d.ts'],
        'src/b.ts': ['outside.ts', 'src/index.ts'],
        'src/types.d.ts': [],
        'outside.ts': [],
      };
      for (const f of Object.keys(files)) {
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        writeFileSync(join(dir, f), `// ${f}\n`);
      }
      const outside: string[] = [];
      const reached = reachableSources(
        [join(dir, 'src/index.ts')],
        join(dir, 'src'),
        (source) => files[source.slice(3).trim()].map((f) => join(dir, f)),
        (file) => outside.push(file),
      );
      expect(reached.map((r) => r.rel)).toEqual(['index.ts', 'a.ts', 'b.ts']);
      expect(reached[1].source).toBe('// src/a.ts\n');
      expect(outside).toEqual([join(dir, 'outside.ts')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names each source’s declaration file by its extension', () => {
    expect(declarationFileFor('/out', 'a/b.ts')).toBe('/out/a/b.d.ts');
    expect(declarationFileFor('/out', 'x.mts')).toBe('/out/x.d.mts');
    expect(declarationFileFor('/out', 'x.cts')).toBe('/out/x.d.cts');
    expect(declarationFileFor('/out', 'c.tsx')).toBe('/out/c.d.ts');
  });
});
