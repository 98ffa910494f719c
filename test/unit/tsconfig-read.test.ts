import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCompilerOption, stripJsonComments } from '../../src/core/tsconfig-read';

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
