import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseConfig, databaseSecrets, maskDatabaseUrl } from './database-config';

const root = mkdtempSync(join(tmpdir(), 'bs-dbconfig-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const nxJson = (options: object) =>
  writeFileSync(join(root, 'nx.json'), JSON.stringify({ plugins: ['@nx/js', { plugin: '@repo/build-system/plugin', options }] }));

describe('databaseConfig', () => {
  it('reads BUILD_SYSTEM_DATABASE_URL, the variable the plugin option names, or the one given', () => {
    const env = {
      BUILD_SYSTEM_DATABASE_URL: 'postgres://a',
      TEAM_DB: 'postgres://team',
      OTHER: 'postgres://other',
      BUILD_SYSTEM_DATABASE_TIMEOUT_MS: '900',
    };
    expect(databaseConfig(root, { env })).toEqual({ url: 'postgres://a', source: 'BUILD_SYSTEM_DATABASE_URL', timeoutMs: 900 });
    nxJson({ databaseUrlEnv: 'TEAM_DB' });
    expect(databaseConfig(root, { env })).toEqual({ url: 'postgres://team', source: 'TEAM_DB', timeoutMs: 900 });
    expect(databaseConfig(root, { env, urlEnv: 'OTHER' })?.url).toBe('postgres://other');
    expect(databaseConfig(root, { env: {} })).toBeUndefined();
    // A URL pasted where a variable name belongs is not read (nor shown).
    nxJson({ databaseUrlEnv: 'postgres://u:p@h/db' });
    expect(databaseConfig(root, { env })).toBeUndefined();
  });
});

describe('maskDatabaseUrl and databaseSecrets', () => {
  it.each([
    [
      'postgres://ci:s3cr%3At@db.example:5432/builds?sslmode=require',
      'postgres://ci:***@db.example:5432/builds?sslmode=require',
      ['s3cr%3At', 's3cr:t'],
    ],
    ['postgres://db.example/builds?user=ci&password=hunter2', 'postgres://db.example/builds?user=ci&password=***', ['hunter2']],
    ["host=db.example password='a b' dbname=builds", 'host=db.example password=*** dbname=builds', ['a b']],
    ['postgres://ci@db.example/builds', 'postgres://ci@db.example/builds', []],
  ])('%s', (url, masked, secrets) => {
    expect(maskDatabaseUrl(url)).toBe(masked);
    expect(databaseSecrets(url)).toEqual([url, ...secrets]);
  });
});
