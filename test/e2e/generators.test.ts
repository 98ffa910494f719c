import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, NX_ENV, REPO_ROOT, type TempWorkspace } from '../helpers/workspace';

const NX_JSON_WITHOUT_PLUGIN = {
  $schema: './node_modules/nx/schemas/nx-schema.json',
  namedInputs: { default: ['{projectRoot}/**/*'] },
};
// The default builder is bun; builds with it need the bun adapter in dist/.
const hasBunAdapter = Boolean((require(join(REPO_ROOT, 'dist', 'adapters')) as { loadAdapter(b: string): unknown }).loadAdapter('bun'));

const SOURCE = `export const double = (n: number): number => n * 2;\nexport const kind: string = 'lib';\n`;

describe('generators end to end (real nx g in a temp workspace)', () => {
  let ws: TempWorkspace;

  beforeAll(() => {
    ws = createWorkspace({
      nxJson: NX_JSON_WITHOUT_PLUGIN,
      packages: {
        // no "type": the generator decides it
        'packages/pkg': {
          name: '@t/pkg',
          packageJson: { type: undefined },
          files: { 'src/index.ts': SOURCE, 'src/index.test.ts': '// test\n' },
        },
        'packages/dual': {
          name: '@t/dual',
          packageJson: { type: undefined },
          files: { 'src/index.ts': SOURCE, 'src/index.test.ts': '// test\n' },
        },
        'packages/dry': { name: '@t/dry', files: { 'src/index.ts': SOURCE } },
        'packages/daemon': { name: '@t/daemon', files: { 'src/index.ts': SOURCE } },
        'packages/consumer': {
          name: '@t/consumer',
          packageJson: { dependencies: { '@t/pkg': '*', '@t/dual': '*' } },
          files: {
            'esm.mjs': `import { double } from '@t/dual';\nimport pkg from '@t/dual/package.json' with { type: 'json' };\nconsole.log('esm', double(21), pkg.name);\n`,
            'cjs.cjs': `const { double } = require('@t/dual');\nconsole.log('cjs', double(4), require.resolve('@t/dual').endsWith('dist/index.cjs'));\n`,
            'bun.mjs': `import { double } from '@t/pkg';\nconsole.log('pkg', double(5));\n`,
            'types.ts': `import { double, kind } from '@t/dual';\nconst n: number = double(1);\nconst k: string = kind;\n// @ts-expect-error double takes a number\ndouble('x');\nexport { n, k };\n`,
            'tsconfig.json': JSON.stringify({
              compilerOptions: {
                module: 'nodenext',
                moduleResolution: 'nodenext',
                strict: true,
                noEmit: true,
                skipLibCheck: false,
                types: [],
              },
              files: ['types.ts'],
            }),
          },
        },
      },
    });
    ws.write('.gitignore', 'node_modules\n.nx\n');
  });
  afterAll(() => ws?.dispose());

  it('init registers the plugin, ignores .build-cache and adds a production input', () => {
    const r = ws.nx(['g', '@repo/build-system:init', '--no-interactive']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('UPDATE nx.json');
    expect(r.output).toContain('UPDATE .gitignore');
    const nx = ws.json('nx.json');
    expect(nx.plugins).toEqual([{ plugin: '@repo/build-system/plugin', options: { buildTargetName: 'build', cleanTargetName: 'clean' } }]);
    expect(nx.namedInputs.production[0]).toBe('default');
    expect(ws.read('.gitignore')).toMatch(/\n\.build-cache\n$/);
  });

  it('re-running init changes nothing', () => {
    const before = { nx: ws.read('nx.json'), gitignore: ws.read('.gitignore') };
    const r = ws.nx(['g', '@repo/build-system:init', '--no-interactive']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(/\b(UPDATE|CREATE|DELETE)\b/);
    expect(r.output).toContain('already registered');
    expect({ nx: ws.read('nx.json'), gitignore: ws.read('.gitignore') }).toEqual(before);
  });

  it('config --dry-run shows the changes and writes nothing', () => {
    const pkgBefore = ws.read('packages/dry/package.json');
    const r = ws.nx(['g', '@repo/build-system:config', '@t/dry', '--no-interactive', '--dry-run']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('CREATE packages/dry/build.config.ts');
    expect(r.output).toContain('UPDATE packages/dry/package.json');
    expect(r.output).toContain('no changes were made');
    expect(ws.exists('packages/dry/build.config.ts')).toBe(false);
    expect(ws.read('packages/dry/package.json')).toBe(pkgBefore);
  });

  it('config with the defaults writes a bun config and package.json entry points', () => {
    const r = ws.nx(['g', '@repo/build-system:config', '@t/pkg', '--no-interactive']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('CREATE packages/pkg/build.config.ts');
    expect(ws.read('packages/pkg/build.config.ts')).toContain(`builder: 'bun',`);
    const pkg = ws.json('packages/pkg/package.json');
    expect(pkg.type).toBe('module');
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    // nx sees the inferred target (bun is installed here, so bun is the builder in effect)
    const show = ws.nx(['show', 'project', '@t/pkg', '--json']);
    expect(show.code, show.output).toBe(0);
    const build = JSON.parse(show.stdout).targets.build;
    expect(build.executor).toBe('@repo/build-system:build');
    expect(build.metadata.requestedBuilder).toBe('bun');
  });

  it.skipIf(!hasBunAdapter)('the bun config builds first time and runs through its exports', () => {
    const r = ws.nx(['run', '@t/pkg:build']);
    expect(r.code, r.output).toBe(0);
    const job = ws.latest('packages/pkg');
    expect(job.status).toBe('success');
    // bun is installed in this workspace, so bun itself built it
    expect([job.requestedBuilder, job.builder]).toEqual(['bun', 'bun']);
    expect(ws.exists('packages/pkg/dist/index.d.ts')).toBe(true);
    const run = ws.node(['bun.mjs'], ws.path('packages/consumer'));
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toBe('pkg 10\n');
  });

  it('config --builder esbuild --format esm,cjs builds first time', () => {
    const g = ws.nx(['g', '@repo/build-system:config', '@t/dual', '--builder=esbuild', '--format=esm,cjs', '--no-interactive']);
    expect(g.code, g.output).toBe(0);
    expect(ws.read('packages/dual/build.config.ts')).toBe(`import { defineBuildConfig } from '@repo/build-system';

export default defineBuildConfig({
  builder: 'esbuild',
  entry: 'src/index.ts',
  outputDir: 'dist',
  format: ['esm', 'cjs'],
  dts: true,
});
`);
    const r = ws.nx(['run', '@t/dual:build']);
    expect(r.code, r.output).toBe(0);
    const job = ws.latest('packages/dual');
    expect(job.status).toBe('success');
    expect(job.builder).toBe('esbuild');
    const written = job.artifacts.map((a: { path: string }) => a.path).sort();
    // every file package.json points at was written by the build
    const pkg = ws.json('packages/dual/package.json');
    const leaves = (v: unknown): string[] =>
      typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(leaves) : [];
    const pointed = [pkg.main, pkg.module, pkg.types, ...leaves(pkg.exports['.'])].map((p: string) => p.replace(/^\.\//, ''));
    for (const p of new Set(pointed)) expect(written).toContain(p);
  });

  it('another package resolves and runs it through its exports (import, require, types)', () => {
    const consumer = ws.path('packages/consumer');
    const esm = ws.node(['esm.mjs'], consumer);
    expect(esm.code, esm.output).toBe(0);
    expect(esm.stdout).toBe('esm 42 @t/dual\n');
    const cjs = ws.node(['cjs.cjs'], consumer);
    expect(cjs.code, cjs.output).toBe(0);
    expect(cjs.stdout).toBe('cjs 8 true\n');
    const tsc = ws.node([join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], consumer);
    expect(tsc.code, tsc.output).toBe(0);
  });

  it('the production input keeps test-file edits out of the hash', () => {
    const again = ws.nx(['run', '@t/dual:build']);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toMatch(/local cache|existing outputs match the cache/);
    ws.write('packages/dual/src/index.test.ts', '// edited test\n');
    const afterTestEdit = ws.nx(['run', '@t/dual:build']);
    expect(afterTestEdit.output).toMatch(/local cache|existing outputs match the cache/);
    ws.write('packages/dual/src/index.ts', SOURCE + 'export const extra = 1;\n');
    const afterSourceEdit = ws.nx(['run', '@t/dual:build']);
    expect(afterSourceEdit.code, afterSourceEdit.output).toBe(0);
    expect(afterSourceEdit.output).not.toMatch(/local cache|existing outputs match the cache/);
  });

  it('with the Nx daemon running, the new config is picked up and builds first time', () => {
    const daemon = { NX_DAEMON: 'true' };
    try {
      const warm = ws.nx(['show', 'projects'], daemon);
      expect(warm.code, warm.output).toBe(0);
      const g = ws.nx(['g', '@repo/build-system:config', '@t/daemon', '--builder=esbuild', '--no-interactive'], daemon);
      expect(g.code, g.output).toBe(0);
      const r = ws.nx(['run', '@t/daemon:build'], daemon);
      expect(r.code, r.output).toBe(0);
      expect(ws.latest('packages/daemon').status).toBe('success');
      expect(ws.exists('packages/daemon/dist/index.js')).toBe(true);
    } finally {
      ws.nx(['daemon', '--stop'], daemon);
    }
  });

  it('config without --force refuses and leaves the file untouched; --force replaces it', () => {
    const edited = ws.read('packages/dual/build.config.ts').replace(`dts: true,`, `dts: true,\n  minify: true,`);
    ws.write('packages/dual/build.config.ts', edited);
    const pkgBefore = ws.read('packages/dual/package.json');
    const r = ws.nx(['g', '@repo/build-system:config', '@t/dual', '--builder=esbuild', '--format=cjs', '--no-interactive']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('packages/dual/build.config.ts already exists. Not overwriting it; pass --force to replace it.');
    expect(ws.read('packages/dual/build.config.ts')).toBe(edited);
    expect(ws.read('packages/dual/package.json')).toBe(pkgBefore);

    const forced = ws.nx(['g', '@repo/build-system:config', '@t/dual', '--builder=esbuild', '--format=cjs', '--force', '--no-interactive']);
    expect(forced.code, forced.output).toBe(0);
    expect(ws.read('packages/dual/build.config.ts')).toContain(`format: 'cjs',`);
    expect(ws.json('packages/dual/package.json').main).toBe('./dist/index.cjs');
  });

  it('bad options fail with a message naming the option, writing nothing', () => {
    const r = ws.nx(['g', '@repo/build-system:config', '@t/dry', '--outputDir=src', '--no-interactive']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('--outputDir "src" contains the entry "src/index.ts"');
    expect(ws.exists('packages/dry/build.config.ts')).toBe(false);
    const unknown = ws.nx(['g', '@repo/build-system:config', '@t/nope', '--no-interactive']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toContain('Cannot find project "@t/nope"');
  });
});

describe('nx add @repo/build-system from a packed tarball (real npm install)', () => {
  let dir: string;
  const run = (cmd: string, args: string[], cwd = dir) => {
    // PATH without node_modules/.bin entries (npx adds this repo's, which holds bun): the
    // workspace sees only what it installed itself.
    const PATH = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((p) => !p.includes(`node_modules${sep}.bin`))
      .join(delimiter);
    const r = spawnSync(cmd, args, {
      cwd,
      env: { ...process.env, ...NX_ENV, PATH, NX_CACHE_DIRECTORY: join(dir, '.nx', 'cache') } as NodeJS.ProcessEnv,
      encoding: 'utf8',
      timeout: 180_000,
    });
    return { code: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  };
  const nx = (...args: string[]) => {
    const nxPkg = join(dir, 'node_modules', 'nx');
    return run(process.execPath, [join(nxPkg, require(join(nxPkg, 'package.json')).bin.nx), ...args]);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bs-nx-add-'));
    const pack = run('npm', ['pack', '--pack-destination', dir], REPO_ROOT);
    if (pack.code !== 0) throw new Error(pack.output);
    const repoPkg = require(join(REPO_ROOT, 'package.json'));
    const dev = repoPkg.devDependencies as Record<string, string>;
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify(
        {
          name: 'add-ws',
          private: true,
          workspaces: ['packages/*'],
          devDependencies: { nx: dev.nx, esbuild: dev.esbuild, typescript: dev.typescript },
        },
        null,
        2,
      ),
    );
    writeFileSync(join(dir, 'nx.json'), '{}\n');
    mkdirSync(join(dir, 'packages', 'lib', 'src'), { recursive: true });
    writeFileSync(join(dir, 'packages', 'lib', 'package.json'), JSON.stringify({ name: '@t/lib', version: '1.0.0' }, null, 2));
    writeFileSync(join(dir, 'packages', 'lib', 'src', 'index.ts'), SOURCE);
    mkdirSync(join(dir, 'packages', 'fallback', 'src'), { recursive: true });
    writeFileSync(join(dir, 'packages', 'fallback', 'package.json'), JSON.stringify({ name: '@t/fallback', version: '1.0.0' }, null, 2));
    writeFileSync(join(dir, 'packages', 'fallback', 'src', 'index.ts'), SOURCE);
    const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
    if (install.code !== 0) throw new Error(install.output);
  });
  afterAll(() => {
    if (dir && !process.env.KEEP_TEST_WORKSPACES) rmSync(dir, { recursive: true, force: true });
  });

  it('installs the package, runs init, and the generated config builds', () => {
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const add = nx('add', `@repo/build-system@file:./${tgz}`);
    expect(add.code, add.output).toBe(0);
    expect(add.output).toContain('Generating @repo/build-system:init');
    expect(require(join(dir, 'package.json')).devDependencies['@repo/build-system']).toMatch(/^file:/);
    const nxJson = JSON.parse(require('node:fs').readFileSync(join(dir, 'nx.json'), 'utf8'));
    expect(nxJson.plugins).toEqual([
      { plugin: '@repo/build-system/plugin', options: { buildTargetName: 'build', cleanTargetName: 'clean' } },
    ]);

    // bun is not installed in this workspace: esbuild is the builder that works everywhere
    const g = nx('g', '@repo/build-system:config', '@t/lib', '--builder=esbuild', '--no-interactive');
    expect(g.code, g.output).toBe(0);
    const b = nx('run', '@t/lib:build');
    expect(b.code, b.output).toBe(0);
    const out = run(process.execPath, ['--input-type=module', '-e', `import { double } from '@t/lib'; console.log(double(3));`]);
    expect(out.code, out.output).toBe(0);
    expect(out.output.trim()).toBe('6');
  });

  it.skipIf(!hasBunAdapter)('without a bun binary the default builder is esbuild; an explicit bun falls back to esbuild', () => {
    let g = nx('g', '@repo/build-system:config', '@t/fallback', '--no-interactive');
    expect(g.code, g.output).toBe(0);
    const configFile = join(dir, 'packages/fallback/build.config.ts');
    expect(require('node:fs').readFileSync(configFile, 'utf8')).toContain(`builder: 'esbuild',`);
    expect(require('node:fs').readFileSync(configFile, 'utf8')).toContain(`dts: true,`);
    g = nx('g', '@repo/build-system:config', '@t/fallback', '--builder=bun', '--force', '--no-interactive');
    expect(g.code, g.output).toBe(0);
    expect(require('node:fs').readFileSync(configFile, 'utf8')).toContain(`builder: 'bun',`);
    const b = nx('run', '@t/fallback:build');
    expect(b.code, b.output).toBe(0);
    const job = JSON.parse(require('node:fs').readFileSync(join(dir, 'packages/fallback/.build-cache/latest.json'), 'utf8'));
    expect([job.status, job.requestedBuilder, job.builder]).toEqual(['success', 'bun', 'esbuild']);
    const out = run(process.execPath, ['--input-type=module', '-e', `import { double } from '@t/fallback'; console.log(double(4));`]);
    expect(out.output.trim()).toBe('8');
  });
});
