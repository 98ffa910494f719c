import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempPackage, type TempPackage } from '../../../test/helpers/resolved-config';
import { bunBuildSpec } from './options';

let plain: TempPackage;
let module: TempPackage;
beforeAll(() => {
  const files = { 'src/cli/main.ts': 'export {};\n' };
  plain = tempPackage({ dependencies: { dep: '1.0.0', '@scope/dep': '1.0.0' } }, files);
  module = tempPackage({ type: 'module' }, files);
});
afterAll(() => {
  plain.dispose();
  module.dispose();
});

const specOf = async (pkg: TempPackage, raw: Record<string, unknown>, environment?: string) =>
  bunBuildSpec(await pkg.resolve({ builder: 'bun', ...raw }, environment), '/stage');

describe('bun: formats and output names', () => {
  it('ESM .mjs and CJS .cjs without "type": "module"; ESM .js with it', async () => {
    expect(await specOf(plain, { format: ['esm', 'cjs'] })).toMatchObject({
      formats: ['esm', 'cjs'],
      extensions: { esm: '.mjs', cjs: '.cjs' },
    });
    expect((await specOf(module, { format: 'cjs' })).formats).toEqual(['cjs']);
    expect((await specOf(module, {})).extensions).toEqual({ esm: '.js', cjs: '.cjs' });
  });

  it('absolute entry points, written below outdir, named after their path below the common root', async () => {
    const spec = await specOf(plain, { entry: { index: 'src/index.ts', 'bin/cli': 'src/cli/main.ts' } });
    expect(spec.options).toMatchObject({
      entrypoints: [join(plain.dir, 'src/index.ts'), join(plain.dir, 'src/cli/main.ts')],
      outdir: '/stage',
      root: join(plain.dir, 'src'),
    });
  });
});

describe('bun: common options', () => {
  it("platform 'browser' targets the browser; node and neutral target node", async () => {
    expect((await specOf(plain, { platform: 'browser' })).options.target).toBe('browser');
    expect((await specOf(plain, { platform: 'neutral' })).options.target).toBe('node');
    expect((await specOf(plain, {})).options.target).toBe('node');
  });

  it('sourcemap linked or none, minify and define as configured, per environment', async () => {
    const raw = {
      define: { __MODE__: '"prod"' },
      environments: { development: { sourcemap: true, minify: false, define: { __MODE__: '"dev"' } } },
      minify: true,
    };
    expect((await specOf(plain, raw)).options).toMatchObject({ sourcemap: 'none', minify: true, define: { __MODE__: '"prod"' } });
    expect((await specOf(plain, raw, 'development')).options).toMatchObject({
      sourcemap: 'linked',
      minify: false,
      define: { __MODE__: '"dev"' },
    });
  });

  it('external: dependencies and their subpaths, `external` names, node builtins on node; `noExternal` bundles', async () => {
    const { options } = await specOf(plain, { external: ['extra'], noExternal: ['dep'] });
    expect(options.external).toEqual(expect.arrayContaining(['@scope/dep', '@scope/dep/*', 'extra', 'extra/*', 'fs', 'node:fs']));
    expect(options.external).not.toContain('dep');
    expect(options.external).not.toContain('dep/*');
  });
});

describe('bun: node builtins off node are reported, not polyfilled', () => {
  it('on node nothing is watched', async () => {
    expect((await specOf(plain, {})).builtins).toEqual([]);
  });

  it('off node every builtin but those `external` names is watched; the filter matches builtins only', async () => {
    const spec = await specOf(plain, { platform: 'browser', external: ['fs'] });
    expect(spec.builtins).toContain('node:path');
    expect(spec.builtins).toContain('path');
    expect(spec.builtins).not.toContain('fs');
    expect(spec.options.external).not.toContain('path');
    const filter = new RegExp(spec.builtinFilter);
    expect(['path', 'node:path', 'node:fs', 'fs/promises'].map((s) => filter.test(s))).toEqual([true, true, true, true]);
    expect(['fs', 'pathx', 'my-path', './path'].map((s) => filter.test(s))).toEqual([false, false, false, false]);
  });
});

describe('bun: builderOptions', () => {
  it('the options bun accepts reach Bun.build as given', async () => {
    const builderOptions = {
      loader: { '.txt': 'text' },
      conditions: ['worker'],
      banner: '// b',
      footer: '// f',
      drop: ['console'],
      bytecode: false,
      splitting: true,
    };
    expect((await specOf(plain, { builderOptions })).options).toMatchObject(builderOptions);
  });

  it('without them, no key is set (the script decides splitting per format)', async () => {
    const { options } = await specOf(plain, {});
    expect(Object.keys(options).sort()).toEqual(['define', 'entrypoints', 'external', 'minify', 'outdir', 'root', 'sourcemap', 'target']);
  });
});
