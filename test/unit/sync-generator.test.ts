import { readJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { configGenerator } from '../../src/generators/config/generator';
import { syncGenerator } from '../../src/generators/sync/generator';

const cfg = (body: string) => `import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig(${body});\n`;

function workspace(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  tree.delete('.oxfmtrc.json');
  writeJson(tree, 'package.json', {
    name: 'ws',
    private: true,
    workspaces: ['packages/*'],
    devDependencies: { typescript: '5.9.3', esbuild: '0.28.2' },
  });
  return tree;
}

function addPackage(tree: Tree, dir: string, pkg: Record<string, unknown>, config?: string) {
  writeJson(tree, `${dir}/package.json`, pkg);
  tree.write(`${dir}/src/index.ts`, 'export const x = 1;\n');
  tree.write(`${dir}/src/cli/index.ts`, 'export const y = 1;\n');
  if (config !== undefined) tree.write(`${dir}/build.config.ts`, config);
}

describe('sync generator (package.json entry points follow build.config.ts)', () => {
  let tree: Tree;
  const pkg = (dir = 'packages/util') => readJson(tree, `${dir}/package.json`);
  beforeEach(() => {
    tree = workspace();
  });

  it('reports nothing when package.json is in step, and changes no file', async () => {
    addPackage(tree, 'packages/util', { name: '@t/util', version: '1.0.0' });
    await configGenerator(tree, { project: '@t/util', builder: 'esbuild', format: 'esm,cjs', skipFormat: true });
    const before = tree.listChanges().map((c) => [c.path, c.content?.toString()]);
    expect(await syncGenerator(tree)).toBeUndefined();
    expect(tree.listChanges().map((c) => [c.path, c.content?.toString()])).toEqual(before);
  });

  it('formats and outputDir changed: main/module/types/exports follow, each changed field named', async () => {
    addPackage(
      tree,
      'packages/util',
      {
        name: '@t/util',
        version: '1.0.0',
        type: 'module',
        main: './dist/index.js',
        types: './dist/index.d.ts',
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
      },
      cfg(`{ builder: 'esbuild', outputDir: 'lib', format: ['esm', 'cjs'], dts: true }`),
    );
    const result = await syncGenerator(tree);
    expect(result).toEqual({
      outOfSyncMessage: 'package.json entry points (main/module/types/exports) are out of step with build.config.ts',
      outOfSyncDetails: ['packages/util/package.json: main, module, types, exports["."]'],
    });
    expect(pkg()).toEqual({
      name: '@t/util',
      version: '1.0.0',
      type: 'module',
      main: './lib/index.cjs',
      module: './lib/index.js',
      types: './lib/index.d.cts',
      exports: {
        '.': {
          import: { types: './lib/index.d.ts', default: './lib/index.js' },
          require: { types: './lib/index.d.cts', default: './lib/index.cjs' },
        },
        './package.json': './package.json',
      },
    });
    // a second run finds nothing to do
    expect(await syncGenerator(tree)).toBeUndefined();
  });

  it('entries changed: a new subpath is added, the subpath of a removed entry dropped, foreign subpaths kept', async () => {
    addPackage(
      tree,
      'packages/util',
      {
        name: '@t/util',
        type: 'module',
        main: './dist/index.js',
        exports: { '.': { default: './dist/index.js' }, './old': { default: './dist/old.js' }, './styles.css': './styles.css' },
      },
      cfg(`{ builder: 'tsc', entry: ['src/index.ts', 'src/cli/index.ts'] }`),
    );
    const result = await syncGenerator(tree);
    expect(result && result.outOfSyncDetails).toEqual(['packages/util/package.json: module, exports["./cli"], exports["./old"]']);
    expect(pkg().exports).toEqual({
      '.': { default: './dist/index.js' },
      './styles.css': './styles.css',
      './cli': { default: './dist/cli/index.js' },
    });
  });

  it('a package without "type": "module" gets .mjs and .d.mts; the production overrides of format and dts apply', async () => {
    addPackage(
      tree,
      'packages/util',
      { name: '@t/util' },
      cfg(`{ format: 'cjs', environments: { production: { format: ['esm'], dts: true } } }`),
    );
    await syncGenerator(tree);
    expect(pkg()).toEqual({
      name: '@t/util',
      main: './dist/index.mjs',
      module: './dist/index.mjs',
      types: './dist/index.d.mts',
      exports: { '.': { types: './dist/index.d.mts', default: './dist/index.mjs' } },
    });
  });

  it('leaves custom builds, foreign configs and projects without a config alone; keeps the file indentation', async () => {
    addPackage(
      tree,
      'packages/custom',
      { name: '@t/custom', main: './out.js' },
      cfg(`{ builder: 'custom', builderOptions: { command: 'make' } }`),
    );
    addPackage(
      tree,
      'packages/unbuild',
      { name: '@t/unbuild', main: './out.js' },
      `import { defineBuildConfig } from 'unbuild';\nexport default defineBuildConfig({});\n`,
    );
    addPackage(tree, 'packages/none', { name: '@t/none', main: './out.js' });
    tree.write('packages/tabs/package.json', '{\n\t"name": "@t/tabs",\n\t"type": "module"\n}\n');
    tree.write('packages/tabs/src/index.ts', '');
    tree.write('packages/tabs/build.config.ts', cfg('{}'));
    const result = await syncGenerator(tree);
    expect(result && result.outOfSyncDetails).toEqual(['packages/tabs/package.json: main, module, exports']);
    for (const p of ['custom', 'unbuild', 'none']) expect(pkg(`packages/${p}`).main).toBe('./out.js');
    expect(tree.read('packages/tabs/package.json', 'utf-8')).toBe(
      '{\n\t"name": "@t/tabs",\n\t"type": "module",\n\t"main": "./dist/index.js",\n\t"module": "./dist/index.js",\n\t"exports": {\n\t\t".": {\n\t\t\t"default": "./dist/index.js"\n\t\t}\n\t}\n}\n',
    );
  });
});
