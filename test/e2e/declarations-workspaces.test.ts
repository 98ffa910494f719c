import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, REPO_ROOT, type TempWorkspace } from '../helpers/workspace';

/**
 * Declarations in workspaces as they are found: no tsconfig in the package (the root one
 * applies), a private package reached through a tsconfig `paths` alias, `.ts` import extensions
 * with inferred types naming types the entry does not export; on TypeScript 6 (whose default
 * `types` is empty) and on the native TypeScript 7.
 */

const config = (extra = '') => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'esbuild', format: ['esm', 'cjs'], dts: true${extra} });
`;

const packages = {
  // No tsconfig of its own: the root one (types: ["node"]) applies, as with tsc and tsdown.
  'packages/no-tsconfig': {
    name: '@t/no-tsconfig',
    config: config(),
    files: {
      'src/index.ts': `import { format } from 'node:util';\nexport const fmt = (s: string, n: number): string => format('%s=%d', s, n);\n`,
    },
  },
  // A private package whose types are reached through the root tsconfig's `paths` alias.
  'packages/private': {
    name: '@t/private',
    packageJson: { private: true, exports: { '.': './src/index.ts' } },
    files: {
      'src/index.ts': `import type { Point } from './point.ts';\nexport type { Point };\nexport const origin = (): Point => ({ x: 0, y: 0 });\n`,
      'src/point.ts': `export interface Point { x: number; y: number }\n`,
    },
  },
  'packages/inlines': {
    name: '@t/inlines',
    packageJson: { devDependencies: { '@t/private': '*' } },
    config: config(`, noExternal: ['@t/private']`),
    files: { 'src/index.ts': `import { origin } from '@t/private';\nexport const start = () => origin();\n` },
  },
  // `.ts` import extensions; `item`'s inferred type names Model, which index.ts does not export.
  'packages/inferred': {
    name: '@t/inferred',
    config: config(),
    files: {
      'src/model.ts': `export interface Model { id: number; label: string }\nexport function make(id: number): Model { return { id, label: String(id) }; }\n`,
      'src/index.ts': `import { make } from './model.ts';\nexport const item = make(1);\nexport const items = [make(2)];\n`,
      'tsconfig.json': JSON.stringify({
        extends: '../../tsconfig.json',
        compilerOptions: { module: 'preserve', moduleResolution: 'bundler' },
      }),
    },
  },
};

const rootTsconfig = JSON.stringify({
  compilerOptions: {
    target: 'es2022',
    module: 'nodenext',
    strict: true,
    types: ['node'],
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    noEmit: true,
    paths: { '@t/private': ['./packages/private/src/index.ts'] },
  },
});

describe.each(['typescript6', 'typescript7'])('declarations in a workspace on %s', (typescript) => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({ packages });
    ws.write('tsconfig.json', rootTsconfig);
    rmSync(ws.path('node_modules/typescript'), { force: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', typescript), ws.path('node_modules/typescript'));
    const r = ws.nx(['run-many', '-t', 'build', '--parallel=2']);
    expect(r.code, r.output).toBe(0);
  });
  afterAll(() => ws?.dispose());

  it('runs the workspace’s TypeScript', () => {
    const version = ws.node(['-e', "console.log(require('typescript/package.json').version)"]).stdout.trim();
    expect(version).toMatch(typescript === 'typescript6' ? /^6\./ : /^7\./);
  });

  it('a package without a tsconfig builds with the nearest one (types: ["node"]), and the record names it', () => {
    const job = ws.latest('packages/no-tsconfig');
    expect(job).toMatchObject({ status: 'success', tsconfig: 'tsconfig.json' });
    expect(ws.read('packages/no-tsconfig/dist/index.d.ts')).toContain('declare const fmt: (s: string, n: number) => string;');
    expect(ws.latest('packages/inferred').tsconfig).toBe('packages/inferred/tsconfig.json');
  });

  it('a private package reached through a paths alias is inlined (no TS6059), types and all', () => {
    for (const f of ['index.d.ts', 'index.d.cts']) {
      const dts = ws.read(`packages/inlines/dist/${f}`);
      expect(dts).toContain('interface Point');
      expect(dts).toContain('declare const start: () => Point;');
      expect(dts).not.toContain('@t/private');
    }
  });

  it('an inferred type naming a type the entry does not export is inlined from its module', () => {
    const dts = ws.read('packages/inferred/dist/index.d.ts');
    expect(dts).toContain('interface Model');
    expect(dts).toContain('declare const item: Model;');
    expect(dts).not.toMatch(/from '\.|import\("\./);
  });
});
