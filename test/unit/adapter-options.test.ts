import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bunAdapter } from '../../src/adapters/bun/adapter';
import { esbuildAdapter, esbuildMessageToError } from '../../src/adapters/esbuild/adapter';
import { rollupAdapter } from '../../src/adapters/rollup/adapter';
import { tscAdapter } from '../../src/adapters/tsc/adapter';
import { locateSpecifier } from '../../src/utils/locate-specifier';
import { resolveBuildConfig, type ResolvedBuildConfig } from '../../src/config/resolve';
import { exitCodeFor, formatError } from '../../src/errors';

let root: string;
const pkgDir = () => join(root, 'packages', 'a');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bs-unit-'));
  mkdirSync(join(pkgDir(), 'src'), { recursive: true });
  writeFileSync(join(pkgDir(), 'package.json'), JSON.stringify({ name: '@t/a', version: '1.0.0' }));
  writeFileSync(join(pkgDir(), 'src', 'index.ts'), 'export const a = 1;\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function resolved(raw: Record<string, unknown>): Promise<ResolvedBuildConfig> {
  const r = await resolveBuildConfig({
    raw,
    packageRoot: pkgDir(),
    workspaceRoot: root,
    environment: 'production',
    configFile: join(pkgDir(), 'build.config.ts'),
    processEnv: {},
  });
  if (!r.ok) throw new Error(r.errors.map(formatError).join('\n'));
  return r.value;
}

const ADAPTERS = { esbuild: esbuildAdapter, bun: bunAdapter, rollup: rollupAdapter, tsc: tscAdapter };
const validate = async (builder: keyof typeof ADAPTERS, builderOptions: Record<string, unknown>) =>
  ADAPTERS[builder].validate(await resolved({ builder, builderOptions }));

describe('builderOptions values are type-checked by each adapter (validate phase, exit 2)', () => {
  it('esbuild: a number for jsx names the option, what was expected and what was found', async () => {
    const errors = await validate('esbuild', { jsx: 42 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'CONFIG_INVALID',
      phase: 'validate',
      file: 'packages/a/build.config.ts',
      field: 'builderOptions.jsx',
      expected: '"transform" | "preserve" | "automatic"',
      found: 'number 42',
    });
    expect(exitCodeFor(errors)).toBe(2);
  });

  it.each([
    ['esbuild', { keepNames: 'yes' }, 'builderOptions.keepNames', 'a boolean', 'string "yes"'],
    ['esbuild', { loader: { '.svg': 'svgr' } }, 'builderOptions.loader', undefined, 'object {".svg":"svgr"}'],
    ['esbuild', { banner: '/* x */' }, 'builderOptions.banner', 'an object of { js?: string, css?: string }', 'string "/* x */"'],
    ['esbuild', { mainFields: 'module' }, 'builderOptions.mainFields', 'an array of strings', 'string "module"'],
    ['bun', { bytecode: 'yes' }, 'builderOptions.bytecode', 'a boolean', 'string "yes"'],
    ['bun', { drop: 'console' }, 'builderOptions.drop', 'an array of strings', 'string "console"'],
    ['rollup', { interop: 'bogus' }, 'builderOptions.interop', undefined, 'string "bogus"'],
    ['rollup', { preserveModules: 1 }, 'builderOptions.preserveModules', 'a boolean', 'number 1'],
    ['tsc', { compilerOptions: 'strict' }, 'builderOptions.compilerOptions', 'an object', 'string "strict"'],
  ] as const)('%s: %j', async (builder, options, field, expected, found) => {
    const errors = await validate(builder, options);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'CONFIG_INVALID', phase: 'validate', field, found, ...(expected ? { expected } : {}) });
    expect(exitCodeFor(errors)).toBe(2);
  });

  it('accepts every documented value shape', async () => {
    expect(
      await validate('esbuild', {
        jsx: 'automatic',
        jsxImportSource: 'preact',
        keepNames: true,
        legalComments: 'eof',
        treeShaking: true,
        banner: { js: '// b' },
        footer: { js: '// f' },
        alias: { a: './b' },
        tsconfig: 'tsconfig.build.json',
        splitting: false,
        loader: { '.txt': 'text' },
        mainFields: ['module', 'main'],
        conditions: ['worker'],
      }),
    ).toEqual([]);
    expect(
      await validate('bun', {
        loader: { '.txt': 'text' },
        conditions: 'worker',
        banner: '// b',
        footer: '// f',
        drop: ['console'],
        bytecode: false,
        splitting: true,
      }),
    ).toEqual([]);
    expect(
      await validate('rollup', {
        treeshake: { moduleSideEffects: false },
        banner: () => '// b',
        footer: '// f',
        preserveModules: true,
        interop: 'compat',
      }),
    ).toEqual([]);
    expect(await validate('tsc', { compilerOptions: { strict: false } })).toEqual([]);
  });

  it('unknown keys are still reported as before', async () => {
    const errors = await validate('rollup', { plugins: [] });
    expect(errors).toMatchObject([{ code: 'BUILDER_OPTION_UNSUPPORTED', field: 'builderOptions.plugins' }]);
  });
});

describe('an option a builder cannot honour is a validation error naming builder and option', () => {
  it('tsc: minify, and a builderOptions key it does not take', async () => {
    const errors = tscAdapter.validate(await resolved({ builder: 'tsc', minify: true, builderOptions: { splitting: true } }));
    expect(errors.map((e) => [e.code, e.phase, e.field])).toEqual([
      ['BUILDER_OPTION_UNSUPPORTED', 'validate', 'builderOptions.splitting'],
      ['BUILDER_OPTION_UNSUPPORTED', 'validate', 'minify'],
    ]);
    expect(errors[1].message).toContain('tsc cannot honour `minify`');
    expect(exitCodeFor(errors)).toBe(2);
  });

  it('tsc: define, noExternal and platform browser', async () => {
    const config = await resolved({ builder: 'tsc', define: { X: '1' }, noExternal: ['dep'], platform: 'browser' });
    expect(tscAdapter.validate(config).map((e) => e.field)).toEqual(['define', 'noExternal', 'platform']);
  });
});

describe('esbuild messages', () => {
  it("a location in esbuild's own source (outside the workspace) is dropped, not reported as the file", async () => {
    const config = await resolved({});
    const m = {
      id: '',
      pluginName: '',
      text: '"jsx" must be a string',
      location: {
        file: '/somewhere/else/node_modules/esbuild/lib/main.js',
        namespace: 'file',
        line: 534,
        column: 29,
        length: 0,
        lineText: '',
        suggestion: '',
      },
      notes: [],
      detail: {},
    } as Message;
    const e = esbuildMessageToError(m, config);
    expect(e).toMatchObject({ message: '"jsx" must be a string' });
    expect(e.file).toBeUndefined();
    expect(e.line).toBeUndefined();
    expect(e.column).toBeUndefined();
    // also inside the workspace's own node_modules/esbuild
    const inside = esbuildMessageToError(
      { ...m, location: { ...m.location!, file: join(root, 'node_modules', 'esbuild', 'lib', 'main.js') } },
      config,
    );
    expect(inside.file).toBeUndefined();
  });

  it('notes (the hint) are part of the message; a source location stays', async () => {
    const config = await resolved({ platform: 'browser' });
    const m = {
      id: '',
      pluginName: '',
      text: 'Could not resolve "node:fs"',
      location: { file: 'src/index.ts', namespace: '', line: 1, column: 29, length: 9, lineText: '', suggestion: '' },
      notes: [{ text: 'You can use "platform: \'node\'" to do that, which will remove this error.', location: null }],
      detail: {},
    } as Message;
    const e = esbuildMessageToError(m, config);
    expect(e).toMatchObject({ file: 'packages/a/src/index.ts', line: 1, column: 30 });
    expect(e.message).toContain('Could not resolve "node:fs"');
    expect(e.message).toContain("platform: 'node'");
  });
});

describe('locateSpecifier', () => {
  it('points at the opening quote of the import, 1-based, as esbuild does', () => {
    const text = "// mentions 'x' first\nimport a from 'a';\nimport { readFileSync } from 'node:fs';\n";
    expect(locateSpecifier('f.ts', 'node:fs', text)).toEqual({ line: 3, column: 30 });
    expect(locateSpecifier('f.ts', 'x', '// \'x\'\nexport * from "x";\n')).toEqual({ line: 2, column: 15 });
    expect(locateSpecifier('f.ts', 'nope', text)).toBeUndefined();
  });
});
