import { describe, expect, it } from 'vitest';
import { DEFAULT_ARTIFACT_GLOBS } from '../define';
import type { ParsedBuildConfig } from '../schema';
import {
  applyDefaults,
  mergeEnvironment,
  resolveCheck,
  resolveEnv,
  resolveExternal,
  resolveFormat,
  type ResolutionFacts,
} from './defaults';

const config = (fields: Partial<ParsedBuildConfig> = {}): ParsedBuildConfig =>
  ({ builder: 'esbuild', entry: 'src/index.ts', outputDir: 'dist', ...fields }) as ParsedBuildConfig;

const facts = (fields: Partial<ResolutionFacts> = {}): ResolutionFacts => ({
  workspaceRoot: '/ws',
  packageRoot: '/ws/packages/a',
  environment: 'production',
  packageJson: { name: '@t/a' },
  entries: [{ name: 'index', path: 'src/index.ts' }],
  entryless: false,
  processEnv: {},
  configWarnings: [],
  ...fields,
});

describe('applyDefaults', () => {
  it('applies the default of every field a config leaves out', () => {
    expect(applyDefaults(config(), facts())).toEqual({
      name: '@t/a',
      workspaceRoot: '/ws',
      packageRoot: '/ws/packages/a',
      packagePath: 'packages/a',
      configFile: undefined,
      environment: 'production',
      builder: 'esbuild',
      entries: [{ name: 'index', path: 'src/index.ts' }],
      outputDir: 'dist',
      format: ['esm'],
      platform: 'node',
      target: ['node20'],
      sourcemap: false,
      minify: false,
      external: [],
      noExternal: [],
      define: {},
      dts: false,
      dtsBundle: true,
      tsconfig: undefined,
      builderOptions: {},
      artifactGlobs: [...new Set(['dist/**', ...DEFAULT_ARTIFACT_GLOBS])],
      cache: {},
      hooks: { prebuild: undefined, postbuild: undefined, clean: undefined },
      cleanOptions: { keep: [], dryRun: false },
      env: {},
      secretEnv: [],
      packageJson: { name: '@t/a' },
      runtimeValidationSchema: undefined,
      check: { mode: 'warn', publint: false, attw: false },
      incremental: true,
      configWarnings: [],
    });
  });

  it('keeps every field a config sets', () => {
    const resolved = applyDefaults(
      config({
        name: '@t/a',
        format: 'cjs',
        platform: 'neutral',
        target: 'es2020',
        sourcemap: true,
        minify: true,
        define: { DEBUG: 'false' },
        dts: { bundle: false },
        tsconfig: 'tsconfig.build.json',
        builderOptions: { keepNames: true },
        artifactGlobs: ['out/**'],
        cache: { include: ['assets/**'] },
        prebuild: 'echo pre',
        clean: { command: 'echo clean', keep: ['dist/.gitkeep'], dryRun: true },
        secretEnv: ['TOKEN'],
        incremental: false,
        check: 'strict',
        meta: { team: 'x' },
        friendlyName: 'A',
      }),
      facts({ checkedOutputDir: 'dist', configFile: '/ws/packages/a/build.config.ts' }),
    );
    expect(resolved).toMatchObject({
      format: ['cjs'],
      platform: 'neutral',
      target: ['es2020'],
      sourcemap: true,
      minify: true,
      define: { DEBUG: 'false' },
      dts: true,
      dtsBundle: false,
      tsconfig: 'tsconfig.build.json',
      builderOptions: { keepNames: true },
      artifactGlobs: ['out/**'],
      cache: { include: ['assets/**'] },
      hooks: { prebuild: 'echo pre', clean: 'echo clean' },
      cleanOptions: { keep: ['dist/.gitkeep'], dryRun: true },
      secretEnv: ['TOKEN'],
      incremental: false,
      check: { mode: 'strict', publint: false, attw: false },
      meta: { team: 'x' },
      friendlyName: 'A',
      configFile: '/ws/packages/a/build.config.ts',
    });
  });

  it('names the package after package.json unless the config names it', () => {
    expect(applyDefaults(config(), facts()).name).toBe('@t/a');
    expect(applyDefaults(config({ name: '@t/other' }), facts()).name).toBe('@t/other');
  });

  it('targets the Node of engines.node, es2022 off Node', () => {
    expect(applyDefaults(config(), facts({ packageJson: { name: 'a', engines: { node: '>=22.1' } } })).target).toEqual(['node22']);
    expect(applyDefaults(config({ platform: 'browser' }), facts()).target).toEqual(['es2022']);
  });

  it('takes the outputDir the path checks normalised, and derives the artifact globs from it', () => {
    const resolved = applyDefaults(config({ outputDir: 'out\\lib' }), facts({ checkedOutputDir: 'out/lib' }));
    expect(resolved.outputDir).toBe('out/lib');
    expect(resolved.artifactGlobs[0]).toBe('out/lib/**');
  });

  it('a clean hook alone is the clean hook, with nothing kept', () => {
    const resolved = applyDefaults(config({ clean: { cmd: 'rm -rf x', cwd: '.' } }), facts());
    expect(resolved.hooks.clean).toEqual({ cmd: 'rm -rf x', cwd: '.' });
    expect(resolved.cleanOptions).toEqual({ keep: [], dryRun: false });
  });

  it('puts the upload in only when one is configured', () => {
    expect('upload' in applyDefaults(config(), facts())).toBe(false);
  });
});

describe('dts default', () => {
  const dts = (packageJson: ResolutionFacts['packageJson'], fields: Partial<ResolutionFacts> = {}, dtsOption?: ParsedBuildConfig['dts']) =>
    applyDefaults(config(dtsOption === undefined ? {} : { dts: dtsOption }), facts({ packageJson, ...fields })).dts;

  it('is on when package.json declares `types` or `typings`', () => {
    expect(dts({ name: 'a', types: './dist/index.d.ts' })).toBe(true);
    expect(dts({ name: 'a', typings: './dist/index.d.ts' })).toBe(true);
    expect(dts({ name: 'a' })).toBe(false);
  });

  it('is off for a custom build without entry, whatever package.json says', () => {
    expect(dts({ name: 'a', types: './dist/index.d.ts' }, { entryless: true, entries: [] })).toBe(false);
  });

  it('follows the option when set', () => {
    expect(dts({ name: 'a', types: 'x.d.ts' }, {}, false)).toBe(false);
    expect(dts({ name: 'a' }, {}, true)).toBe(true);
    expect(dts({ name: 'a' }, {}, {})).toBe(true);
  });
});

describe('resolveFormat', () => {
  it('defaults to esm whatever package.json `type` says (`type` only names the ESM files)', () => {
    for (const type of ['module', 'commonjs', undefined]) {
      expect(applyDefaults(config(), facts({ packageJson: { name: 'a', type } })).format).toEqual(['esm']);
    }
  });

  it('takes one format or a list, without repeats', () => {
    expect(resolveFormat('cjs')).toEqual(['cjs']);
    expect(resolveFormat(['esm', 'cjs', 'esm'])).toEqual(['esm', 'cjs']);
  });
});

describe('resolveExternal', () => {
  it('keeps out dependencies, peer and optional dependencies and `external`, sorted and once each', () => {
    const pkg = {
      dependencies: { zod: '^4', react: '^19' },
      peerDependencies: { react: '^19', vue: '^3' },
      optionalDependencies: { fsevents: '^2' },
      devDependencies: { vitest: '^3' },
    };
    expect(resolveExternal(pkg, ['left-pad'], [])).toEqual(['fsevents', 'left-pad', 'react', 'vue', 'zod']);
  });

  it('bundles what `noExternal` names', () => {
    expect(resolveExternal({ dependencies: { zod: '^4', tslib: '^2' } }, [], ['tslib'])).toEqual(['zod']);
  });

  it('applyDefaults uses it with the merged config', () => {
    const resolved = applyDefaults(
      config({ external: ['extra'], noExternal: ['inline'] }),
      facts({ packageJson: { name: 'a', dependencies: { inline: '1', dep: '1' }, peerDependencies: { peer: '1' } } }),
    );
    expect(resolved.external).toEqual(['dep', 'extra', 'peer']);
    expect(resolved.noExternal).toEqual(['inline']);
  });
});

describe('mergeEnvironment', () => {
  const base = config({
    minify: false,
    format: 'esm',
    env: { API: 'https://dev', MODE: 'base' },
    define: { A: '1', B: '2' },
    builderOptions: { keepNames: true, legalComments: 'none' },
    environments: {
      production: {
        minify: true,
        env: { API: 'https://prod' },
        define: { B: '3' },
        builderOptions: { legalComments: 'eof' },
      },
    },
  });

  it('lays the environment over the base config, merging env, define and builderOptions key by key', () => {
    expect(mergeEnvironment(base, 'production')).toMatchObject({
      minify: true,
      format: 'esm',
      env: { API: 'https://prod', MODE: 'base' },
      define: { A: '1', B: '3' },
      builderOptions: { keepNames: true, legalComments: 'eof' },
    });
  });

  it('leaves the base config as it is for an environment without overrides', () => {
    expect(mergeEnvironment(base, 'development')).toMatchObject({
      minify: false,
      env: { API: 'https://dev', MODE: 'base' },
      define: { A: '1', B: '2' },
      builderOptions: { keepNames: true, legalComments: 'none' },
    });
  });

  it('does not change the parsed config', () => {
    const before = JSON.stringify(base);
    mergeEnvironment(base, 'production');
    expect(JSON.stringify(base)).toBe(before);
  });

  it('lets an environment replace a list rather than extend it', () => {
    const merged = mergeEnvironment(config({ external: ['a'], environments: { ci: { external: ['b'] } } }), 'ci');
    expect(merged.external).toEqual(['b']);
  });
});

describe('resolveEnv (the env overlay)', () => {
  it('takes process.env over the config, for the config keys only', () => {
    expect(resolveEnv({ API: 'https://dev', MODE: 'base' }, { API: 'https://override', OTHER: 'x' })).toEqual({
      API: 'https://override',
      MODE: 'base',
    });
  });

  it('keeps an empty process.env value (set is set)', () => {
    expect(resolveEnv({ API: 'https://dev' }, { API: '' })).toEqual({ API: '' });
  });

  it('is what applyDefaults records as `env`, after the environment merge', () => {
    const merged = mergeEnvironment(config({ env: { A: 'base', B: 'base' }, environments: { ci: { env: { B: 'ci' } } } }), 'ci');
    expect(applyDefaults(merged, facts({ processEnv: { A: 'shell' } })).env).toEqual({ A: 'shell', B: 'ci' });
  });
});

describe('resolveCheck', () => {
  it.each([
    [undefined, { mode: 'warn', publint: false, attw: false }],
    [true, { mode: 'warn', publint: false, attw: false }],
    ['warn', { mode: 'warn', publint: false, attw: false }],
    [false, { mode: 'off', publint: false, attw: false }],
    ['strict', { mode: 'strict', publint: false, attw: false }],
    [
      { strict: true, publint: true },
      { mode: 'strict', publint: true, attw: false },
    ],
    [{ attw: true }, { mode: 'warn', publint: false, attw: true }],
  ] as const)('%j → %j', (check, expected) => {
    expect(resolveCheck(check as ParsedBuildConfig['check'])).toEqual(expected);
  });
});
