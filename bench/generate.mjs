// Deterministic benchmark workspaces: P packages of F TypeScript files, each package importing
// from the previous ones, built by one of several plugins with otherwise identical sources.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Tiny deterministic PRNG (mulberry32) so every run writes the same bytes. */
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const write = (file, content) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
};

function moduleSource(p, j, deps, random) {
  const prev = j > 0 ? `import { Model${j - 1}, compute${j - 1} } from './mod${j - 1}';\n` : '';
  const dep = deps.length && j % 7 === 0 ? `import { compute0 as external${j} } from '@bench/p${deps[0]}';\n` : '';
  const fields = Array.from(
    { length: 4 + Math.floor(random() * 4) },
    (_, k) => `  field${k}: ${['string', 'number', 'boolean', 'string[]'][k % 4]};`,
  ).join('\n');
  return `${prev}${dep}
export interface Model${j} {
${fields}
}

export class Service${j} {
  private readonly cache = new Map<string, number>();
  constructor(private readonly factor: number = ${Math.floor(random() * 100)}) {}
  run(input: number): number {
    const key = String(input);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const value = compute${j}(input) * this.factor;
    this.cache.set(key, value);
    return value;
  }
}

export function compute${j}(n: number): number {
  let acc = ${j};
  for (let i = 0; i < (n % 13) + 3; i++) acc = (acc * 31 + i) % 1000003;
  ${j > 0 ? `acc += compute${j - 1}(n - 1 > 0 ? n - 1 : 0) % 97;` : ''}
  ${dep ? `acc += external${j}(n) % 89;` : ''}
  return acc;
}

export const describe${j} = (m: ${j > 0 ? `Model${j - 1}` : `Model${j}`}): string => JSON.stringify(m);
`;
}

/**
 * mode: 'ours' | 'static' | 'esbuild' | 'rollup' | 'tsc'
 * ours: build.config.ts per package (the plugin infers targets)
 * static: the same targets written out in project.json (the graph-time baseline)
 * esbuild/rollup/tsc: the peer executors @nx/esbuild:esbuild, @nx/rollup:rollup, @nx/js:tsc
 * tsdown: tsdown (tsdown.config.mjs per package) run by an nx:run-commands target
 * isolatedDeclarations: set in tsconfig.base.json (the generated sources satisfy it)
 * noopPlugin: also register a plugin whose createNodesV2 and postTasksExecution do nothing
 */
export function generateWorkspace({
  dir,
  packages,
  files,
  mode,
  builder = 'esbuild',
  dts = false,
  isolatedDeclarations = false,
  noopPlugin = false,
}) {
  rmSync(dir, { recursive: true, force: true });
  const random = rng(42);
  write(join(dir, 'package.json'), JSON.stringify({ name: `bench-${mode}`, private: true, workspaces: ['packages/*'] }, null, 2));
  write(join(dir, '.gitignore'), 'node_modules\ndist\n.nx\n.build-cache\n');
  const plugins = mode === 'ours' ? ['@repo/build-system/plugin'] : [];
  // The floor of any inferring plugin: one that infers nothing and records nothing, but has
  // the same hooks as ours, so Nx starts (and restarts) a plugin worker for it alike.
  // An installed package, as ours is (Nx registers a TypeScript transpiler for local plugins):
  // a no-op executor in every workspace, registered as a plugin only with noopPlugin.
  const noopPkg = join(dir, 'node_modules', 'bench-noop-plugin');
  write(
    join(noopPkg, 'package.json'),
    JSON.stringify({ name: 'bench-noop-plugin', version: '1.0.0', main: 'index.js', executors: './executors.json' }),
  );
  write(join(noopPkg, 'index.js'), NOOP_PLUGIN);
  write(
    join(noopPkg, 'executors.json'),
    JSON.stringify({ executors: { noop: { implementation: './noop-executor.js', schema: './schema.json', description: 'does nothing' } } }),
  );
  write(join(noopPkg, 'schema.json'), JSON.stringify({ type: 'object', properties: {} }));
  write(join(noopPkg, 'noop-executor.js'), 'module.exports = async () => ({ success: true });\n');
  if (noopPlugin) plugins.push('bench-noop-plugin');
  write(
    join(dir, 'nx.json'),
    JSON.stringify(
      {
        namedInputs: { default: ['{projectRoot}/**/*'], production: ['default', '!{projectRoot}/**/*.test.ts'] },
        plugins,
        targetDefaults: {},
      },
      null,
      2,
    ),
  );
  write(
    join(dir, 'tsconfig.base.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          strict: true,
          declaration: true,
          skipLibCheck: true,
          esModuleInterop: true,
          ...(isolatedDeclarations ? { isolatedDeclarations: true } : {}),
        },
      },
      null,
      2,
    ),
  );
  for (let p = 0; p < packages; p++) {
    const root = join(dir, 'packages', `p${p}`);
    const deps = p === 0 ? [] : [p - 1];
    const name = `@bench/p${p}`;
    write(
      join(root, 'package.json'),
      JSON.stringify(
        {
          name,
          version: '1.0.0',
          type: 'module',
          exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
          dependencies: Object.fromEntries(deps.map((d) => [`@bench/p${d}`, '*'])),
        },
        null,
        2,
      ),
    );
    for (let j = 0; j < files; j++) write(join(root, 'src', `mod${j}.ts`), moduleSource(p, j, deps, random));
    write(join(root, 'src', 'index.ts'), Array.from({ length: files }, (_, j) => `export * from './mod${j}';`).join('\n') + '\n');
    write(
      join(root, 'tsconfig.json'),
      JSON.stringify(
        { extends: '../../tsconfig.base.json', compilerOptions: { outDir: 'dist', rootDir: 'src' }, include: ['src'] },
        null,
        2,
      ),
    );
    write(
      join(root, 'tsconfig.lib.json'),
      JSON.stringify({ extends: './tsconfig.json', compilerOptions: { outDir: '../../dist/out-tsc' }, include: ['src/**/*.ts'] }, null, 2),
    );
    const targets = targetsFor(mode, p, builder, dts);
    if (mode === 'tsdown')
      write(join(root, 'tsdown.config.mjs'), tsdownConfig({ entry: ['src/index.ts'], format: ['esm'], outDir: 'dist', dts }));
    if (mode === 'ours') {
      write(
        join(root, 'build.config.ts'),
        `import { defineBuildConfig } from '@repo/build-system';\n\nexport default defineBuildConfig({\n  builder: '${builder}',\n  entry: 'src/index.ts',\n  outputDir: 'dist',\n  dts: ${dts},\n});\n`,
      );
      write(join(root, 'project.json'), JSON.stringify({ name, targets: NOOP_TARGETS }, null, 2));
    } else {
      write(join(root, 'project.json'), JSON.stringify({ name, targets: { ...targets, ...NOOP_TARGETS } }, null, 2));
    }
  }
}

// Nx's floors: a target that runs nothing, and one that forks a task process for an executor
// that does nothing (what every executor-based build pays before its own work).
const NOOP_TARGETS = { noop: { executor: 'nx:noop' }, 'noop-executor': { executor: 'bench-noop-plugin:noop' } };

const NOOP_PLUGIN = `// createNodesV2 over every package.json, inferring nothing, and an empty postTasksExecution:
// what Nx charges any plugin of @repo/build-system's shape, whatever the plugin does.
exports.createNodesV2 = ['**/package.json', async () => []];
exports.postTasksExecution = async () => {};
`;

/**
 * A tsdown config for the same build as a build.config.ts: ESM `.js`/`.d.ts` in a type-module
 * package (tsdown's default on node is `.mjs`/`.d.mts`), the package's own tsconfig.
 */
export function tsdownConfig(options) {
  const config = { platform: 'node', fixedExtension: false, tsconfig: 'tsconfig.json', ...options };
  return `export default ${JSON.stringify(config, null, 2)};\n`;
}

/**
 * An nx:run-commands target running tsdown in the package (two levels below the workspace
 * root, whose node_modules links bench/node_modules/tsdown), cached and ordered like ours.
 */
export function tsdownTarget(projectRoot, outputDir) {
  return {
    executor: 'nx:run-commands',
    options: { command: 'node ../../node_modules/tsdown/dist/run.mjs', cwd: projectRoot },
    cache: true,
    dependsOn: ['^build'],
    inputs: ['production', '^production'],
    outputs: [`{projectRoot}/${outputDir}`],
  };
}

function targetsFor(mode, p, builder, dts) {
  const outputPath = `packages/p${p}/dist`;
  const common = { cache: true, dependsOn: ['^build'], inputs: ['production', '^production'], outputs: ['{options.outputPath}'] };
  switch (mode) {
    case 'static':
      return {
        build: {
          executor: '@repo/build-system:build',
          options: { builder },
          cache: true,
          dependsOn: ['^build'],
          inputs: [
            'production',
            '^production',
            '{projectRoot}/build.config.ts',
            '!{projectRoot}/.build-cache/**/*',
            { externalDependencies: ['esbuild'] },
          ],
          outputs: ['{projectRoot}/dist'],
          configurations: {
            development: { environment: 'development' },
            ci: { environment: 'ci' },
            production: { environment: 'production' },
          },
        },
      };
    case 'esbuild':
      return {
        build: {
          executor: '@nx/esbuild:esbuild',
          ...common,
          options: {
            main: `packages/p${p}/src/index.ts`,
            outputPath,
            tsConfig: `packages/p${p}/tsconfig.lib.json`,
            format: ['esm'],
            platform: 'node',
            bundle: true,
            thirdParty: false,
            declaration: dts,
            skipTypeCheck: true,
            generatePackageJson: false,
          },
        },
      };
    case 'rollup':
      return {
        build: {
          executor: '@nx/rollup:rollup',
          ...common,
          options: {
            main: `packages/p${p}/src/index.ts`,
            outputPath,
            tsConfig: `packages/p${p}/tsconfig.lib.json`,
            format: ['esm'],
            compiler: 'tsc',
            generatePackageJson: false,
            skipTypeCheck: false,
          },
        },
      };
    case 'tsc':
      return {
        build: {
          executor: '@nx/js:tsc',
          ...common,
          options: {
            main: `packages/p${p}/src/index.ts`,
            outputPath,
            tsConfig: `packages/p${p}/tsconfig.lib.json`,
            generatePackageJson: false,
          },
        },
      };
    case 'tsdown':
      return { build: tsdownTarget(`packages/p${p}`, 'dist') };
    default:
      return {};
  }
}

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'tanstack-query');

/**
 * The vendored monorepo (test/fixtures/tanstack-query) as a bench workspace, built either by
 * us (its build.config.ts files, `builder` swapped) or by tsdown with the same options
 * (mode 'tsdown': a tsdown.config.mjs per package and an nx:run-commands target).
 */
export function generateFixtureWorkspace({ dir, mode, builder = 'rollup' }) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(FIXTURE, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  cpSync(join(FIXTURE, 'packages'), join(dir, 'packages'), { recursive: true });
  write(join(dir, 'package.json'), JSON.stringify({ name: `bench-fixture-${mode}`, private: true, workspaces: ['packages/*'] }, null, 2));
  write(join(dir, '.gitignore'), 'node_modules\nbuild\n.nx\n.build-cache\n');
  const plugins = mode === 'ours' ? ['@repo/build-system/plugin'] : [];
  write(
    join(dir, 'nx.json'),
    JSON.stringify({ namedInputs: { default: ['{projectRoot}/**/*'], production: ['default'] }, plugins, targetDefaults: {} }, null, 2),
  );
  for (const name of readdirSync(join(dir, 'packages'))) {
    const root = join(dir, 'packages', name);
    const configFile = join(root, 'build.config.ts');
    if (mode === 'ours') {
      writeFileSync(configFile, readFileSync(configFile, 'utf8').replace(/builder: '\w+'/, `builder: '${builder}'`));
      continue;
    }
    rmSync(configFile);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    write(
      join(root, 'project.json'),
      JSON.stringify({ name: pkg.name, targets: { build: tsdownTarget(`packages/${name}`, 'build/modern') } }, null, 2),
    );
    write(
      join(root, 'tsdown.config.mjs'),
      tsdownConfig({
        entry: ['src/*.ts'],
        format: ['esm', 'cjs'],
        outDir: 'build/modern',
        target: 'es2022',
        sourcemap: true,
        dts: true,
        tsconfig: 'tsconfig.prod.json',
      }),
    );
  }
}
