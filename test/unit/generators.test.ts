import { join } from 'node:path';
import { addProjectConfiguration, readJson, readNxJson, updateNxJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configGenerator } from '../../src/generators/config/generator';
import { normalizeOptions } from '../../src/generators/config/lib/normalize-options';
import { initGenerator } from '../../src/generators/init/generator';
import { PRODUCTION_INPUT } from '../../src/generators/init/lib/named-inputs';

const PLUGIN = '@repo/build-system/plugin';
/** The generator looks for a bun binary on PATH too: this one has it (this repository's), or nothing. */
const PATH_WITH_BUN = join(__dirname, '..', '..', 'node_modules', '.bin');
const PATH_WITHOUT_BUN = join(__dirname, 'no-such-dir');

/** Every file the tree would write, with its content: a run that changes nothing leaves this equal. */
function snapshot(tree: Tree): Record<string, string | null> {
  return Object.fromEntries(tree.listChanges().map((c) => [c.path, c.type === 'DELETE' ? null : (c.content?.toString('utf-8') ?? '')]));
}

function workspace(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  // The empty workspace opts into oxfmt, which is not installed here: formatFiles would only warn.
  tree.delete('.oxfmtrc.json');
  writeJson(tree, 'package.json', {
    name: 'ws',
    private: true,
    workspaces: ['packages/*'],
    devDependencies: { typescript: '5.9.3', esbuild: '0.28.2', bun: '1.4.5' },
  });
  return tree;
}

function addPackage(
  tree: Tree,
  dir: string,
  pkg: Record<string, unknown>,
  files: Record<string, string> = { 'src/index.ts': 'export const x = 1;\n' },
) {
  writeJson(tree, `${dir}/package.json`, pkg);
  for (const [f, c] of Object.entries(files)) tree.write(`${dir}/${f}`, c);
}

describe('init generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = workspace();
    const nx = readNxJson(tree)!;
    delete nx.namedInputs;
    delete nx.plugins;
    updateNxJson(tree, nx);
    tree.write('.gitignore', 'node_modules\n/dist');
  });

  it('registers the plugin with its options, ignores .build-cache and adds a production input', async () => {
    await initGenerator(tree, {});
    const nx = readNxJson(tree)!;
    expect(nx.plugins).toEqual([{ plugin: PLUGIN, options: { buildTargetName: 'build', cleanTargetName: 'clean' } }]);
    expect(nx.namedInputs).toEqual({ default: ['{projectRoot}/**/*'], production: PRODUCTION_INPUT });
    expect(tree.read('.gitignore', 'utf-8')).toBe(
      'node_modules\n/dist\n\n# @repo/build-system: per-package locks, logs and build records\n.build-cache\n',
    );
  });

  it('uses the given target names', async () => {
    await initGenerator(tree, { buildTargetName: 'bundle', cleanTargetName: 'wipe' });
    expect(readNxJson(tree)!.plugins).toEqual([{ plugin: PLUGIN, options: { buildTargetName: 'bundle', cleanTargetName: 'wipe' } }]);
  });

  it('is idempotent: a second run changes no file', async () => {
    await initGenerator(tree, {});
    const first = snapshot(tree);
    const nxBefore = tree.read('nx.json', 'utf-8');
    await initGenerator(tree, {});
    expect(snapshot(tree)).toEqual(first);
    expect(tree.read('nx.json', 'utf-8')).toBe(nxBefore);
    expect(readNxJson(tree)!.plugins).toHaveLength(1);
    expect(tree.read('.gitignore', 'utf-8')!.match(/\.build-cache/g)).toHaveLength(1);
  });

  it.each([
    ['string, package name', '@repo/build-system', PLUGIN],
    [
      'object, package name',
      { plugin: '@repo/build-system', options: { buildTargetName: 'compile' } },
      { plugin: PLUGIN, options: { buildTargetName: 'compile' } },
    ],
    ['string, dist path', '@repo/build-system/dist/plugin.js', PLUGIN],
  ])('rewrites an entry Nx cannot load as the plugin, keeping its options (%s)', async (_label, entry, expected) => {
    const nx = readNxJson(tree)!;
    nx.plugins = ['@nx/js/typescript', entry as never];
    nx.namedInputs = { production: ['default'] };
    updateNxJson(tree, nx);
    await initGenerator(tree, {});
    expect(readNxJson(tree)!.plugins).toEqual(['@nx/js/typescript', expected]);
    // and the second run has nothing left to change
    const before = snapshot(tree);
    await initGenerator(tree, {});
    expect(snapshot(tree)).toEqual(before);
  });

  it.each([
    ['string, plugin path', PLUGIN],
    ['object, plugin path', { plugin: PLUGIN, options: { buildTargetName: 'compile' } }],
    ['object with include', { plugin: PLUGIN, include: ['packages/a/**'] }],
  ])('does not add a second entry when one exists (%s)', async (_label, entry) => {
    const nx = readNxJson(tree)!;
    nx.plugins = ['@nx/js/typescript', entry as never];
    nx.namedInputs = { production: ['default'] };
    updateNxJson(tree, nx);
    tree.write('.gitignore', '.build-cache/\n');
    const before = snapshot(tree);
    await initGenerator(tree, {});
    expect(readNxJson(tree)!.plugins).toEqual(['@nx/js/typescript', entry]);
    expect(snapshot(tree)).toEqual(before);
  });

  it('keeps an existing production input and other plugins untouched', async () => {
    const nx = readNxJson(tree)!;
    nx.namedInputs = {
      default: ['{projectRoot}/**/*', 'sharedGlobals'],
      production: ['default', '!{projectRoot}/**/*.spec.ts'],
      sharedGlobals: [],
    };
    nx.plugins = [{ plugin: '@nx/vite/plugin', options: { buildTargetName: 'vite-build' } }];
    updateNxJson(tree, nx);
    await initGenerator(tree, {});
    const after = readNxJson(tree)!;
    expect(after.namedInputs).toEqual(nx.namedInputs);
    expect(after.plugins).toEqual([
      { plugin: '@nx/vite/plugin', options: { buildTargetName: 'vite-build' } },
      { plugin: PLUGIN, options: { buildTargetName: 'build', cleanTargetName: 'clean' } },
    ]);
  });

  it('adds production but keeps an existing default input', async () => {
    const nx = readNxJson(tree)!;
    nx.namedInputs = { default: ['{projectRoot}/src/**/*'] };
    updateNxJson(tree, nx);
    await initGenerator(tree, {});
    expect(readNxJson(tree)!.namedInputs).toEqual({ default: ['{projectRoot}/src/**/*'], production: PRODUCTION_INPUT });
  });

  it.each(['.build-cache', '.build-cache/', '**/.build-cache', '  .build-cache  '])(
    'recognises %j as already ignoring .build-cache',
    async (line) => {
      tree.write('.gitignore', `node_modules\n${line}\n`);
      await initGenerator(tree, {});
      expect(tree.read('.gitignore', 'utf-8')).toBe(`node_modules\n${line}\n`);
    },
  );

  it('does not count a root-anchored pattern (packages keep their own .build-cache)', async () => {
    tree.write('.gitignore', '/.build-cache\n');
    await initGenerator(tree, {});
    expect(tree.read('.gitignore', 'utf-8')).toMatch(/^\/\.build-cache\n\n# .*\n\.build-cache\n$/);
  });

  it('creates .gitignore and nx.json when the workspace has neither', async () => {
    tree.delete('.gitignore');
    tree.delete('nx.json');
    await initGenerator(tree, {});
    expect(tree.read('.gitignore', 'utf-8')).toBe('# @repo/build-system: per-package locks, logs and build records\n.build-cache\n');
    expect(readNxJson(tree)!.plugins).toEqual([{ plugin: PLUGIN, options: { buildTargetName: 'build', cleanTargetName: 'clean' } }]);
  });

  it('keeps CRLF line endings of .gitignore', async () => {
    tree.write('.gitignore', 'node_modules\r\n');
    await initGenerator(tree, {});
    expect(tree.read('.gitignore', 'utf-8')).toBe(
      'node_modules\r\n\r\n# @repo/build-system: per-package locks, logs and build records\r\n.build-cache\r\n',
    );
  });
});

describe('config generator', () => {
  let tree: Tree;
  beforeEach(() => {
    vi.stubEnv('PATH', PATH_WITH_BUN);
    tree = workspace();
    addPackage(tree, 'packages/util', { name: '@t/util', version: '1.0.0' });
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const config = () => tree.read('packages/util/build.config.ts', 'utf-8');
  const pkg = () => readJson(tree, 'packages/util/package.json');

  it('writes a typed config with the defaults and points package.json at the outputs', async () => {
    await configGenerator(tree, { project: '@t/util' });
    expect(config()).toBe(`import { defineBuildConfig } from '@repo/build-system';

export default defineBuildConfig({
  // bun where the bun binary is installed, esbuild (same output paths) where it is not.
  builder: 'bun',
  entry: 'src/index.ts',
  outputDir: 'dist',
  format: 'esm',
  dts: true,
});
`);
    expect(pkg()).toEqual({
      name: '@t/util',
      version: '1.0.0',
      type: 'module',
      main: './dist/index.js',
      module: './dist/index.js',
      types: './dist/index.d.ts',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
    });
    // field order: type/main/module/types/exports right after the identity fields
    expect(Object.keys(pkg())).toEqual(['name', 'version', 'type', 'main', 'module', 'types', 'exports']);
  });

  it('runs init when the plugin is not registered, and not otherwise', async () => {
    const nx = readNxJson(tree)!;
    delete nx.plugins;
    updateNxJson(tree, nx);
    await configGenerator(tree, { project: '@t/util' });
    expect(readNxJson(tree)!.plugins).toEqual([{ plugin: PLUGIN, options: { buildTargetName: 'build', cleanTargetName: 'clean' } }]);
    expect(tree.read('.gitignore', 'utf-8')).toContain('.build-cache');

    const other = workspace();
    const nx2 = readNxJson(other)!;
    nx2.plugins = [{ plugin: PLUGIN, options: { buildTargetName: 'compile' } }];
    updateNxJson(other, nx2);
    other.delete('.gitignore');
    addPackage(other, 'packages/util', { name: '@t/util' });
    await configGenerator(other, { project: '@t/util' });
    expect(readNxJson(other)!.plugins).toEqual([{ plugin: PLUGIN, options: { buildTargetName: 'compile' } }]);
    expect(other.exists('.gitignore')).toBe(false);
  });

  it('runs init to correct a registration Nx cannot load (the package name)', async () => {
    const nx = readNxJson(tree)!;
    nx.plugins = ['@repo/build-system'];
    updateNxJson(tree, nx);
    await configGenerator(tree, { project: '@t/util' });
    expect(readNxJson(tree)!.plugins).toEqual([PLUGIN]);
  });

  it.each(['esbuild', 'tsc', 'rollup'] as const)('--builder %s', async (builder) => {
    await configGenerator(tree, { project: '@t/util', builder });
    expect(config()).toContain(`  builder: '${builder}',\n`);
    expect(config()).not.toContain('bun where');
  });

  it('without a bun binary the default builder is esbuild, the one that will run', async () => {
    vi.stubEnv('PATH', PATH_WITHOUT_BUN);
    await configGenerator(tree, { project: '@t/util' });
    expect(config()).toContain("  builder: 'esbuild',\n");
    expect(config()).toContain('  dts: true,\n');
  });

  it('rejects an unknown builder without writing anything', async () => {
    await expect(configGenerator(tree, { project: '@t/util', builder: 'webpack' as never })).rejects.toThrow(
      '--builder must be one of bun, esbuild, tsc, rollup (got "webpack")',
    );
    expect(tree.exists('packages/util/build.config.ts')).toBe(false);
  });

  it('--format esm,cjs maps import/require, each with its own declarations, and main/types to the CJS files', async () => {
    await configGenerator(tree, { project: '@t/util', format: 'cjs,esm' });
    expect(config()).toContain(`  format: ['esm', 'cjs'],\n`);
    expect(pkg()).toMatchObject({
      type: 'module',
      main: './dist/index.cjs',
      module: './dist/index.js',
      types: './dist/index.d.cts',
      exports: {
        '.': {
          import: { types: './dist/index.d.ts', default: './dist/index.js' },
          require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
        },
      },
    });
  });

  it('--format cjs leaves "type" alone and has no module field', async () => {
    writeJson(tree, 'packages/util/package.json', { name: '@t/util', module: './old/index.mjs' });
    await configGenerator(tree, { project: '@t/util', format: 'cjs', dts: false });
    expect(pkg()).toEqual({
      name: '@t/util',
      main: './dist/index.cjs',
      exports: { '.': { default: './dist/index.cjs' }, './package.json': './package.json' },
    });
  });

  it.each(['umd', 'esm,iife', ''])('rejects --format %j', async (format) => {
    await expect(configGenerator(tree, { project: '@t/util', format })).rejects.toThrow(/--format must be esm, cjs or esm,cjs/);
  });

  it('--dts false drops a types field that pointed into outputDir, keeps one that points elsewhere', async () => {
    writeJson(tree, 'packages/util/package.json', { name: '@t/util', types: './dist/index.d.ts' });
    await configGenerator(tree, { project: '@t/util', dts: false });
    expect(config()).toContain('  dts: false,\n');
    expect(pkg().types).toBeUndefined();
    expect(pkg().exports['.']).toEqual({ default: './dist/index.js' });

    writeJson(tree, 'packages/util/package.json', { name: '@t/util', types: './types/handwritten.d.ts' });
    await configGenerator(tree, { project: '@t/util', dts: false, force: true });
    expect(pkg().types).toBe('./types/handwritten.d.ts');
  });

  it('dts defaults to true for TypeScript entries even without typescript installed, saying what to install', async () => {
    writeJson(tree, 'package.json', { name: 'ws', private: true, workspaces: ['packages/*'], devDependencies: { esbuild: '*' } });
    const warn = vi.spyOn((await import('@nx/devkit')).logger, 'warn');
    await configGenerator(tree, { project: '@t/util', builder: 'esbuild' });
    expect(config()).toContain('  dts: true,\n');
    expect(pkg().types).toBe('./dist/index.d.ts');
    expect(warn.mock.calls.flat().join('\n')).toContain('add "typescript" to the workspace devDependencies: npm install -D typescript');
    warn.mockRestore();
  });

  it('dts defaults to false for JavaScript entries', async () => {
    addPackage(tree, 'packages/js', { name: '@t/js' }, { 'src/index.js': 'export const x = 1;\n' });
    await configGenerator(tree, { project: '@t/js', builder: 'esbuild', entry: 'src/index.js' });
    expect(tree.read('packages/js/build.config.ts', 'utf-8')).toContain('  dts: false,\n');
  });

  it('--entry and --outputDir, several entries become subpath exports', async () => {
    addPackage(tree, 'packages/util', { name: '@t/util' }, { 'src/main.ts': '', 'src/cli/index.ts': '' });
    await configGenerator(tree, { project: '@t/util', entry: './src/main.ts, src/cli/index.ts', outputDir: 'lib/', format: 'esm,cjs' });
    expect(config()).toContain(`  entry: ['src/main.ts', 'src/cli/index.ts'],\n  outputDir: 'lib',\n`);
    expect(pkg().main).toBe('./lib/main.cjs');
    const both = (stem: string) => ({
      import: { types: `./lib/${stem}.d.ts`, default: `./lib/${stem}.js` },
      require: { types: `./lib/${stem}.d.cts`, default: `./lib/${stem}.cjs` },
    });
    expect(pkg().exports).toEqual({ '.': both('main'), './cli': both('cli/index'), './package.json': './package.json' });
  });

  it('picks an existing entry when none is given', async () => {
    tree.delete('packages/util/src/index.ts');
    tree.write('packages/util/src/main.ts', 'export {};\n');
    await configGenerator(tree, { project: '@t/util' });
    expect(config()).toContain(`  entry: 'src/main.ts',\n`);
    expect(pkg().main).toBe('./dist/main.js');
  });

  it('warns when the entry does not exist (but still writes the config)', async () => {
    const warn = vi.spyOn((await import('@nx/devkit')).logger, 'warn');
    await configGenerator(tree, { project: '@t/util', entry: 'src/missing.ts' });
    expect(warn).toHaveBeenCalledWith(
      'packages/util/src/missing.ts does not exist yet: the build fails with ENTRY_NOT_FOUND until it does.',
    );
    warn.mockRestore();
    expect(config()).toContain(`entry: 'src/missing.ts'`);
  });

  it.each([
    ['.', /not the project root/],
    ['./', /not the project root/],
    ['../out', /inside the project/],
    ['/tmp/out', /inside the project/],
    ['.build-cache/out', /must not be \.build-cache/],
    ['node_modules', /must not be node_modules/],
    ['src', /contains the entry "src\/index.ts"/],
  ])('rejects --outputDir %j', async (outputDir, message) => {
    await expect(configGenerator(tree, { project: '@t/util', outputDir })).rejects.toThrow(message);
    expect(tree.exists('packages/util/build.config.ts')).toBe(false);
    expect(pkg()).toEqual({ name: '@t/util', version: '1.0.0' });
  });

  it('rejects entries outside the project', async () => {
    await expect(configGenerator(tree, { project: '@t/util', entry: '../other/src/index.ts' })).rejects.toThrow(
      /--entry .* must be relative paths inside the project/,
    );
  });

  it('refuses to overwrite an existing config without --force, byte for byte', async () => {
    const original = `import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig({ builder: 'esbuild', minify: true });\n`;
    tree.write('packages/util/build.config.ts', original);
    const before = snapshot(tree);
    await expect(configGenerator(tree, { project: '@t/util' })).rejects.toThrow(
      'packages/util/build.config.ts already exists. Not overwriting it; pass --force to replace it.',
    );
    expect(config()).toBe(original);
    expect(snapshot(tree)).toEqual(before);
  });

  it('names a foreign config when refusing, and refuses other config file names too', async () => {
    tree.write('packages/util/build.config.mjs', `import { defineBuildConfig } from 'unbuild';\nexport default defineBuildConfig({});\n`);
    await expect(configGenerator(tree, { project: '@t/util' })).rejects.toThrow(
      'packages/util/build.config.mjs already exists (it does not look like a @repo/build-system config). Not overwriting it; pass --force to replace it.',
    );
  });

  it('--force replaces the config and removes a differently named one', async () => {
    tree.write('packages/util/build.config.ts', 'old');
    tree.write('packages/util/build.config.mjs', 'old');
    await configGenerator(tree, { project: '@t/util', force: true, builder: 'esbuild' });
    expect(config()).toContain(`builder: 'esbuild'`);
    expect(tree.exists('packages/util/build.config.mjs')).toBe(false);
  });

  it('is repeatable with --force: same options, same bytes', async () => {
    await configGenerator(tree, { project: '@t/util', format: 'esm,cjs' });
    const first = snapshot(tree);
    await configGenerator(tree, { project: '@t/util', format: 'esm,cjs', force: true });
    expect(snapshot(tree)).toEqual(first);
  });

  it('finds the project by directory as well as by name', async () => {
    await configGenerator(tree, { project: 'packages/util/' });
    expect(tree.exists('packages/util/build.config.ts')).toBe(true);
  });

  it('names the projects when the project is unknown', async () => {
    await expect(configGenerator(tree, { project: 'nope' })).rejects.toThrow(
      'Cannot find project "nope" (neither a project name nor a project directory). Projects: @t/util',
    );
  });

  it('keeps other subpath exports and replaces a top-level conditions object', async () => {
    writeJson(tree, 'packages/util/package.json', { name: '@t/util', exports: { '.': './src/index.ts', './styles.css': './styles.css' } });
    await configGenerator(tree, { project: '@t/util', dts: false });
    expect(pkg().exports).toEqual({
      '.': { default: './dist/index.js' },
      './styles.css': './styles.css',
      './package.json': './package.json',
    });
    writeJson(tree, 'packages/util/package.json', { name: '@t/util', exports: { import: './a.js', require: './a.cjs' } });
    await configGenerator(tree, { project: '@t/util', dts: false, force: true });
    expect(pkg().exports).toEqual({ '.': { default: './dist/index.js' }, './package.json': './package.json' });
  });

  it('adds outputDir to an existing "files" list only when missing', async () => {
    writeJson(tree, 'packages/util/package.json', { name: '@t/util', files: ['README.md'] });
    await configGenerator(tree, { project: '@t/util' });
    expect(pkg().files).toEqual(['README.md', 'dist']);
    writeJson(tree, 'packages/util/package.json', { name: '@t/util', files: ['dist/**'] });
    await configGenerator(tree, { project: '@t/util', force: true });
    expect(pkg().files).toEqual(['dist/**']);
  });

  it('does not set "type": "module" when other .js files would change meaning: ESM is then .mjs', async () => {
    tree.write('packages/util/scripts/gen.js', 'module.exports = 1;\n');
    tree.write('packages/util/dist/old.js', 'ignored: an output');
    tree.write('packages/util/node_modules/x/index.js', 'ignored: a dependency');
    const info = vi.spyOn((await import('@nx/devkit')).logger, 'info');
    await configGenerator(tree, { project: '@t/util' });
    expect(pkg().type).toBeUndefined();
    expect(pkg()).toMatchObject({
      main: './dist/index.mjs',
      types: './dist/index.d.mts',
      exports: { '.': { types: './dist/index.d.mts', default: './dist/index.mjs' } },
    });
    expect(info.mock.calls.flat().join('\n')).toContain(
      'packages/util/package.json has no "type": "module", so the ESM output is ./dist/index.mjs. Not setting it, because these .js files would change meaning: scripts/gen.js.',
    );
    info.mockRestore();
  });

  it('keeps an explicit "type": "commonjs": ESM is written as .mjs, with .d.mts declarations', async () => {
    writeJson(tree, 'packages/util/package.json', { name: '@t/util', type: 'commonjs' });
    await configGenerator(tree, { project: '@t/util', format: 'esm,cjs' });
    expect(pkg().type).toBe('commonjs');
    expect(pkg().exports['.']).toEqual({
      import: { types: './dist/index.d.mts', default: './dist/index.mjs' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    });
  });

  it('refuses invalid package.json JSON without writing the config', async () => {
    // a project.json project outside the workspaces globs, so only the generator parses its package.json
    addProjectConfiguration(tree, 'broken', { root: 'libs/broken' });
    tree.write('libs/broken/src/index.ts', '');
    tree.write('libs/broken/package.json', '{ "name": ');
    await expect(configGenerator(tree, { project: 'broken' })).rejects.toThrow(
      /^libs\/broken\/package.json is not valid JSON \(.*\); fix it or pass --skipPackageJson$/,
    );
    expect(tree.exists('libs/broken/build.config.ts')).toBe(false);
    expect(tree.read('libs/broken/package.json', 'utf-8')).toBe('{ "name": ');
  });

  it('--skipPackageJson leaves package.json alone', async () => {
    await configGenerator(tree, { project: '@t/util', skipPackageJson: true });
    expect(pkg()).toEqual({ name: '@t/util', version: '1.0.0' });
    expect(tree.exists('packages/util/build.config.ts')).toBe(true);
  });

  describe('project.json-only project (no package.json)', () => {
    beforeEach(() => {
      addProjectConfiguration(tree, 'legacy-lib', { root: 'libs/legacy', targets: { build: { executor: '@nx/js:tsc', options: {} } } });
      tree.write('libs/legacy/src/index.ts', 'export const y = 2;\n');
    });

    it("creates a minimal package.json and warns that project.json's build target shadows the inferred one", async () => {
      const warn = vi.spyOn((await import('@nx/devkit')).logger, 'warn');
      await configGenerator(tree, { project: 'legacy-lib', builder: 'esbuild' });
      expect(tree.read('libs/legacy/build.config.ts', 'utf-8')).toContain(`builder: 'esbuild'`);
      expect(readJson(tree, 'libs/legacy/package.json')).toEqual({
        name: 'legacy-lib',
        version: '0.0.0',
        private: true,
        type: 'module',
        main: './dist/index.js',
        module: './dist/index.js',
        types: './dist/index.d.ts',
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
      });
      expect(warn).toHaveBeenCalledWith(
        'libs/legacy/project.json defines a "build" target (@nx/js:tsc); it takes precedence over the "build" target inferred from build.config.ts. Remove it (or rename it) to build with @repo/build-system.',
      );
      warn.mockRestore();
    });

    it('does not warn for a target that only adds options, and uses the registered target name', async () => {
      addProjectConfiguration(tree, 'other', {
        root: 'libs/other',
        targets: { build: { dependsOn: ['codegen'] }, bundle: { command: 'tsup' } },
      });
      tree.write('libs/other/src/index.ts', '');
      const nx = readNxJson(tree)!;
      nx.plugins = [{ plugin: PLUGIN, options: { buildTargetName: 'bundle' } }];
      updateNxJson(tree, nx);
      const warn = vi.spyOn((await import('@nx/devkit')).logger, 'warn');
      await configGenerator(tree, { project: 'other', builder: 'esbuild' });
      expect(warn.mock.calls.flat()).toEqual([
        expect.stringContaining('libs/other/project.json defines a "bundle" target (nx:run-commands)'),
      ]);
      warn.mockRestore();
    });

    it('refuses a project name that cannot be a package name, unless --skipPackageJson', async () => {
      addProjectConfiguration(tree, 'Bad_Name', { root: 'libs/bad' });
      tree.write('libs/bad/src/index.ts', '');
      await expect(configGenerator(tree, { project: 'Bad_Name' })).rejects.toThrow(
        'libs/bad has no package.json and "Bad_Name" is not a valid npm package name: create a package.json with a "name", or pass --skipPackageJson',
      );
      expect(tree.exists('libs/bad/build.config.ts')).toBe(false);
      await configGenerator(tree, { project: 'Bad_Name', skipPackageJson: true });
      expect(tree.exists('libs/bad/package.json')).toBe(false);
      expect(tree.exists('libs/bad/build.config.ts')).toBe(true);
    });
  });

  it('warns about a package.json "build" script that would shadow the inferred target', async () => {
    writeJson(tree, 'packages/util/package.json', { name: '@t/util', scripts: { build: 'tsc -p .' } });
    const warn = vi.spyOn((await import('@nx/devkit')).logger, 'warn');
    await configGenerator(tree, { project: '@t/util' });
    expect(warn.mock.calls.flat().join('\n')).toContain('packages/util/package.json has a "build" script ("tsc -p .")');
    warn.mockRestore();
  });

  it('warns when the builder is not installed', async () => {
    writeJson(tree, 'package.json', { name: 'ws', private: true, workspaces: ['packages/*'] });
    const warn = vi.spyOn((await import('@nx/devkit')).logger, 'warn');
    await configGenerator(tree, { project: '@t/util', dts: true });
    let text = warn.mock.calls.flat().join('\n');
    expect(text).toContain(
      'builder "bun" needs bun or esbuild in the workspace devDependencies: install it before building: npm install -D bun',
    );
    expect(text).toContain("dts: true runs the workspace's TypeScript");
    warn.mockClear();
    // The package manager's own command: pnpm here.
    tree.write('pnpm-lock.yaml', '');
    await configGenerator(tree, { project: '@t/util', builder: 'rollup', force: true });
    text = warn.mock.calls.flat().join('\n');
    expect(text).toContain(
      'builder "rollup" needs rollup and esbuild in the workspace devDependencies: install them before building: pnpm add -D -w rollup esbuild',
    );
    warn.mockRestore();
  });
});

describe('normalizeOptions (pure)', () => {
  const ctx = { exists: () => true, bunAvailable: true };
  it('complete defaults', () => {
    expect(normalizeOptions({ project: 'p' }, ctx)).toEqual({
      ok: true,
      value: {
        builder: 'bun',
        entry: 'src/index.ts',
        entries: [{ name: 'index', path: 'src/index.ts' }],
        outputDir: 'dist',
        format: ['esm'],
        dts: true,
        force: false,
        skipPackageJson: false,
        skipFormat: false,
      },
    });
    expect(normalizeOptions({ project: 'p' }, { ...ctx, bunAvailable: false })).toMatchObject({ ok: true, value: { builder: 'esbuild' } });
    expect(normalizeOptions({ project: 'p', entry: 'index.mjs' }, ctx)).toMatchObject({ ok: true, value: { dts: false } });
  });
  it('accepts repeated options (arrays) like comma lists', () => {
    const r = normalizeOptions({ project: 'p', format: ['cjs', 'esm'] as never, entry: ['src/a.ts', 'src/b.ts'] as never }, ctx);
    expect(r).toMatchObject({ ok: true, value: { format: ['esm', 'cjs'], entry: ['src/a.ts', 'src/b.ts'] } });
  });
  it('rejects two entries with the same output name', () => {
    expect(normalizeOptions({ project: 'p', entry: 'src/a/index.ts,src/a/index.ts' }, ctx)).toMatchObject({
      ok: false,
      error: expect.stringContaining('names two outputs the same'),
    });
  });
});
