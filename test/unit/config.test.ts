import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOwnConfigSource } from '../../src/config/find';
import { checkOutputDir, packageTsconfig, resolveBuildConfig, resolveEntries, tsconfigCandidates } from '../../src/config/resolve';
import { loadProjectConfig } from '../../src/core/load-project-config';
import { exitCodeFor, formatError } from '../../src/errors';

let root: string;
const pkgDir = () => join(root, 'packages', 'a');
function write(rel: string, content: string) {
  const file = join(pkgDir(), rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, content);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bs-unit-'));
  write(
    'package.json',
    JSON.stringify({ name: '@t/a', version: '1.0.0', dependencies: { lodash: '^4' }, peerDependencies: { react: '*' } }),
  );
  write('src/index.ts', 'export const a = 1;\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const resolve = (raw: unknown, environment = 'production') =>
  resolveBuildConfig({
    raw,
    packageRoot: pkgDir(),
    workspaceRoot: root,
    environment,
    configFile: join(pkgDir(), 'build.config.ts'),
    processEnv: {},
  });

describe('resolveBuildConfig', () => {
  it('applies the documented defaults', async () => {
    const r = await resolve({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      name: '@t/a',
      builder: 'esbuild',
      entries: [{ name: 'index', path: 'src/index.ts' }],
      outputDir: 'dist',
      format: ['esm'],
      platform: 'node',
      target: ['node20'],
      dts: false,
      external: ['lodash', 'react'],
      packagePath: 'packages/a',
    });
    expect(r.value.artifactGlobs).toEqual(['dist/**', 'build/**', 'lib/**', '*.tgz']);
  });

  it('dts: true and {} bundle declarations, { bundle: false } keeps them per file; anything else is invalid', async () => {
    const shape = async (dts: unknown) => {
      const r = await resolve({ dts });
      return r.ok ? [r.value.dts, r.value.dtsBundle] : r.errors.map((e) => e.field);
    };
    expect(await shape(true)).toEqual([true, true]);
    expect(await shape({})).toEqual([true, true]);
    expect(await shape({ bundle: false })).toEqual([true, false]);
    expect(await shape(false)).toEqual([false, true]);
    expect(await shape({ bundel: true })).toEqual(['dts.bundel']);
  });

  it('the tsconfig a package uses: the option, else the nearest tsconfig.json up to the workspace root', async () => {
    const found = async () => {
      const r = await resolve({});
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return packageTsconfig(r.value);
    };
    expect(await found()).toBeUndefined();
    writeFileSync(join(root, 'tsconfig.json'), '{}');
    expect(await found()).toBe(join(root, 'tsconfig.json'));
    mkdirSync(join(root, 'packages'), { recursive: true });
    writeFileSync(join(root, 'packages', 'tsconfig.json'), '{}');
    expect(await found()).toBe(join(root, 'packages', 'tsconfig.json'));
    write('tsconfig.json', '{}');
    expect(await found()).toBe(join(pkgDir(), 'tsconfig.json'));
    write('tsconfig.lib.json', '{}');
    const r = await resolve({ tsconfig: 'tsconfig.lib.json' });
    expect(r.ok && packageTsconfig(r.value)).toBe(join(pkgDir(), 'tsconfig.lib.json'));
    expect(tsconfigCandidates(pkgDir(), root)).toEqual([
      join(pkgDir(), 'tsconfig.json'),
      join(root, 'packages', 'tsconfig.json'),
      join(root, 'tsconfig.json'),
    ]);
  });

  it('reports every problem at once, naming file, field, expected and found', async () => {
    const r = await resolve({ builder: 'webpack', outputDir: '../out', format: 'umd', minfy: true, name: '@t/other' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byField = Object.fromEntries(r.errors.map((e) => [e.field, e]));
    expect(byField.builder).toMatchObject({ code: 'CONFIG_INVALID', file: 'packages/a/build.config.ts', found: 'string "webpack"' });
    expect(byField.builder.expected).toContain('"esbuild"');
    expect(byField.format).toMatchObject({ found: 'string "umd"' });
    expect(byField.minfy).toMatchObject({ message: 'unknown option "minfy": did you mean "minify"?' });
    // Fields with the right type are still checked beyond the schema, in the same report.
    expect(byField.outputDir).toMatchObject({ message: 'outputDir must not leave the package root' });
    expect(byField.name).toMatchObject({ expected: '"@t/a"', found: '"@t/other"' });
    expect(exitCodeFor(r.errors)).toBe(2);
    expect(formatError(byField.builder)).toMatch(/^packages\/a\/build\.config\.ts: \[CONFIG_INVALID\] .*\(field `builder`\)/);
  });

  it('checks the name, outputDir and entries beyond the schema, all at once', async () => {
    const r = await resolve({ name: '@t/other', outputDir: '../outside', entry: ['src/index.ts', 'src/missing.ts'] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.code, e.field])).toEqual([
      ['CONFIG_INVALID', 'name'],
      ['CONFIG_INVALID', 'outputDir'],
      ['ENTRY_NOT_FOUND', 'entry'],
    ]);
    expect(r.errors[0]).toMatchObject({ expected: '"@t/a"', found: '"@t/other"' });
    expect(r.errors[2].found).toBe('src/missing.ts');
  });

  it('applies environment overrides and lets process.env win over env defaults', async () => {
    const raw = {
      env: { API: 'default', KEEP: 'k' },
      environments: { development: { sourcemap: true, env: { API: 'dev' } }, production: { minify: true } },
    };
    const dev = await resolve(raw, 'development');
    const prod = await resolveBuildConfig({
      raw,
      packageRoot: pkgDir(),
      workspaceRoot: root,
      environment: 'production',
      processEnv: { API: 'from-process' },
    });
    expect(dev.ok && prod.ok).toBe(true);
    if (!dev.ok || !prod.ok) return;
    expect(dev.value).toMatchObject({ sourcemap: true, minify: false, env: { API: 'dev', KEEP: 'k' } });
    expect(prod.value).toMatchObject({ sourcemap: false, minify: true, env: { API: 'from-process', KEEP: 'k' } });
  });

  it('turns on dts when package.json declares types, and keeps noExternal out of externals', async () => {
    write('package.json', JSON.stringify({ name: '@t/a', types: './dist/index.d.ts', dependencies: { '@t/internal': '*', zod: '*' } }));
    const r = await resolve({ noExternal: ['@t/internal'] });
    expect(r.ok && r.value.dts).toBe(true);
    expect(r.ok && r.value.external).toEqual(['zod']);
  });

  it('validates the runtime schema before anything runs', async () => {
    const { z } = await import('zod');
    const r = await resolve({ env: { PORT: 'abc' }, runtimeValidationSchema: z.object({ PORT: z.string().regex(/^\d+$/) }) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ code: 'RUNTIME_VALIDATION_FAILED', field: 'runtimeValidationSchema.PORT' });
  });
});

describe('entries', () => {
  it('names array entries below their common directory and object entries explicitly', async () => {
    expect(resolveEntries('src/main.ts')).toEqual([{ name: 'main', path: 'src/main.ts' }]);
    expect(resolveEntries(['src/index.ts', 'src/cli/index.ts'])).toEqual([
      { name: 'index', path: 'src/index.ts' },
      { name: 'cli/index', path: 'src/cli/index.ts' },
    ]);
    expect(resolveEntries({ main: './src/a.ts', 'bin/run': 'src/b.mts' })).toEqual([
      { name: 'main', path: 'src/a.ts' },
      { name: 'bin/run', path: 'src/b.mts' },
    ]);
  });
});

describe('checkOutputDir', () => {
  it('rejects the root, escapes, absolute paths, the cache and symlinks out of the package', async () => {
    mkdirSync(join(root, 'elsewhere'));
    symlinkSync(join(root, 'elsewhere'), join(pkgDir(), 'linked'));
    for (const bad of ['.', './', '..', '../x', '/tmp/x', '.build-cache', 'node_modules/x', 'linked', 'linked/sub']) {
      expect(checkOutputDir(bad, pkgDir()).ok, bad).toBe(false);
    }
    for (const good of ['dist', 'build/out', './lib']) expect(checkOutputDir(good, pkgDir()).ok, good).toBe(true);
  });

  it('rejects an outputDir that is a file or holds the sources: a build would replace them', async () => {
    for (const bad of ['src', 'package.json', 'src/index.ts']) {
      const r = await resolve({ outputDir: bad });
      expect(r.ok, bad).toBe(false);
      if (r.ok) continue;
      expect(r.errors[0]).toMatchObject({
        code: 'CONFIG_INVALID',
        field: 'outputDir',
        file: 'packages/a/build.config.ts',
        found: JSON.stringify(bad),
      });
    }
    const r = await resolve({ outputDir: 'src' });
    expect(!r.ok && r.errors[0].message).toBe(
      'outputDir "src" holds the entry "src/index.ts": a build would replace the sources with its outputs',
    );
    expect(checkOutputDir('package.json', pkgDir()).ok).toBe(false);
    expect((await resolve({ outputDir: 'src/out' })).ok).toBe(true);
  });
});

describe('environments, entries and artifact globs beyond the schema', () => {
  it('an environment neither built in nor declared is an error listing the known ones', async () => {
    const r = await resolve({ environments: { staging: { minify: true } } }, 'stagign');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        field: 'environments',
        found: '"stagign"',
        expected: '"development" | "ci" | "production" | "staging"',
      }),
    ]);
    const staging = await resolve({ environments: { staging: { minify: true } } }, 'staging');
    expect(staging.ok && staging.value.minify).toBe(true);
    // built-in environments need no declaration
    expect((await resolve({}, 'ci')).ok).toBe(true);
  });

  it('two entries with one output name are an error naming both', async () => {
    write('src/other.ts', 'export const b = 2;\n');
    write('src/index.mts', 'export const c = 3;\n');
    for (const entry of [{ a: 'src/index.ts', 'a.ts': 'src/other.ts' }, ['src/index.ts', 'src/index.mts']]) {
      const r = await resolve({ entry });
      expect(r.ok, JSON.stringify(entry)).toBe(false);
      if (r.ok) continue;
      expect(r.errors[0]).toMatchObject({ code: 'CONFIG_INVALID', field: 'entry' });
      expect(r.errors[0].message).toMatch(
        /^entries "src\/index\.ts" and "src\/(other\.ts|index\.mts)" would both write the output "(a|index)"$/,
      );
    }
  });

  it('an explicit tsconfig that does not exist is an error, not a silent fallback', async () => {
    const r = await resolve({ tsconfig: 'tsconfig.build.json' });
    expect(!r.ok && r.errors).toEqual([
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        field: 'tsconfig',
        found: '"tsconfig.build.json"',
        file: 'packages/a/build.config.ts',
      }),
    ]);
    write('tsconfig.build.json', '{}');
    expect((await resolve({ tsconfig: 'tsconfig.build.json' })).ok).toBe(true);
  });

  it('Windows separators in entry and outputDir mean the same paths', async () => {
    const r = await resolve({ entry: 'src\\index.ts', outputDir: 'out\\lib' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.entries).toEqual([{ name: 'index', path: 'src/index.ts' }]);
    expect(r.value.outputDir).toBe('out/lib');
    for (const bad of ['..\\..\\x', 'C:\\out']) expect((await resolve({ outputDir: bad })).ok, bad).toBe(false);
  });

  it('artifact globs must stay inside the package', async () => {
    const r = await resolve({ artifactGlobs: ['dist/**', '../../*.json', '/etc/host*'] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.code, e.field, e.found])).toEqual([
      ['CONFIG_INVALID', 'artifactGlobs.1', '"../../*.json"'],
      ['CONFIG_INVALID', 'artifactGlobs.2', '"/etc/host*"'],
    ]);
  });

  it('tsc refuses entry names it cannot honour (it keeps the source tree)', async () => {
    const { tscAdapter } = await import('../../src/adapters/tsc/adapter');
    const named = await resolve({ builder: 'tsc', entry: { main: 'src/index.ts' } });
    expect(named.ok).toBe(true);
    if (!named.ok) return;
    expect(tscAdapter.validate(named.value)).toEqual([
      expect.objectContaining({
        code: 'BUILDER_OPTION_UNSUPPORTED',
        field: 'entry',
        found: 'main',
        message: 'tsc cannot honour `entry`: tsc names outputs after their sources: "src/index.ts" writes "index.js", not "main.js"',
      }),
    ]);
    const plain = await resolve({ builder: 'tsc', entry: { index: 'src/index.ts' } });
    expect(plain.ok && tscAdapter.validate(plain.value)).toEqual([]);
  });
});

describe('loading build.config files', () => {
  it('accepts a default export, a named buildConfig, promises and functions of { environment }', async () => {
    const load = (environment = 'production') =>
      loadProjectConfig({ workspaceRoot: root, packageRoot: pkgDir(), environment, processEnv: {} });
    write(
      'build.config.ts',
      `export default ({ environment }: { environment: string }) => Promise.resolve({ builder: 'esbuild', minify: environment === 'production' });\n`,
    );
    let r = await load();
    expect(r.ok && r.value.minify).toBe(true);
    r = await load('development');
    expect(r.ok && r.value.minify).toBe(false);
    write('build.config.ts', `export const buildConfig = { builder: 'tsc', outputDir: 'lib' };\n`);
    r = await load();
    expect(r.ok && [r.value.builder, r.value.outputDir]).toEqual(['tsc', 'lib']);
  });

  it('reports a config that throws or does not parse, naming the file', async () => {
    write('build.config.ts', `export default {\n  builder: 'esbuild',,\n};\n`);
    const r = await loadProjectConfig({ workspaceRoot: root, packageRoot: pkgDir(), environment: 'production' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ code: 'CONFIG_LOAD_FAILED', file: 'packages/a/build.config.ts' });
  });

  it('picks build.config.ts over other extensions and says when none exists', async () => {
    let r = await loadProjectConfig({ workspaceRoot: root, packageRoot: pkgDir(), environment: 'production' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0].code).toBe('CONFIG_NOT_FOUND');
    write('build.config.mjs', `export default { builder: 'rollup' };\n`);
    write('build.config.ts', `export default { builder: 'tsc' };\n`);
    r = await loadProjectConfig({ workspaceRoot: root, packageRoot: pkgDir(), environment: 'production' });
    expect(r.ok && r.value.builder).toBe('tsc');
  });
});

describe('isOwnConfigSource', () => {
  it('recognises ours and skips unbuild/tsup configs without running them', async () => {
    expect(isOwnConfigSource(`import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig({});`)).toBe(true);
    expect(isOwnConfigSource(`export const buildConfig = { entry: 'src/index.ts' };`)).toBe(true);
    expect(isOwnConfigSource(`export default { builder: 'esbuild' };`)).toBe(true);
    expect(
      isOwnConfigSource(`import { defineBuildConfig } from 'unbuild';\nexport default defineBuildConfig({ entries: ['src/index'] });`),
    ).toBe(false);
    expect(isOwnConfigSource(`export default { entries: ['src/index'], declaration: true };`)).toBe(false);
  });
});

describe('validated-config cache', () => {
  it('reuses the validated result for identical plain data, never for configs with functions', async () => {
    const { validateWithCache, isPlainData } = await import('../../src/config/validation-cache');
    let calls = 0;
    const validate = () => (calls++, { ok: true as const, value: { builder: 'esbuild', entry: 'src/index.ts', outputDir: 'dist' } as any });
    await validateWithCache({ builder: 'esbuild' }, pkgDir(), '1', validate);
    await validateWithCache({ builder: 'esbuild' }, pkgDir(), '1', validate);
    expect(calls).toBe(1);
    await validateWithCache({ builder: 'esbuild' }, pkgDir(), '2', validate);
    expect(calls).toBe(2);
    await validateWithCache({ builder: 'esbuild', minify: true }, pkgDir(), '2', validate);
    expect(calls).toBe(3);
    const withHook = { builder: 'esbuild', prebuild: () => {} };
    await validateWithCache(withHook, pkgDir(), '2', validate);
    await validateWithCache(withHook, pkgDir(), '2', validate);
    expect(calls).toBe(5);
    expect(isPlainData({ a: [1, 'x', null, { b: true }] })).toBe(true);
    expect(isPlainData({ a: /x/ })).toBe(false);
    expect(isPlainData({ a: undefined })).toBe(false);
  });

  it('an invalid config is never cached: it fails every time', async () => {
    expect((await resolve({ builder: 'webpack' })).ok).toBe(false);
    expect((await resolve({ builder: 'webpack' })).ok).toBe(false);
  });
});

describe('readStaticConfig (graph time without executing configs)', () => {
  it('reads plain-data configs exactly as jiti would', async () => {
    const { readStaticConfig } = await import('../../src/config/static-config');
    const src = `// build config
import { defineBuildConfig } from '@repo/build-system';

/* the package */
export default defineBuildConfig({
  name: '@acme/utils', // trailing comment
  builder: "esbuild",
  entry: ['src/index.ts', 'src/cli/index.ts'],
  format: ['esm', 'cjs',],
  dts: true,
  cache: { include: ['src/**'], exclude: [] },
  env: { 'API_URL': 'https://example.test/a\\'b' },
  'minify': false,
  target: null,
  retries: 3,
});
`;
    expect(readStaticConfig(src)).toEqual({
      name: '@acme/utils',
      builder: 'esbuild',
      entry: ['src/index.ts', 'src/cli/index.ts'],
      format: ['esm', 'cjs'],
      dts: true,
      cache: { include: ['src/**'], exclude: [] },
      env: { API_URL: "https://example.test/a'b" },
      minify: false,
      target: null,
      retries: 3,
    });
    expect(readStaticConfig(`export const buildConfig = { builder: 'tsc' };`)).toEqual({ builder: 'tsc' });
    expect(readStaticConfig(`export default { builder: 'rollup' }`)).toEqual({ builder: 'rollup' });
  });

  it('bails out on anything that needs executing', async () => {
    const { readStaticConfig } = await import('../../src/config/static-config');
    const head = `import { defineBuildConfig } from '@repo/build-system';\n`;
    for (const body of [
      `export default defineBuildConfig({ builder: process.env.B });`,
      'export default defineBuildConfig({ entry: `src/${name}.ts` });',
      `export default defineBuildConfig({ prebuild: async () => {} });`,
      `export default defineBuildConfig({ ...base });`,
      `export default defineBuildConfig(({ environment }) => ({ minify: environment === 'production' }));`,
      `const x = 1;\nexport default defineBuildConfig({ builder: 'esbuild' });`,
      `export default defineBuildConfig({ builder: 'esbuild' }) as const;`,
      `export default defineBuildConfig({ builder: 'esbuild' });\nconsole.log('side effect');`,
    ]) {
      expect(readStaticConfig(head + body), body).toBeUndefined();
    }
    expect(readStaticConfig(`import { z } from 'zod';\nexport default { builder: 'esbuild' };`)).toBeUndefined();
  });
});
