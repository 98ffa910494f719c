import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { staleReason } from '../helpers/global-setup';

describe('npm test builds dist/ when it is older than its inputs', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const at = (path: string, seconds: number) => utimesSync(join(dir, path), seconds, seconds);

  function layout() {
    dir = mkdtempSync(join(tmpdir(), 'stale-'));
    mkdirSync(join(dir, 'src/config'), { recursive: true });
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'src/config/schema.ts'), '');
    writeFileSync(join(dir, 'src/config/schema.spec.ts'), '');
    writeFileSync(join(dir, 'executors.json'), '{}');
    for (const p of ['src/config/schema.ts', 'src/config/schema.spec.ts', 'src/config', 'src', 'executors.json']) at(p, 1000);
  }

  it('missing build stamp: build', () => {
    layout();
    expect(staleReason(dir)).toMatch(/dist\/ is missing/);
  });

  it('everything older than the stamp: no build; a newer source, or a deletion, or executors.json: build', () => {
    layout();
    writeFileSync(join(dir, 'dist/.built'), '');
    at('dist/.built', 2000);
    expect(staleReason(dir)).toBeUndefined();
    at('src/config/schema.spec.ts', 3000); // specs are not compiled into dist/
    expect(staleReason(dir)).toBeUndefined();
    at('src/config/schema.ts', 3000);
    expect(staleReason(dir)).toBe('src/config/schema.ts is newer than dist/');
    at('src/config/schema.ts', 1000);
    at('src/config', 3000);
    expect(staleReason(dir)).toBe('src/config is newer than dist/');
    at('src/config', 1000);
    at('executors.json', 3000);
    expect(staleReason(dir)).toBe('executors.json is newer than dist/');
  });
});
