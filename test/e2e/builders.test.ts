import { readdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicSources, internalPackage, realPackageSources } from '../fixtures/packages';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

const BUILDERS = ['esbuild', 'bun', 'tsc', 'rollup'] as const;

const config = (builder: string, extra = '') => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: '${builder}',
  format: ['esm', 'cjs'],
  dts: true,${extra}
});
`;

/** What a module exports and what its functions return, read by a real Node process. */
function probe(ws: TempWorkspace, file: string, mode: 'import' | 'require') {
  const code =
    mode === 'import'
      ? `import(${JSON.stringify(ws.path(file))}).then((m) => console.log(JSON.stringify(Object.keys(m).sort())))`
      : `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(ws.path(file))})).sort()))`;
  const r = ws.node(['-e', code]);
  expect(r.code, r.output).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

describe('every builder behind one contract (real binaries)', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    const packages: Record<string, any> = {
      'packages/internal': {
        name: '@t/internal',
        packageJson: { private: true, exports: { '.': './src/index.ts' } },
        files: internalPackage,
      },
    };
    for (const b of BUILDERS) {
      packages[`packages/basic-${b}`] = { name: `@t/basic-${b}`, config: config(b), files: basicSources };
      packages[`packages/real-${b}`] = {
        name: `@t/real-${b}`,
        packageJson: {
          version: '1.2.3',
          exports: { '.': './dist/index.js', './package.json': './package.json' },
          ...(b === 'tsc' ? {} : { dependencies: { '@t/internal': '*' } }),
        },
        config: config(
          b,
          `\n  entry: ['src/index.ts', 'src/cli/index.ts', 'src/types.ts'],\n  target: 'node20',${b === 'tsc' ? '' : "\n  noExternal: ['@t/internal'],"}`,
        ),
        files: realPackageSources({ bundler: b !== 'tsc' }),
      };
    }
    packages['packages/custom-cmd'] = {
      name: '@t/custom-cmd',
      config: `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'custom',
  builderOptions: { command: 'node scripts/build.mjs' },
});
`,
      files: {
        'src/index.ts': 'export {};\n',
        'scripts/build.mjs':
          "import { writeFileSync } from 'node:fs';\nwriteFileSync(process.env.OUT_DIR + '/index.js', 'export const custom = \"cmd\";\\n');\nconsole.log('custom build wrote ' + 'index.js');\n",
      },
    };
    packages['packages/custom-fn'] = {
      name: '@t/custom-fn',
      config: `import { defineBuildConfig } from '@repo/build-system';
import { writeFile } from 'node:fs/promises';
export default defineBuildConfig({
  builder: 'custom',
  outputDir: 'lib',
  builderOptions: { run: async ({ outDir, config }) => { await writeFile(outDir + '/index.js', 'export const name = ' + JSON.stringify(config.name) + ';\\n'); } },
});
`,
      files: { 'src/index.ts': 'export {};\n' },
    };
    packages['packages/direct'] = {
      name: '@t/direct',
      files: {
        ...basicSources,
        'project.json': JSON.stringify({
          name: '@t/direct',
          targets: {
            bundle: {
              executor: '@repo/build-system:rollup',
              options: { entry: 'src/index.ts', format: ['esm', 'cjs'], outputDir: 'out', minify: true },
            },
          },
        }),
      },
    };
    ws = createWorkspace({ packages });
    const r = ws.nx(['run-many', '-t', 'build', '--parallel=2']);
    expect(r.code, r.output).toBe(0);
  });
  afterAll(() => ws?.dispose());

  it('each builder writes dist/index.js exporting the same names with the same behaviour', () => {
    for (const b of BUILDERS) {
      expect(probe(ws, `packages/basic-${b}/dist/index.js`, 'import'), b).toEqual(['answer', 'default', 'greet']);
      const r = ws.node([
        '--input-type=module',
        '-e',
        `import sum, { greet, answer } from ${JSON.stringify(ws.path(`packages/basic-${b}/dist/index.js`))}; console.log(greet({ to: 'nx' }), answer, sum(2, 3));`,
      ]);
      expect(r.stdout.trim(), `${b}: ${r.output}`).toBe('HELLO NX! 42 5');
      const job = ws.latest(`packages/basic-${b}`);
      expect(job).toMatchObject({ status: 'success', builder: b, requestedBuilder: b });
    }
  });

  it('dts: true gives dist/index.d.ts for each; dual format gives a requireable dist/index.cjs', () => {
    for (const b of BUILDERS) {
      const dts = ws.read(`packages/basic-${b}/dist/index.d.ts`);
      expect(dts, b).toContain('greet');
      expect(dts, b).toContain('interface Greeting');
      expect(probe(ws, `packages/basic-${b}/dist/index.cjs`, 'require'), b).toEqual(['answer', 'default', 'greet']);
    }
  });

  it('the real-package fixture builds under each builder to modules that run in Node 20', () => {
    for (const b of BUILDERS) {
      const dir = `packages/real-${b}`;
      const r = ws.node([
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(ws.path(dir, 'dist/index.js'))}); const c = await import(${JSON.stringify(ws.path(dir, 'dist/cli/index.js'))}); await import(${JSON.stringify(ws.path(dir, 'dist/types.js'))});
console.log(JSON.stringify([Object.keys(m).sort(), m.withResource(), m.setting, m.version, m.inner, m.shared, c.cli]));`,
      ]);
      expect(r.code, `${b}: ${r.output}`).toBe(0);
      expect(JSON.parse(r.stdout), b).toEqual([
        ['inner', 'setting', 'shared', 'version', 'withResource'],
        ['used', 'disposed'],
        'strict',
        '1.2.3',
        'internal',
        'shared by index',
        'shared by cli',
      ]);
      expect(ws.read(`${dir}/dist/index.js`), b).not.toMatch(/^\s*using /m);
      expect(ws.read(`${dir}/dist/types.d.ts`), b).toContain('interface Options');
      expect(ws.read(`${dir}/dist/index.d.ts`), b).toContain('withResource');
      if (b !== 'tsc') {
        // ESM entries share code through a chunk instead of duplicating it.
        expect(
          readdirSync(ws.path(dir, 'dist/chunks')).some((f) => f.endsWith('.js')),
          b,
        ).toBe(true);
        expect(ws.read(`${dir}/dist/index.js`), b).not.toContain("from '@t/internal'");
      }
    }
  });

  it('a syntax error under each bundler and a type error under tsc give a failed record with a located error', () => {
    for (const b of BUILDERS) {
      const dir = `packages/basic-${b}`;
      const broken = basicSources['src/text.ts'] + (b === 'tsc' ? `export const n: number = 'x';\n` : `export const n = (;\n`);
      ws.write(`${dir}/src/text.ts`, broken);
      const r = ws.nx(['run', `@t/basic-${b}:build`, '--skip-nx-cache']);
      expect(r.code, b).not.toBe(0);
      const job = ws.latest(dir);
      expect(job.status, b).toBe('failed');
      const e = job.errors[0];
      expect(e, `${b}: ${JSON.stringify(job.errors)}`).toMatchObject({ file: `${dir}/src/text.ts`, line: 2 });
      expect(e.column, b).toBeGreaterThan(0);
      expect(e.code, b).toBe(b === 'tsc' ? 'TYPE_ERROR' : 'COMPILE_ERROR');
      if (b === 'tsc') expect(e.message).toContain('TS2322');
      expect(r.output, b).toContain(`${dir}/src/text.ts:2:`);
      ws.write(`${dir}/src/text.ts`, basicSources['src/text.ts']);
    }
  });

  it('a tsc rebuild after rm -rf dist re-emits everything', () => {
    const dir = 'packages/basic-tsc';
    let r = ws.nx(['run', '@t/basic-tsc:build', '--skip-nx-cache']);
    expect(r.code, r.output).toBe(0);
    const before = readdirSync(ws.path(dir, 'dist')).sort();
    rmSync(ws.path(dir, 'dist'), { recursive: true, force: true });
    r = ws.nx(['run', '@t/basic-tsc:build', '--skip-nx-cache']);
    expect(r.code, r.output).toBe(0);
    expect(readdirSync(ws.path(dir, 'dist')).sort()).toEqual(before);
    expect(before).toEqual(expect.arrayContaining(['index.js', 'index.cjs', 'index.d.ts', 'text.js', 'text.cjs', 'text.d.ts']));
  });

  it('an incremental tsc build leaves nothing a clean build would not write: removed sources and dropped options', () => {
    const dir = 'packages/basic-tsc';
    const build = () => {
      const r = ws.nx(['run', '@t/basic-tsc:build', '--skip-nx-cache']);
      expect(r.code, r.output).toBe(0);
      return readdirSync(ws.path(dir, 'dist')).sort();
    };
    ws.write(`${dir}/src/extra.ts`, `export const extra: number = 1;\n`);
    expect(build()).toEqual(expect.arrayContaining(['extra.js', 'extra.cjs', 'extra.d.ts']));
    rmSync(ws.path(dir, 'src/extra.ts'));
    expect(build().filter((f) => f.startsWith('extra'))).toEqual([]);
    ws.write(`${dir}/build.config.ts`, config('tsc', `\n  sourcemap: true,`));
    expect(build()).toContain('index.js.map');
    ws.write(`${dir}/build.config.ts`, config('tsc'));
    expect(build().filter((f) => f.endsWith('.map'))).toEqual([]);
    // an unchanged rebuild still reuses the build info: outputs stay byte for byte
    const before = ws.read(`${dir}/dist/index.js`);
    expect(build()).toEqual(expect.arrayContaining(['index.js', 'index.cjs', 'index.d.ts']));
    expect(ws.read(`${dir}/dist/index.js`)).toBe(before);
  });

  it('adapter executors work from project.json with the same options, sharing records and lock', () => {
    const r = ws.nx(['run', '@t/direct:bundle']);
    expect(r.code, r.output).toBe(0);
    expect(probe(ws, 'packages/direct/out/index.cjs', 'require')).toEqual(['answer', 'default', 'greet']);
    expect(ws.latest('packages/direct')).toMatchObject({ status: 'success', builder: 'rollup', metadata: { target: '@t/direct:bundle' } });
    expect(ws.read('packages/direct/out/index.js').split('\n').length).toBeLessThan(6);
  });

  it('custom builds: a command writing to $OUT_DIR and an async function; artifacts found by artifactGlobs', () => {
    expect(ws.read('packages/custom-cmd/dist/index.js')).toBe('export const custom = "cmd";\n');
    const cmd = ws.latest('packages/custom-cmd');
    expect(cmd).toMatchObject({ status: 'success', builder: 'custom' });
    expect(cmd.artifacts.map((a: any) => a.path)).toEqual(['dist/index.js']);
    expect(ws.read('packages/custom-fn/lib/index.js')).toBe('export const name = "@t/custom-fn";\n');
    expect(ws.latest('packages/custom-fn').artifacts.map((a: any) => a.path)).toEqual(['lib/index.js']);
    ws.write(
      'packages/custom-fn/build.config.ts',
      `import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig({ builder: 'custom' });\n`,
    );
    const r = ws.nx(['run', '@t/custom-fn:build']);
    expect(r.code).not.toBe(0);
    expect(ws.latest('packages/custom-fn').errors[0]).toMatchObject({ code: 'CONFIG_INVALID', field: 'builderOptions', found: 'neither' });
  });
});
