import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageVersionAt, readPackageJson, readPackageJsonFile, readPackageJsonResult } from './package-json';

const root = mkdtempSync(join(tmpdir(), 'package-json-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A directory below the temporary workspace holding `text` as its package.json (none when undefined). */
function pkgDir(name: string, text?: string): string {
  const dir = join(root, 'packages', name);
  mkdirSync(dir, { recursive: true });
  if (text !== undefined) writeFileSync(join(dir, 'package.json'), text);
  return dir;
}

describe('package.json reading', () => {
  it('reads the value and keeps the text', () => {
    const text = '{\n  "name": "@t/a",\n  "version": "1.2.3"\n}\n';
    const dir = pkgDir('a', text);
    expect(readPackageJsonFile(dir)).toEqual({ ok: true, text, value: { name: '@t/a', version: '1.2.3' } });
    expect(readPackageJson(dir)).toEqual({ name: '@t/a', version: '1.2.3' });
    expect(packageVersionAt(dir)).toBe('1.2.3');
    expect(readPackageJsonResult(dir, root)).toEqual({ ok: true, value: { name: '@t/a', version: '1.2.3' } });
  });

  it('names a missing package.json by its directory, workspace-relative', () => {
    const dir = pkgDir('missing');
    expect(readPackageJson(dir)).toBeUndefined();
    expect(readPackageJsonFile(dir)).toMatchObject({ ok: false, reason: 'missing' });
    expect(readPackageJsonResult(dir, root)).toEqual({
      ok: false,
      errors: [{ code: 'PACKAGE_JSON_INVALID', message: 'no package.json in packages/missing', file: 'packages/missing/package.json' }],
    });
  });

  it('reports invalid JSON with the parser message', () => {
    const dir = pkgDir('broken', '{ "name": ');
    expect(readPackageJson(dir)).toBeUndefined();
    const result = readPackageJsonResult(dir, root);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatchObject({ code: 'PACKAGE_JSON_INVALID', file: 'packages/broken/package.json' });
      expect(result.errors[0].message).toMatch(/^package\.json is not valid JSON: ./);
    }
  });

  it('refuses JSON that is not an object', () => {
    for (const [name, text] of [
      ['null', 'null'],
      ['array', '[]'],
      ['string', '"x"'],
    ]) {
      const dir = pkgDir(name, text);
      expect(readPackageJson(dir)).toBeUndefined();
      expect(readPackageJsonResult(dir, root)).toEqual({
        ok: false,
        errors: [{ code: 'PACKAGE_JSON_INVALID', message: 'package.json is not a JSON object', file: `packages/${name}/package.json` }],
      });
    }
  });

  it('has no version for a package.json without a string one', () => {
    expect(packageVersionAt(pkgDir('no-version', '{"name":"x"}'))).toBeUndefined();
    expect(packageVersionAt(pkgDir('number-version', '{"version":1}'))).toBeUndefined();
    expect(packageVersionAt(pkgDir('none'))).toBeUndefined();
  });
});
