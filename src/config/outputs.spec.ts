import { describe, expect, it } from 'vitest';
import { dtsExtension, entryOutputs, jsExtension, packageTypeOf } from './outputs';

describe('output files per format and package type', () => {
  it('ESM is .js in a module package and .mjs elsewhere; CJS is always .cjs', () => {
    expect(jsExtension('esm', 'module')).toBe('.js');
    expect(jsExtension('esm', 'commonjs')).toBe('.mjs');
    expect(jsExtension('cjs', 'module')).toBe('.cjs');
    expect(jsExtension('cjs', 'commonjs')).toBe('.cjs');
  });
  it('declarations follow their module', () => {
    expect(['.js', '.mjs', '.cjs'].map((e) => dtsExtension(e as never))).toEqual(['.d.ts', '.d.mts', '.d.cts']);
  });
  it('package type: only "module" is module', () => {
    expect(packageTypeOf({ type: 'module' })).toBe('module');
    expect(packageTypeOf({})).toBe('commonjs');
    expect(packageTypeOf({ type: 'commonjs' })).toBe('commonjs');
  });
  it('lists every entry in every format', () => {
    expect(entryOutputs([{ name: 'index' }, { name: 'cli/index' }], ['esm', 'cjs'], 'module')).toEqual([
      { entry: 'index', format: 'esm', js: 'index.js', dts: 'index.d.ts' },
      { entry: 'index', format: 'cjs', js: 'index.cjs', dts: 'index.d.cts' },
      { entry: 'cli/index', format: 'esm', js: 'cli/index.js', dts: 'cli/index.d.ts' },
      { entry: 'cli/index', format: 'cjs', js: 'cli/index.cjs', dts: 'cli/index.d.cts' },
    ]);
  });
});
