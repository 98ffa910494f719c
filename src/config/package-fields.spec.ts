import { describe, expect, it } from 'vitest';
import { applyEntryFields, formatLike, syncConfigFromStatic, wantedEntryFields } from './package-fields';

const entries = [{ name: 'cli/index' }, { name: 'index' }];

describe('package.json fields wanted for a config', () => {
  it.each([
    [
      'ESM, module package, with declarations',
      { entries, format: ['esm'], outputDir: 'dist', dts: true, packageType: 'module' },
      {
        main: './dist/index.js',
        module: './dist/index.js',
        types: './dist/index.d.ts',
        exports: {
          '.': { types: './dist/index.d.ts', default: './dist/index.js' },
          './cli': { types: './dist/cli/index.d.ts', default: './dist/cli/index.js' },
        },
      },
    ],
    [
      'both formats, plain package: .mjs/.d.mts for import, .cjs/.d.cts for require; main and types are CommonJS',
      { entries: [{ name: 'index' }], format: ['esm', 'cjs'], outputDir: 'lib', dts: true, packageType: 'commonjs' },
      {
        main: './lib/index.cjs',
        module: './lib/index.mjs',
        types: './lib/index.d.cts',
        exports: {
          '.': {
            import: { types: './lib/index.d.mts', default: './lib/index.mjs' },
            require: { types: './lib/index.d.cts', default: './lib/index.cjs' },
          },
        },
      },
    ],
    [
      'CJS only, no declarations',
      { entries: [{ name: 'main' }], format: ['cjs'], outputDir: 'out', dts: false, packageType: 'module' },
      { main: './out/main.cjs', exports: { '.': { default: './out/main.cjs' } } },
    ],
  ] as const)('%s', (_, input, expected) => {
    expect(wantedEntryFields(input as never)).toEqual(expected);
  });
});

describe('applying them to a package.json', () => {
  const wanted = wantedEntryFields({ entries: [{ name: 'index' }], format: ['esm'], outputDir: 'lib', dts: false, packageType: 'module' });

  it('outputDir moved: fields follow, subpaths that pointed only into the old outputDir go, others stay', () => {
    const before = {
      name: 'a',
      main: './dist/index.js',
      types: './types/handwritten.d.ts',
      files: ['dist'],
      exports: { './package.json': './package.json', '.': './dist/index.js', './cli': './dist/cli.js', './assets/*': './dist/assets/*' },
    };
    expect(applyEntryFields(before, wanted, { outputDir: 'lib' })).toEqual({
      pkg: {
        name: 'a',
        main: './lib/index.js',
        module: './lib/index.js',
        types: './types/handwritten.d.ts',
        files: ['dist', 'lib'],
        exports: { './package.json': './package.json', '.': { default: './lib/index.js' }, './assets/*': './dist/assets/*' },
      },
      changed: ['main', 'module', 'files', 'exports["."]', 'exports["./cli"]'],
    });
  });

  it('declarations off: a types field pointing into outputDir goes; a top-level conditions object is replaced whole', () => {
    const before = {
      name: 'a',
      types: './lib/index.d.ts',
      typings: './lib/index.d.ts',
      exports: { import: './lib/index.js', require: './lib/index.cjs' },
    };
    expect(applyEntryFields(before, wanted, { outputDir: 'lib', exportPackageJson: true }).pkg).toEqual({
      name: 'a',
      main: './lib/index.js',
      module: './lib/index.js',
      exports: { '.': { default: './lib/index.js' }, './package.json': './package.json' },
    });
  });

  it('in step: nothing changed, same object contents', () => {
    const once = applyEntryFields({ name: 'a' }, wanted, { outputDir: 'lib' }).pkg;
    expect(applyEntryFields(once, wanted, { outputDir: 'lib' })).toEqual({ pkg: once, changed: [] });
  });

  it('keeps the indentation and final newline of the file', () => {
    expect(formatLike('{\n    "a": 1\n}', { a: 2 })).toBe('{\n    "a": 2\n}');
    expect(formatLike('{\n\t"a": 1\n}\n', { a: 2 })).toBe('{\n\t"a": 2\n}\n');
  });
});

describe('sync fields from a plain-data config', () => {
  it('defaults, environment overrides, and undefined for what is not plain', () => {
    expect(syncConfigFromStatic({}, { types: './dist/index.d.ts' })).toEqual({
      builder: 'esbuild',
      entries: [{ name: 'index', path: 'src/index.ts' }],
      format: ['esm'],
      outputDir: 'dist',
      dts: true,
    });
    expect(
      syncConfigFromStatic({ outputDir: './lib/', format: 'cjs', environments: { production: { format: ['esm', 'cjs'] } } }, {}),
    ).toMatchObject({ outputDir: 'lib', format: ['esm', 'cjs'], dts: false });
    expect(syncConfigFromStatic({ format: 'umd' }, {})).toBeUndefined();
    expect(syncConfigFromStatic({ outputDir: '../out' }, {})).toBeUndefined();
    expect(syncConfigFromStatic({ entry: 42 }, {})).toBeUndefined();
  });
});
