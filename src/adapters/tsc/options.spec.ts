import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempPackage, type TempPackage } from '../../../test/helpers/resolved-config';
import { tscConfig } from './adapter';
import { sourcesRoot, tscProjectConfig, tscTarget, type TscConfigFacts } from './options';

let bare: TempPackage;
/** A package tsconfig whose own output settings point elsewhere, and a second one named by `tsconfig`. */
let own: TempPackage;
beforeAll(() => {
  bare = tempPackage({}, { 'src/cli/main.ts': 'export {};\n' });
  own = tempPackage(
    {},
    {
      'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, outDir: './build', declarationDir: './types', outFile: 'x.js' } }),
      'tsconfig.build.json': JSON.stringify({ compilerOptions: { strict: true } }),
    },
  );
});
afterAll(() => {
  bare.dispose();
  own.dispose();
});

const facts = (over: Partial<TscConfigFacts> = {}): TscConfigFacts => ({
  ownTsconfig: undefined,
  unsetInherited: {},
  rewritesTsExtensions: false,
  outDir: '/state/out',
  buildInfo: undefined,
  ...over,
});
const tsc = (raw: Record<string, unknown> = {}, environment?: string) => bare.resolve({ builder: 'tsc', ...raw }, environment);

describe('tsc target from the config target', () => {
  it('each Node line gets the ECMAScript level it supports fully; an es target is kept', () => {
    const cases = ['node14', 'node16', 'node18', 'node20', 'node22', 'node24', 'es2021', 'esnext', 'ES2020', 'chrome100'];
    expect(cases.map((t) => tscTarget([t]))).toEqual([
      'ES2020',
      'ES2021',
      'ES2022',
      'ES2023',
      'ES2024',
      'ES2024',
      'ES2021',
      'ESNext',
      'ES2020',
      'ES2022',
    ]);
    expect(tscTarget([])).toBe('ES2023');
  });

  it('the config target reaches compilerOptions.target', async () => {
    expect(tscProjectConfig(await tsc({ target: 'node18' }), facts()).compilerOptions.target).toBe('ES2022');
  });
});

describe('the generated tsconfig', () => {
  it('without a package tsconfig: strict defaults, ESM through bundler resolution, everything into outDir', async () => {
    const config = await tsc({ entry: ['src/index.ts', 'src/cli/main.ts'] });
    const generated = tscProjectConfig(config, facts());
    expect(generated).not.toHaveProperty('extends');
    expect(generated.compilerOptions).toMatchObject({
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      module: 'esnext',
      moduleResolution: 'bundler',
      outDir: '/state/out',
      rootDir: join(bare.dir, 'src'),
      noEmit: false,
      composite: false,
    });
    expect(sourcesRoot(config)).toBe(join(bare.dir, 'src'));
    expect(generated.include).toEqual([`${join(bare.dir, 'src')}/**/*`]);
    expect(generated.exclude).toContain(`${join(bare.dir, 'src')}/**/*.spec.ts`);
  });

  it('dts: declarations into outDir, no declaration maps; off: no declarations', async () => {
    expect(tscProjectConfig(await tsc({ dts: true }), facts()).compilerOptions).toMatchObject({
      declaration: true,
      declarationDir: '/state/out',
      declarationMap: false,
    });
    const off = tscProjectConfig(await tsc({ dts: false }), facts()).compilerOptions;
    expect(off.declaration).toBe(false);
    expect(off).not.toHaveProperty('declarationDir');
  });

  it('sourcemap per environment', async () => {
    const raw = { environments: { development: { sourcemap: true } } };
    expect(tscProjectConfig(await tsc(raw), facts()).compilerOptions.sourceMap).toBe(false);
    expect(tscProjectConfig(await tsc(raw, 'development'), facts()).compilerOptions.sourceMap).toBe(true);
  });

  it('builderOptions.compilerOptions override our defaults but never where outputs go', async () => {
    const config = await tsc({
      dts: true,
      builderOptions: { compilerOptions: { strict: false, target: 'ES2019', outDir: 'elsewhere', declarationDir: 'x' } },
    });
    expect(tscProjectConfig(config, facts()).compilerOptions).toMatchObject({
      strict: false,
      target: 'ES2019',
      outDir: '/state/out',
      declarationDir: '/state/out',
    });
  });

  it('incremental only with a build info file; .ts import specifiers rewritten on TypeScript 5.7+', async () => {
    const config = await tsc();
    expect(tscProjectConfig(config, facts()).compilerOptions).toMatchObject({ incremental: false });
    expect(tscProjectConfig(config, facts()).compilerOptions).not.toHaveProperty('tsBuildInfoFile');
    expect(tscProjectConfig(config, facts({ buildInfo: '/state/b.tsbuildinfo' })).compilerOptions).toMatchObject({
      incremental: true,
      tsBuildInfoFile: '/state/b.tsbuildinfo',
    });
    expect(tscProjectConfig(config, facts()).compilerOptions).not.toHaveProperty('rewriteRelativeImportExtensions');
    expect(tscProjectConfig(config, facts({ rewritesTsExtensions: true })).compilerOptions).toMatchObject({
      allowImportingTsExtensions: true,
      rewriteRelativeImportExtensions: true,
    });
  });
});

describe("the package's own tsconfig", () => {
  it('is extended, without our strict defaults; its declarationDir, outDir and outFile never send outputs out of the staging directory', async () => {
    const config = await own.resolve({ builder: 'tsc', dts: true });
    const generated = tscConfig(config, '/state/out', undefined);
    expect(generated.extends).toBe(join(own.dir, 'tsconfig.json'));
    expect(generated.compilerOptions).not.toHaveProperty('strict');
    expect(generated.compilerOptions).toMatchObject({ outDir: '/state/out', declarationDir: '/state/out', outFile: null });
  });

  it('`tsconfig` names the one extended', async () => {
    const config = await own.resolve({ builder: 'tsc', tsconfig: 'tsconfig.build.json' });
    const generated = tscConfig(config, '/state/out', undefined);
    expect(generated.extends).toBe(join(own.dir, 'tsconfig.build.json'));
    // it sets neither declarationDir nor outFile: nothing to unset (a null defeats incremental builds)
    expect(JSON.stringify(generated)).not.toContain('null');
  });
});
