import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempPackage, type TempPackage } from '../../../test/helpers/resolved-config';
import { esbuildMinifyOptions, esbuildTransformOptions, isTransformed, rollupInputOptions, rollupOutputOptions } from './options';

let plain: TempPackage;
let module: TempPackage;
beforeAll(() => {
  const files = { 'src/cli/main.ts': 'export {};\n' };
  plain = tempPackage(
    { dependencies: { 'declared-not-installed': '1.0.0', '@scope/dep': '1.0.0' }, peerDependencies: { react: '*' } },
    files,
  );
  module = tempPackage({ type: 'module' }, files);
});
afterAll(() => {
  plain.dispose();
  module.dispose();
});

const externalOf = async (pkg: TempPackage, raw: Record<string, unknown>) =>
  rollupInputOptions(await pkg.resolve({ builder: 'rollup', ...raw })).external as (id: string) => boolean;

describe('rollup outputs per format and package type', () => {
  it('ESM is `es` named .mjs in a package without "type": "module", CJS .cjs; chunks alike, under chunks/', async () => {
    const config = await plain.resolve({ builder: 'rollup', format: ['esm', 'cjs'] });
    expect(config.format.map((f) => rollupOutputOptions(config, f, '/stage'))).toEqual([
      expect.objectContaining({ dir: '/stage', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' }),
      expect.objectContaining({ dir: '/stage', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' }),
    ]);
  });

  it('ESM is .js in a "type": "module" package; CJS stays .cjs', async () => {
    const config = await module.resolve({ builder: 'rollup', format: ['esm', 'cjs'] });
    expect(rollupOutputOptions(config, 'esm', '/o').entryFileNames).toBe('[name].js');
    expect(rollupOutputOptions(config, 'cjs', '/o').entryFileNames).toBe('[name].cjs');
  });

  it('one input per entry, named by its output name, from the absolute source', async () => {
    const config = await plain.resolve({ builder: 'rollup', entry: { index: 'src/index.ts', 'bin/cli': 'src/cli/main.ts' } });
    expect(rollupInputOptions(config).input).toEqual({
      index: join(plain.dir, 'src/index.ts'),
      'bin/cli': join(plain.dir, 'src/cli/main.ts'),
    });
  });

  it('named exports, sourcemap as configured, per environment', async () => {
    const raw = { builder: 'rollup', environments: { development: { sourcemap: true } } };
    expect(rollupOutputOptions(await plain.resolve(raw), 'esm', '/o')).toMatchObject({ exports: 'named', sourcemap: false });
    expect(rollupOutputOptions(await plain.resolve(raw, 'development'), 'esm', '/o')).toMatchObject({ sourcemap: true });
  });
});

describe('what rollup keeps external', () => {
  it('dependencies and peerDependencies, with their subpaths, even when not installed; never a relative or absolute path', async () => {
    const external = await externalOf(plain, {});
    for (const id of ['declared-not-installed', 'declared-not-installed/sub', '@scope/dep', '@scope/dep/x', 'react'])
      expect(external(id), id).toBe(true);
    for (const id of ['undeclared', '@scope/other', './local', '/abs/file.js', '\0virtual']) expect(external(id), id).toBe(false);
  });

  it('`external` adds names; `noExternal` bundles a dependency', async () => {
    const external = await externalOf(plain, { external: ['extra'], noExternal: ['@scope/dep'] });
    expect(external('extra')).toBe(true);
    expect(external('@scope/dep')).toBe(false);
    expect(external('declared-not-installed')).toBe(true);
  });

  it("node builtins on platform 'node' only; off node, only those `external` names", async () => {
    const node = await externalOf(plain, {});
    expect([node('fs'), node('node:fs'), node('fs/promises')]).toEqual([true, true, true]);
    const browser = await externalOf(plain, { platform: 'browser', external: ['node:crypto'] });
    expect([browser('fs'), browser('node:fs'), browser('node:crypto')]).toEqual([false, false, true]);
  });
});

describe('the esbuild transform and minify steps', () => {
  it('target and define reach every module; sourcemaps external when on', async () => {
    const config = await plain.resolve({
      builder: 'rollup',
      target: 'es2020',
      sourcemap: true,
      define: { __MODE__: '"prod"' },
      environments: { staging: { define: { __MODE__: '"staging"' } } },
    });
    expect(esbuildTransformOptions(config, '/p/src/index.ts')).toEqual({
      loader: 'ts',
      format: 'esm',
      target: ['es2020'],
      define: { __MODE__: '"prod"' },
      sourcemap: 'external',
      sourcefile: '/p/src/index.ts',
    });
    const staging = await plain.resolve(
      { builder: 'rollup', define: { __MODE__: '"prod"' }, environments: { staging: { define: { __MODE__: '"staging"' } } } },
      'staging',
    );
    expect(esbuildTransformOptions(staging, '/p/src/index.ts')).toMatchObject({ define: { __MODE__: '"staging"' }, sourcemap: false });
  });

  it('the loader follows the extension', async () => {
    const config = await plain.resolve({ builder: 'rollup' });
    const loaders = ['a.ts', 'a.mts', 'a.tsx', 'a.js', 'a.cjs', 'a.jsx'].map((f) => esbuildTransformOptions(config, f).loader);
    expect(loaders).toEqual(['ts', 'ts', 'tsx', 'js', 'js', 'jsx']);
  });

  it("the package's JS and TS are transformed, and TypeScript in node_modules; JavaScript in node_modules and JSON are not", () => {
    expect(['/p/src/a.ts', '/p/src/a.js', '/p/node_modules/x/a.ts'].map(isTransformed)).toEqual([true, true, true]);
    expect(['/p/node_modules/x/a.js', '/p/src/data.json', '/p/src/a.css'].map(isTransformed)).toEqual([false, false, false]);
  });

  it('minify: each chunk minified in its own format', () => {
    expect(esbuildMinifyOptions('esm')).toEqual({ minify: true, format: 'esm', loader: 'js' });
    expect(esbuildMinifyOptions('cjs')).toEqual({ minify: true, format: 'cjs', loader: 'js' });
  });
});

describe('builderOptions passed through', () => {
  it('defaults: treeshake on, interop auto, modules not preserved, no banner', async () => {
    const config = await plain.resolve({ builder: 'rollup' });
    expect(rollupInputOptions(config).treeshake).toBe(true);
    expect(rollupOutputOptions(config, 'esm', '/o')).toMatchObject({
      interop: 'auto',
      preserveModules: false,
      banner: undefined,
      footer: undefined,
    });
  });

  it('treeshake, interop, preserveModules, banner and footer as given', async () => {
    const banner = () => '/* b */';
    const config = await plain.resolve({
      builder: 'rollup',
      builderOptions: { treeshake: 'smallest', interop: 'compat', preserveModules: true, banner, footer: '/* f */' },
    });
    expect(rollupInputOptions(config).treeshake).toBe('smallest');
    expect(rollupOutputOptions(config, 'cjs', '/o')).toMatchObject({ interop: 'compat', preserveModules: true, banner, footer: '/* f */' });
  });
});
