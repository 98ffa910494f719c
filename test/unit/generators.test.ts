import { addProjectConfiguration, readJson, readNxJson, updateNxJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { configGenerator, normalizeConfigOptions } from '../../src/generators/config/generator';
import { initGenerator } from '../../src/generators/init/generator';

function addPackage(tree: Tree, root: string, name: string, extra: Record<string, unknown> = {}) {
  writeJson(tree, `${root}/package.json`, { name, version: '1.0.0', ...extra });
  tree.write(`${root}/src/index.ts`, 'export const x = 1;\n');
}

describe('init generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('registers the plugin, ignores .build-cache and adds a production named input', async () => {
    const nx = readNxJson(tree)!;
    delete nx.namedInputs;
    updateNxJson(tree, nx);
    await initGenerator(tree, { skipFormat: true });
    const after = readNxJson(tree)!;
    expect(after.plugins).toContainEqual({ plugin: '@repo/build-system/plugin', options: { buildTargetName: 'build', cleanTargetName: 'clean' } });
    expect(after.namedInputs!.production).toEqual(expect.arrayContaining(['default', '!{projectRoot}/**/?(*.)+(spec|test).[jt]s?(x)?(.snap)']));
    expect(tree.read('.gitignore', 'utf-8')).toMatch(/^\.build-cache$/m);
  });

  it('is idempotent: a second run changes nothing', async () => {
    await initGenerator(tree, { skipFormat: true });
    const snapshot = tree.listChanges().map((c) => [c.path, c.content?.toString()]);
    await initGenerator(tree, { skipFormat: true });
    expect(tree.listChanges().map((c) => [c.path, c.content?.toString()])).toEqual(snapshot);
    expect(readNxJson(tree)!.plugins!.length).toBe(1);
    expect(tree.read('.gitignore', 'utf-8')!.match(/\.build-cache/g)!.length).toBe(1);
  });

  it('keeps an existing plugin entry (string or object form) and an existing production input', async () => {
    const nx = readNxJson(tree)!;
    nx.plugins = ['@repo/build-system', { plugin: '@nx/js/typescript' }];
    nx.namedInputs = { default: ['{projectRoot}/**/*'], production: ['default', '!{projectRoot}/**/*.spec.ts'] };
    updateNxJson(tree, nx);
    await initGenerator(tree, { skipFormat: true, buildTargetName: 'compile' });
    expect(readNxJson(tree)!.plugins).toEqual(['@repo/build-system', { plugin: '@nx/js/typescript' }]);
    expect(readNxJson(tree)!.namedInputs!.production).toEqual(['default', '!{projectRoot}/**/*.spec.ts']);
  });

  it('uses custom target names when given', async () => {
    await initGenerator(tree, { skipFormat: true, buildTargetName: 'compile', cleanTargetName: 'wipe' });
    expect(readNxJson(tree)!.plugins).toContainEqual({ plugin: '@repo/build-system/plugin', options: { buildTargetName: 'compile', cleanTargetName: 'wipe' } });
  });
});

describe('config generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    addPackage(tree, 'packages/utils', '@acme/utils');
  });

  it('normalizes options with sensible defaults', () => {
    expect(normalizeConfigOptions(tree, { project: 'packages/utils' })).toEqual({
      projectName: 'packages/utils',
      projectRoot: 'packages/utils',
      packageName: '@acme/utils',
      builder: 'bun',
      entry: 'src/index.ts',
      outputDir: 'dist',
      formats: ['esm'],
      dts: true,
      force: false,
    });
    expect(normalizeConfigOptions(tree, { project: '@acme/utils', format: 'esm,cjs', outputDir: './lib/', builder: 'tsc', dts: false })).toMatchObject({
      projectRoot: 'packages/utils',
      formats: ['esm', 'cjs'],
      outputDir: 'lib',
      builder: 'tsc',
      dts: false,
    });
    expect(() => normalizeConfigOptions(tree, { project: 'packages/utils', format: 'umd' })).toThrow('--format: "umd"');
    expect(() => normalizeConfigOptions(tree, { project: 'packages/utils', outputDir: '..' })).toThrow('--outputDir');
    expect(() => normalizeConfigOptions(tree, { project: 'nope' })).toThrow('Cannot find project "nope"');
  });

  it('writes a typed build.config.ts, registers the plugin and points package.json at the outputs', async () => {
    await configGenerator(tree, { project: 'packages/utils', builder: 'esbuild', format: 'esm,cjs', skipFormat: true });
    const config = tree.read('packages/utils/build.config.ts', 'utf-8')!;
    expect(config).toContain("import { defineBuildConfig } from '@repo/build-system';");
    expect(config).toContain("name: '@acme/utils'");
    expect(config).toContain("builder: 'esbuild'");
    expect(config).toContain("format: ['esm', 'cjs']");
    expect(config).toContain('dts: true');
    expect(readNxJson(tree)!.plugins).toContainEqual(expect.objectContaining({ plugin: '@repo/build-system/plugin' }));
    const pkg = readJson(tree, 'packages/utils/package.json');
    expect(pkg).toMatchObject({
      type: 'module',
      main: './dist/index.cjs',
      module: './dist/index.js',
      types: './dist/index.d.ts',
      exports: {
        '.': { types: './dist/index.d.ts', import: './dist/index.js', require: './dist/index.cjs', default: './dist/index.js' },
        './package.json': './package.json',
      },
    });
  });

  it('maps formats and dts: cjs only, no declarations, another entry and outputDir', async () => {
    await configGenerator(tree, { project: 'packages/utils', format: 'cjs', dts: false, entry: 'src/main.ts', outputDir: 'lib', skipFormat: true });
    const pkg = readJson(tree, 'packages/utils/package.json');
    expect(pkg.main).toBe('./lib/main.cjs');
    expect(pkg.module).toBeUndefined();
    expect(pkg.types).toBeUndefined();
    expect(pkg.type).toBeUndefined();
    expect(pkg.exports['.']).toEqual({ require: './lib/main.cjs', default: './lib/main.cjs' });
  });

  it('refuses to overwrite an existing config without --force, and overwrites with it', async () => {
    tree.write('packages/utils/build.config.ts', '// mine\n');
    await expect(configGenerator(tree, { project: 'packages/utils', skipFormat: true })).rejects.toThrow('packages/utils/build.config.ts already exists; run again with --force');
    expect(tree.read('packages/utils/build.config.ts', 'utf-8')).toBe('// mine\n');
    await configGenerator(tree, { project: 'packages/utils', force: true, skipFormat: true });
    expect(tree.read('packages/utils/build.config.ts', 'utf-8')).toContain('defineBuildConfig');
  });

  it('treats another config extension as existing too', async () => {
    tree.write('packages/utils/build.config.mjs', 'export default {};\n');
    await expect(configGenerator(tree, { project: 'packages/utils', skipFormat: true })).rejects.toThrow('build.config.mjs already exists');
  });

  it('does not set "type": "module" when .js sources would change meaning', async () => {
    tree.write('packages/utils/scripts/gen.js', 'module.exports = 1;\n');
    await configGenerator(tree, { project: 'packages/utils', skipFormat: true });
    expect(readJson(tree, 'packages/utils/package.json').type).toBeUndefined();
  });

  it('creates a package.json for a project.json-only project, and warns about a shadowing build target', async () => {
    addProjectConfiguration(tree, 'legacy', { root: 'libs/legacy', targets: { build: { executor: '@nx/js:tsc' } } });
    tree.write('libs/legacy/src/index.ts', 'export {};\n');
    await configGenerator(tree, { project: 'legacy', skipFormat: true });
    expect(tree.exists('libs/legacy/build.config.ts')).toBe(true);
    expect(readJson(tree, 'libs/legacy/package.json')).toMatchObject({ name: 'legacy', private: true, module: './dist/index.js' });
  });

  it('keeps an already registered plugin entry as it is', async () => {
    const nx = readNxJson(tree)!;
    nx.plugins = [{ plugin: '@repo/build-system/plugin', options: { buildTargetName: 'compile' } }];
    updateNxJson(tree, nx);
    await configGenerator(tree, { project: 'packages/utils', skipFormat: true });
    expect(readNxJson(tree)!.plugins).toEqual([{ plugin: '@repo/build-system/plugin', options: { buildTargetName: 'compile' } }]);
  });
});
