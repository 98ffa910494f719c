import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helpers shared with scripts/
import { compareSurfaces, entrySubpaths, readPackageSurface } from '../../scripts/public-surface.mjs';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A published-looking dual package `dual` under root/node_modules. */
function dualPackage(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'surface-'));
  roots.push(root);
  const pkg = {
    name: 'dual',
    version: '1.0.0',
    type: 'module',
    exports: {
      '.': {
        import: { types: './dist/index.d.ts', default: './dist/index.js' },
        require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
      },
      './package.json': './package.json',
    },
  };
  const all = { 'package.json': JSON.stringify(pkg), ...files };
  for (const [f, c] of Object.entries(all)) {
    const p = join(root, 'node_modules', 'dual', f);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, c);
  }
  return root;
}

const goodFiles = {
  'dist/index.js': "export { greet } from './greet.js';\nexport const answer = 42;\n",
  'dist/greet.js': 'export const greet = (s) => `hi ${s}`;\n',
  'dist/index.cjs': 'exports.greet = (s) => `hi ${s}`;\nexports.answer = 42;\n',
  'dist/index.d.ts': "export { greet, type Greeting } from './greet.js';\nexport declare const answer = 42;\n",
  'dist/greet.d.ts': 'export interface Greeting { to: string }\nexport declare const greet: (s: string) => string;\n',
  'dist/index.d.cts':
    'export interface Greeting { to: string }\nexport declare const greet: (s: string) => string;\nexport declare const answer = 42;\n',
};

describe('public surface reader', () => {
  it('reads runtime names per condition, declared names, which are values, and no errors for a sound package', () => {
    const s = readPackageSurface(dualPackage(goodFiles), 'dual');
    expect(Object.keys(s.entries)).toEqual(['.']);
    for (const c of ['import', 'require']) {
      expect(s.entries['.'][c]).toEqual({
        runtime: ['answer', 'greet'],
        declared: ['Greeting', 'answer', 'greet'],
        declaredValues: ['answer', 'greet'],
        declarationErrors: [],
      });
    }
  });

  it('reports an extensionless specifier in an ESM .d.ts (TS2835) and a module Node cannot load', () => {
    const files = {
      ...goodFiles,
      'dist/index.d.ts': goodFiles['dist/index.d.ts'].replace("'./greet.js'", "'./greet'"),
      'dist/index.js': "export { greet } from './greet';\n",
    };
    const s = readPackageSurface(dualPackage(files), 'dual');
    expect(s.entries['.'].import.runtime.error).toMatch(/ERR_MODULE_NOT_FOUND/);
    expect(s.entries['.'].import.declarationErrors.join('\n')).toMatch(/^TS2835 node_modules\/dual\/dist\/index\.d\.ts:1: /);
    expect(s.entries['.'].require.declarationErrors).toEqual([]);
  });

  it('entry subpaths leave out package.json and patterns', () => {
    expect(entrySubpaths({ '.': './a.js', './cli': './cli.js', './package.json': './package.json', './*': './*.js' })).toEqual([
      '.',
      './cli',
    ]);
    expect(entrySubpaths('./index.js')).toEqual(['.']);
    expect(entrySubpaths({ import: './a.js', require: './a.cjs' })).toEqual(['.']);
  });
});

describe('surface comparison', () => {
  const side = (over: Record<string, unknown> = {}) => ({
    runtime: ['a', 'b'],
    declared: ['T', 'a', 'b'],
    declaredValues: ['a', 'b'],
    declarationErrors: [],
    ...over,
  });
  const surface = (imp = side(), req = side(), extra: Record<string, unknown> = {}) => ({
    entries: { '.': { import: imp, require: req }, ...extra },
  });

  it('matching surfaces give no differences', () => {
    expect(compareSurfaces('@x/p', surface(), surface())).toEqual([]);
  });

  it('names package, entry, condition, field and the missing and extra names', () => {
    const got = surface(
      side({ runtime: ['a', 'c'] }),
      side({ declared: { error: 'TS7016 Could not find a declaration file' }, declaredValues: [] }),
    );
    expect(compareSurfaces('@x/p', surface(), got)).toEqual([
      '@x/p "." import runtime: missing [b], extra [c]',
      '@x/p "." require declared: expected 3 names, got error (TS7016 Could not find a declaration file)',
      '@x/p "." require declaredValues: missing [a, b]',
    ]);
  });

  it('reports new declaration errors (first five and a count) and subpaths that differ', () => {
    const errors = Array.from({ length: 7 }, (_, i) => `TS2835 node_modules/x/index.d.ts:${i + 1}: m`);
    const got = surface(side({ declarationErrors: errors }), side(), { './extra': {} });
    const out = compareSurfaces('@x/p', surface(), got);
    expect(out[0]).toBe('@x/p: exports subpaths extra [./extra]');
    expect(out[1]).toMatch(/^@x\/p "\." import declarationErrors: new \[TS2835 node_modules\/x\/index\.d\.ts:1: m, .*:5: m, … 2 more\]$/);
  });
});
