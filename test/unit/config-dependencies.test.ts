import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { envNamesIn, fileReadsIn, importSpecifiersIn, scanConfigDependencies } from '../../src/config/config-dependencies';
import { inferTargets, readGraphConfig } from '../../src/plugin/infer-targets';
import { normalizePluginOptions } from '../../src/plugin/options';

describe('envNamesIn', () => {
  it('finds dotted, bracketed, optional and destructured reads', () => {
    const code = `
      const a = process.env.API_URL;
      const b = process.env['SINGLE'] + process.env["DOUBLE"] + process.env?.OPTIONAL;
      const { DESTRUCTURED, RENAMED: r, DEFAULTED = 'x', ...rest } = process.env;
    `;
    expect(envNamesIn(code)).toEqual(['API_URL', 'DEFAULTED', 'DESTRUCTURED', 'DOUBLE', 'OPTIONAL', 'RENAMED', 'SINGLE']);
  });

  it('leaves out per-machine and Nx-set variables (they would end remote cache sharing)', () => {
    expect(
      envNamesIn('process.env.HOME; process.env.PATH; process.env.NX_TASK_HASH; process.env.npm_config_cache; process.env.CI'),
    ).toEqual(['CI']);
  });

  it('ignores dynamic keys', () => {
    expect(envNamesIn('const k = "A"; process.env[k]; process.env[`B${k}`];')).toEqual([]);
  });

  it('follows aliases of process.env: a const, a destructured `env`, an import from node:process', () => {
    expect(envNamesIn("const env = process.env;\nexport default { flavor: env.APP_FLAVOR, mode: env['MODE'] };")).toEqual([
      'APP_FLAVOR',
      'MODE',
    ]);
    expect(envNamesIn('const e: NodeJS.ProcessEnv = process.env as any;\nconst { TOKEN_A, B: b } = e;')).toEqual(['B', 'TOKEN_A']);
    expect(envNamesIn('const { env } = process;\nenv?.OPTIONAL;')).toEqual(['OPTIONAL']);
    expect(envNamesIn('const { env: vars, argv } = process;\nvars.RENAMED;')).toEqual(['RENAMED']);
    expect(envNamesIn("import { env as penv } from 'node:process';\npenv.FROM_IMPORT;")).toEqual(['FROM_IMPORT']);
    expect(envNamesIn("import { env } from 'process';\nenv.PLAIN;")).toEqual(['PLAIN']);
  });

  it("an alias does not catch look-alikes: a value of process.env, another object's `env`", () => {
    expect(envNamesIn('const url = process.env.API_URL;\nurl.length;\nconst config = { env: {} };\nconfig.env.NOT_ENV;')).toEqual([
      'API_URL',
    ]);
  });
});

describe('fileReadsIn', () => {
  it('finds reads by a literal path, bare (working directory) or relative to the module', () => {
    const code = `
      const a = readFileSync('../../shared/banner.txt', 'utf8');
      const b = fs.readFileSync(new URL('../../shared/url.txt', import.meta.url));
      const c = await readFile(fileURLToPath(new URL("./sibling.json", import.meta.url)), 'utf8');
      const d = readFileSync(path.join(__dirname, '..', 'joined.txt'));
      const file = resolve(import.meta.dirname, '../via-const.txt');
      const e = readFileSync(file);
      const listing = readdirSync(join(__dirname, 'templates'));
      const dynamic = readFileSync(process.argv[2]);
      const template = readFileSync(\`\${dir}/x.txt\`);
    `;
    expect(fileReadsIn(code)).toEqual([
      { path: '../../shared/banner.txt', base: 'cwd', directory: false },
      { path: '../../shared/url.txt', base: 'module', directory: false },
      { path: './sibling.json', base: 'module', directory: false },
      { path: '../joined.txt', base: 'module', directory: false },
      { path: '../via-const.txt', base: 'module', directory: false },
      { path: 'templates', base: 'module', directory: true },
    ]);
  });
});

describe('importSpecifiersIn', () => {
  it('finds static, side-effect, dynamic, re-export and require imports; skips type-only ones', () => {
    const code = `
      import { defineBuildConfig } from '@repo/build-system';
      import preset, { a, type B } from "../../tools/preset";
      import * as ns from './ns.js';
      import type { Types } from './types';
      import './side-effect';
      export { x } from './reexport';
      export * from './star';
      const lazy = await import('./lazy');
      const cjs = require('./cjs.cjs');
    `;
    expect(importSpecifiersIn(code).sort()).toEqual(
      ['../../tools/preset', './cjs.cjs', './lazy', './ns.js', './reexport', './side-effect', './star', '@repo/build-system'].sort(),
    );
  });
});

describe('scanConfigDependencies', () => {
  let root: string;
  const write = (rel: string, content: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  };
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function fixture() {
    root = mkdtempSync(join(tmpdir(), 'bs-config-inputs-'));
    write('packages/a/package.json', '{"name":"a"}');
    write(
      'tools/preset.ts',
      "import { more } from './more.js';\nimport defaults from './defaults.json' with { type: 'json' };\nexport const preset = { ...more, ...defaults, x: process.env.PRESET_X };\n",
    );
    write('tools/more.ts', "import { preset } from './preset';\nimport { dir } from './dir';\nexport const more = {};\n");
    write('tools/dir/index.ts', 'export const dir = 1;\n');
    write('tools/defaults.json', '{}');
    write('tools/shared-config/package.json', '{"name":"@w/shared-config"}');
    write('tools/shared-config/index.js', 'module.exports = {};');
    mkdirSync(join(root, 'node_modules/@w'), { recursive: true });
    symlinkSync('../../tools/shared-config', join(root, 'node_modules/@w/shared-config'));
    write('node_modules/real-dep/index.js', '');
    write('packages/a/local-helper.ts', 'export const local = 1;\n');
    const source = [
      "import { defineBuildConfig } from '@repo/build-system';",
      "import { preset } from '../../tools/preset';",
      "import { local } from './local-helper';",
      "import shared from '@w/shared-config';",
      "import dep from 'real-dep';",
      "import { readFileSync } from 'node:fs';",
      '// process.env.IN_A_COMMENT',
      'export default defineBuildConfig({ ...preset, define: { __A__: JSON.stringify(process.env.A_VALUE) } });',
    ].join('\n');
    return source;
  }

  it('follows relative imports transitively (cycles cut), adds workspace packages whole, skips node_modules', () => {
    const source = fixture();
    const deps = scanConfigDependencies(root, 'packages/a', 'packages/a/build.config.ts', source, []);
    expect(deps.files).toEqual([
      '{projectRoot}/local-helper.ts',
      '{workspaceRoot}/tools/defaults.json',
      '{workspaceRoot}/tools/dir/index.ts',
      '{workspaceRoot}/tools/more.ts',
      '{workspaceRoot}/tools/preset.ts',
      '{workspaceRoot}/tools/shared-config/**/*',
    ]);
    expect(deps.env).toEqual(['A_VALUE', 'PRESET_X']);
    // The files read decide the result: the targets cache re-checks them.
    expect(deps.watched).toEqual(
      expect.arrayContaining(['tools/preset.ts', 'tools/more.ts', 'packages/a/local-helper.ts', 'packages/a/tsconfig.json']),
    );
  });

  it('reads the modules of workspace packages the config imports by name for the environment they read', () => {
    fixture();
    write('tools/settings/package.json', JSON.stringify({ name: '@w/settings', exports: { '.': './src/index.ts' } }));
    write('tools/settings/src/index.ts', "export { apiUrl } from './api';\nexport const region = process.env.REGION;\n");
    write('tools/settings/src/api.ts', 'const env = process.env;\nexport const apiUrl = env.API_URL;\n');
    symlinkSync('../../tools/settings', join(root, 'node_modules/@w/settings'));
    const source = "import { apiUrl } from '@w/settings';\nexport default { define: { __API__: JSON.stringify(apiUrl) } };\n";
    const deps = scanConfigDependencies(root, 'packages/a', 'packages/a/build.config.ts', source, []);
    expect(deps.env).toEqual(['API_URL', 'REGION']);
    // Hashed whole already: no entry per file, but an edit re-infers the targets.
    expect(deps.files).toEqual(['{workspaceRoot}/tools/settings/**/*']);
    expect(deps.watched).toEqual(expect.arrayContaining(['tools/settings/src/index.ts', 'tools/settings/src/api.ts']));
  });

  it('files read by a literal path are inputs: bare paths from the package and the workspace root, module paths from the module', () => {
    fixture();
    write(
      'tools/read-banner.ts',
      "import { readFileSync } from 'node:fs';\nexport const banner = readFileSync(new URL('../shared/banner.txt', import.meta.url), 'utf8');\n",
    );
    const source = [
      "import { readFileSync, readdirSync } from 'node:fs';",
      "import { banner } from '../../tools/read-banner';",
      "const version = readFileSync('../../shared/version.txt', 'utf8');",
      "const files = readdirSync(new URL('../../shared/templates', import.meta.url));",
      "const outside = readFileSync('/etc/hostname', 'utf8');",
      'export default {};',
    ].join('\n');
    const deps = scanConfigDependencies(root, 'packages/a', 'packages/a/build.config.ts', source, []);
    expect(deps.files).toEqual([
      '{workspaceRoot}/shared/banner.txt',
      '{workspaceRoot}/shared/templates/**/*',
      '{workspaceRoot}/shared/version.txt',
      '{workspaceRoot}/tools/read-banner.ts',
    ]);
    expect(deps.watched).toEqual(expect.arrayContaining(['shared/banner.txt', 'shared/version.txt']));
  });

  it('walks the tsconfig chain out of the package, leaving the root tsconfig Nx hashes itself', () => {
    fixture();
    write('tsconfig.base.json', '{ "compilerOptions": {} }');
    write('tools/tsconfig/lib.json', '{ "extends": "../../tsconfig.base.json", "compilerOptions": { "target": "ES2022" } }');
    write('tools/tsconfig/strict.json', '{ "compilerOptions": { "strict": true } }');
    write('packages/a/tsconfig.json', '{\n  // JSONC\n  "extends": ["../../tools/tsconfig/strict.json", "../../tools/tsconfig/lib"],\n}');
    write('tools/tsconfig.build.json', '{ "extends": "./tsconfig/strict.json" }');
    const deps = scanConfigDependencies(root, 'packages/a', 'packages/a/build.config.ts', 'export default {}', [
      '../../tools/tsconfig.build.json',
    ]);
    expect(deps.files).toEqual([
      '{workspaceRoot}/tools/tsconfig.build.json',
      '{workspaceRoot}/tools/tsconfig/lib.json',
      '{workspaceRoot}/tools/tsconfig/strict.json',
    ]);
    expect(deps.watched).toEqual(expect.arrayContaining(['packages/a/tsconfig.json', 'tools/tsconfig/lib.json', 'tsconfig.base.json']));
  });

  it('without its own tsconfig.json, a package builds with the nearest one above (esbuild looks upward)', () => {
    fixture();
    write('tsconfig.base.json', '{}');
    write('tsconfig.json', '{ "extends": "./tools/ts-root.json" }');
    write('tools/ts-root.json', '{}');
    const deps = scanConfigDependencies(root, 'packages/a', 'packages/a/build.config.ts', 'export default {}', []);
    expect(deps.files).toEqual(['{workspaceRoot}/tools/ts-root.json', '{workspaceRoot}/tsconfig.json']);
    // A tsconfig.json created later in the package changes the watched hash.
    expect(deps.watched).toEqual(expect.arrayContaining(['packages/a/tsconfig.json', 'packages/tsconfig.json', 'tsconfig.json']));
  });
});

describe('inferTargets with config dependencies', () => {
  it('adds the files after the project inputs and merges env names with the config env keys', () => {
    const targets = inferTargets(
      readGraphConfig({ env: { API_URL: 'x' }, environments: { staging: { tsconfig: 'tsconfig.staging.json' } } }),
      normalizePluginOptions(undefined),
      {
        configFileName: 'build.config.ts',
        namedInputs: { production: [] },
        installedTools: new Set(),
        bunAvailable: true,
        packageHasTypes: false,
        dependencies: { files: ['{workspaceRoot}/tools/preset.ts'], env: ['API_URL', 'BUILD_MODE'] },
      },
    );
    const inputs = targets.build.inputs!;
    expect(inputs).toContain('{workspaceRoot}/tools/preset.ts');
    expect(inputs.filter((i) => typeof i === 'object')).toEqual([{ env: 'API_URL' }, { env: 'BUILD_MODE' }]);
    expect(readGraphConfig({ tsconfig: 'a.json', environments: { staging: { tsconfig: 'b.json' } } }).tsconfigs).toEqual([
      'a.json',
      'b.json',
    ]);
  });

  it('a cache.include path leaving the package adds that workspace file and keeps the named input; paths inside narrow it', () => {
    const infer = (include: string[]) =>
      inferTargets(readGraphConfig({ cache: { include } }), normalizePluginOptions(undefined), {
        configFileName: 'build.config.ts',
        namedInputs: { production: [] },
        installedTools: new Set(),
        bunAvailable: true,
        packageHasTypes: false,
        projectRoot: 'packages/a',
      }).build.inputs!;
    expect(infer(['../../shared/const.ts', '{workspaceRoot}/tools/**/*.json']).slice(0, 3)).toEqual([
      'production',
      '{workspaceRoot}/shared/const.ts',
      '{workspaceRoot}/tools/**/*.json',
    ]);
    expect(infer(['src/**', '../../shared/const.ts']).slice(0, 3)).toEqual([
      '{projectRoot}/src/**',
      '{workspaceRoot}/shared/const.ts',
      '^production',
    ]);
    // A path that would leave the workspace stays as written (Nx matches nothing with it).
    expect(infer(['../../../x.ts'])[0]).toBe('{projectRoot}/../../../x.ts');
  });

  it('bundled declarations make rollup (which writes them) part of the key; per-file ones do not', () => {
    const tools = (raw: object) => {
      const ctx = {
        configFileName: 'build.config.ts',
        namedInputs: {},
        installedTools: new Set(['esbuild', 'rollup', 'typescript']),
        bunAvailable: true,
        packageHasTypes: false,
        projectRoot: 'packages/a',
      };
      const inputs = inferTargets(readGraphConfig(raw), normalizePluginOptions(undefined), ctx).build.inputs!;
      return inputs.find((i): i is { externalDependencies: string[] } => typeof i === 'object' && 'externalDependencies' in i)
        ?.externalDependencies;
    };
    expect(tools({})).toEqual(['esbuild']);
    expect(tools({ dts: true })).toEqual(['esbuild', 'rollup', 'typescript']);
    expect(tools({ dts: {} })).toEqual(['esbuild', 'rollup', 'typescript']);
    expect(tools({ dts: { bundle: false } })).toEqual(['esbuild', 'typescript']);
    expect(tools({ environments: { production: { dts: true } } })).toEqual(['esbuild', 'rollup', 'typescript']);
    expect(tools({ builder: 'tsc', dts: true })).toEqual(['typescript']);
  });
});
