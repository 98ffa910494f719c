import { describe, expect, it } from 'vitest';
import { NODE_BUILTINS } from '../../config/resolve';
import { esbuildOptionsFor, extensionFor, externalPatterns, type EsbuildConfig } from './options';

const ROOT = '/ws/packages/a';
const OUT = '/ws/packages/a/.build-cache/staging/job';

function config(over: Partial<EsbuildConfig> = {}): EsbuildConfig {
  return {
    packageRoot: ROOT,
    entries: [{ name: 'index', path: 'src/index.ts' }],
    platform: 'neutral',
    target: ['es2022'],
    sourcemap: false,
    minify: false,
    define: {},
    external: [],
    builderOptions: {},
    packageJson: { name: '@t/a', type: 'module' },
    ...over,
  } as EsbuildConfig;
}

describe('esbuildOptionsFor', () => {
  it('maps a default config to complete options, written into the given directory', () => {
    expect(esbuildOptionsFor(config(), OUT, 'esm')).toEqual({
      absWorkingDir: ROOT,
      entryPoints: [{ in: `${ROOT}/src/index.ts`, out: 'index' }],
      outdir: OUT,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: ['es2022'],
      sourcemap: false,
      minify: false,
      define: {},
      external: [],
      splitting: false,
      chunkNames: 'chunks/[name]-[hash]',
      outExtension: { '.js': '.js' },
      logLevel: 'silent',
      write: true,
      metafile: true,
    });
  });

  it('write: false (a kept context) and metafile: false (no reads wanted) change nothing else', () => {
    const { write, metafile, ...rest } = esbuildOptionsFor(config(), OUT, 'cjs', { write: false, metafile: false });
    expect([write, metafile]).toEqual([false, false]);
    const { write: _w, metafile: _m, ...written } = esbuildOptionsFor(config(), OUT, 'cjs');
    expect(rest).toEqual(written);
  });

  it.each([
    ['module', 'esm', '.js'],
    ['module', 'cjs', '.cjs'],
    [undefined, 'esm', '.mjs'],
    [undefined, 'cjs', '.cjs'],
    ['commonjs', 'esm', '.mjs'],
  ] as const)('package type %s, format %s: outputs end in %s', (type, format, ext) => {
    const c = config({ packageJson: { name: '@t/a', ...(type ? { type } : {}) } });
    expect(extensionFor(c, format)).toBe(ext);
    expect(esbuildOptionsFor(c, OUT, format)).toMatchObject({ format, outExtension: { '.js': ext } });
  });

  it('platform, target, define, minify and sourcemap are passed as resolved', () => {
    const c = config({ platform: 'browser', target: ['chrome120', 'firefox120'], define: { __V__: '"1"' }, minify: true, sourcemap: true });
    expect(esbuildOptionsFor(c, OUT, 'esm')).toMatchObject({
      platform: 'browser',
      target: ['chrome120', 'firefox120'],
      define: { __V__: '"1"' },
      minify: true,
      sourcemap: true,
    });
  });

  it('splits ESM with several entries unless builderOptions.splitting says otherwise; never CJS', () => {
    const two = config({
      entries: [
        { name: 'index', path: 'src/index.ts' },
        { name: 'cli/index', path: 'src/cli.ts' },
      ],
    });
    expect(esbuildOptionsFor(two, OUT, 'esm').splitting).toBe(true);
    expect(esbuildOptionsFor(two, OUT, 'cjs').splitting).toBe(false);
    expect(esbuildOptionsFor({ ...two, builderOptions: { splitting: false } }, OUT, 'esm').splitting).toBe(false);
    expect(esbuildOptionsFor(two, OUT, 'esm').entryPoints).toEqual([
      { in: `${ROOT}/src/index.ts`, out: 'index' },
      { in: `${ROOT}/src/cli.ts`, out: 'cli/index' },
    ]);
  });

  it('passes the accepted builderOptions through, over the defaults', () => {
    const builderOptions = {
      jsx: 'automatic',
      keepNames: true,
      banner: { js: '/* b */' },
      loader: { '.svg': 'text' },
      tsconfig: 'tsconfig.lib.json',
    };
    expect(esbuildOptionsFor(config({ builderOptions }), OUT, 'esm')).toMatchObject(builderOptions);
    expect(esbuildOptionsFor(config({ builderOptions }), OUT, 'esm')).not.toHaveProperty('builderOptions');
  });
});

describe('externalPatterns', () => {
  it('keeps dependencies and their subpaths out (noExternal ones are not in `external` once resolved)', () => {
    expect(externalPatterns({ external: ['react', '@t/b'], platform: 'neutral' })).toEqual(['react', '@t/b', 'react/*', '@t/b/*']);
  });

  it("adds node's builtins, with and without `node:`, on node only", () => {
    const node = externalPatterns({ external: ['react'], platform: 'node' });
    expect(node.slice(0, 2)).toEqual(['react', 'react/*']);
    expect(node).toEqual(expect.arrayContaining(['fs', 'node:fs', 'path', 'node:path']));
    expect(node.length).toBe(2 + NODE_BUILTINS.size);
    expect(externalPatterns({ external: [], platform: 'browser' })).toEqual([]);
  });

  it('is what the options carry', () => {
    const c = config({ external: ['react'], platform: 'node' });
    expect(esbuildOptionsFor(c, OUT, 'esm').external).toEqual(externalPatterns(c));
  });
});
