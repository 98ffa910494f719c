import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCompilerOption, stripJsonComments } from '../../src/utils/tsconfig-read';

describe('readCompilerOption: one option through a tsconfig chain, without TypeScript', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsconfig-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (rel: string, text: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };

  it('strips comments and trailing commas but keeps strings that look like them', () => {
    const text = '{ // c\n "a": "http://x/*y*/", /* b */ "b": [1, 2,], }';
    expect(JSON.parse(stripJsonComments(text))).toEqual({ a: 'http://x/*y*/', b: [1, 2] });
  });

  it('follows extends (relative, without .json, arrays: last wins, packages) and nearest wins', () => {
    write('base.json', '{ "compilerOptions": { "isolatedDeclarations": true, "strict": true } }');
    write('other.json', '{ "compilerOptions": { "isolatedDeclarations": false } }');
    write('node_modules/@acme/tsconfig/tsconfig.json', '{ "compilerOptions": { "target": "es2024" } }');
    write('node_modules/@acme/tsconfig/package.json', '{ "name": "@acme/tsconfig" }');
    write('pkg/tsconfig.json', '{ "extends": "../base", /* inherits */ "compilerOptions": { "strict": false } }');
    write('pkg2/tsconfig.json', '{ "extends": ["../base.json", "../other.json"] }');
    write('pkg3/tsconfig.json', '{ "extends": "@acme/tsconfig/tsconfig.json" }');
    expect(readCompilerOption(join(dir, 'pkg/tsconfig.json'), 'isolatedDeclarations')).toBe(true);
    expect(readCompilerOption(join(dir, 'pkg/tsconfig.json'), 'strict')).toBe(false);
    expect(readCompilerOption(join(dir, 'pkg2/tsconfig.json'), 'isolatedDeclarations')).toBe(false);
    expect(readCompilerOption(join(dir, 'pkg3/tsconfig.json'), 'target')).toBe('es2024');
  });

  it('is undefined for unset options, missing files and extends cycles', () => {
    write('a.json', '{ "extends": "./b.json" }');
    write('b.json', '{ "extends": "./a.json" }');
    expect(readCompilerOption(join(dir, 'a.json'), 'isolatedDeclarations')).toBeUndefined();
    expect(readCompilerOption(join(dir, 'missing.json'), 'strict')).toBeUndefined();
  });
});

describe('generated tsconfigs unset only what the chain sets (a null defeats incremental builds)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsconfig-gen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('no null for options the package tsconfig leaves alone; null for those it sets', async () => {
    const { resolveBuildConfig } = await import('../../src/config/resolve');
    const { tscConfig } = await import('../../src/adapters/tsc/adapter');
    const { dtsTsconfig } = await import('../../src/adapters/dts/emit-declarations');
    const pkg = join(dir, 'p');
    mkdirSync(join(pkg, 'src'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@t/p' }));
    writeFileSync(join(pkg, 'src/index.ts'), 'export const a = 1;\n');
    const generate = async (tsconfig: object) => {
      writeFileSync(join(pkg, 'tsconfig.json'), JSON.stringify(tsconfig));
      const r = await resolveBuildConfig({
        raw: { builder: 'tsc', dts: true },
        packageRoot: pkg,
        workspaceRoot: dir,
        environment: 'production',
        processEnv: {},
      });
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return [
        JSON.stringify(tscConfig(r.value, '/out', '/state/b.tsbuildinfo')),
        JSON.stringify(dtsTsconfig(r.value, '/out', '/state/d.tsbuildinfo')),
      ];
    };
    for (const text of await generate({ compilerOptions: { strict: true } })) expect(text).not.toContain('null');
    const [tsc, dts] = await generate({ compilerOptions: { outFile: 'x.js', declarationDir: 'types' } });
    expect(JSON.parse(tsc).compilerOptions).toMatchObject({ outFile: null, declarationDir: '/out' });
    expect(JSON.parse(dts).compilerOptions).toMatchObject({ outFile: null, declarationDir: '/out' });
  });
});
