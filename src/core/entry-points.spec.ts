import { describe, expect, it } from 'vitest';
import { checkEntryPoints, entryPointPaths, fieldPath, jsonKeyPositions, type PackageFiles } from './entry-points';

const files = (outputDir: string, outputs: string[], others: string[] = []): PackageFiles => ({
  outputDir,
  outputs,
  isFile: (rel) => outputs.includes(rel) || others.includes(rel),
});

describe('package.json entry points', () => {
  it('field paths read as written in JavaScript', () => {
    expect(fieldPath(['exports', '.', 'import'])).toBe('exports["."].import');
    expect(fieldPath(['exports', './cli', 'require', 'types'])).toBe('exports["./cli"].require.types');
    expect(fieldPath(['bin', 'my-cli'])).toBe('bin["my-cli"]');
    expect(fieldPath(['exports', '.', 'node', 0])).toBe('exports["."].node[0]');
  });

  it('collects main, module, types, typings, bin and every exports condition, nested and per subpath', () => {
    const pkg = {
      main: './dist/index.cjs',
      module: './dist/index.js',
      types: './dist/index.d.cts',
      typings: './dist/index.d.cts',
      bin: { tool: './dist/cli.js' },
      exports: {
        '.': {
          import: { types: './dist/index.d.ts', default: './dist/index.js' },
          require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
        },
        './cli': ['./dist/cli.js'],
        './private': null,
        './package.json': './package.json',
      },
    };
    expect(entryPointPaths(pkg).map((e) => [e.field, e.value])).toEqual([
      ['main', './dist/index.cjs'],
      ['module', './dist/index.js'],
      ['types', './dist/index.d.cts'],
      ['typings', './dist/index.d.cts'],
      ['bin.tool', './dist/cli.js'],
      ['exports["."].import.types', './dist/index.d.ts'],
      ['exports["."].import.default', './dist/index.js'],
      ['exports["."].require.types', './dist/index.d.cts'],
      ['exports["."].require.default', './dist/index.cjs'],
      ['exports["./cli"][0]', './dist/cli.js'],
      ['exports["./package.json"]', './package.json'],
    ]);
    expect(entryPointPaths({ bin: 'cli.js', exports: './dist/index.js' }).map((e) => e.field)).toEqual(['bin', 'exports']);
  });

  it('a path inside outputDir must have been written; the message names what was written instead', () => {
    const pkg = {
      main: './dist/index.js',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
    };
    const problems = checkEntryPoints(pkg, files('dist', ['dist/index.cjs', 'dist/index.d.cts'], ['package.json']));
    expect(problems.map((p) => [p.entry.field, p.message])).toEqual([
      ['main', 'package.json `main` names ./dist/index.js, which the build did not write (it wrote ./dist/index.cjs, ./dist/index.d.cts)'],
      [
        'exports["."].types',
        'package.json `exports["."].types` names ./dist/index.d.ts, which the build did not write (it wrote ./dist/index.cjs, ./dist/index.d.cts)',
      ],
      [
        'exports["."].default',
        'package.json `exports["."].default` names ./dist/index.js, which the build did not write (it wrote ./dist/index.cjs, ./dist/index.d.cts)',
      ],
    ]);
  });

  it('main and types may leave out the extension or name a directory, as Node and TypeScript allow', () => {
    expect(checkEntryPoints({ main: 'dist/index', types: 'dist' }, files('dist', ['dist/index.js', 'dist/index.d.ts']))).toEqual([]);
    expect(checkEntryPoints({ module: 'dist/index' }, files('dist', ['dist/index.js']))).toHaveLength(1);
  });

  it('outputDir moved: a missing path is reported, and so is a leftover of an earlier build', () => {
    const pkg = { main: './dist/index.js', types: './types/index.d.ts', exports: { '.': './dist/index.js' } };
    const missing = checkEntryPoints(pkg, files('lib', ['lib/index.js', 'lib/index.d.ts'], ['types/index.d.ts']));
    expect(missing.map((p) => p.entry.field)).toEqual(['main', 'exports["."]']);
    expect(missing[0].message).toBe('package.json `main` names ./dist/index.js, which does not exist (the build writes to lib/)');
    const leftover = checkEntryPoints(pkg, files('lib', ['lib/index.js'], ['dist/index.js', 'types/index.d.ts']));
    expect(leftover.map((p) => p.message)).toEqual([
      'package.json `main` names ./dist/index.js, outside outputDir "lib": a leftover of an earlier build (this build wrote ./lib/index.js)',
      'package.json `exports["."]` names ./dist/index.js, outside outputDir "lib": a leftover of an earlier build (this build wrote ./lib/index.js)',
    ]);
  });

  it('patterns inside outputDir must match an output; paths outside the package are not checked', () => {
    expect(checkEntryPoints({ exports: { './*': './dist/*.js' } }, files('dist', ['dist/a.js']))).toEqual([]);
    expect(checkEntryPoints({ exports: { './*': './dist/*.mjs' } }, files('dist', ['dist/a.js'])).map((p) => p.entry.field)).toEqual([
      'exports["./*"]',
    ]);
    expect(checkEntryPoints({ main: '../other/index.js', exports: { './src/*': './src/*.ts' } }, files('dist', []))).toEqual([]);
  });

  it('locates keys in the JSON text', () => {
    const text = '{\n  "name": "a",\n  "exports": {\n    ".": { "import": "./x.js" },\n    "./cli": ["./c.js"]\n  }\n}\n';
    const at = jsonKeyPositions(text);
    expect(at.get(JSON.stringify(['name']))).toEqual({ line: 2, column: 3 });
    expect(at.get(JSON.stringify(['exports', '.', 'import']))).toEqual({ line: 4, column: 12 });
    expect(at.get(JSON.stringify(['exports', './cli', 0]))).toEqual({ line: 5, column: 15 });
    expect(jsonKeyPositions('{ "a": ').get('["a"]')).toEqual({ line: 1, column: 3 });
  });
});
