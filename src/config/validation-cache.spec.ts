import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ok } from '../errors';
import type { ParsedBuildConfig } from './schema';
import { validateWithCache } from './validation-cache';

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));

describe('validateWithCache and secret values', () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

  it('stores no secret value, and a hit gives back the export’s own values', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bs-vc-'));
    roots.push(root);
    const raw = (token: string) => ({ builder: 'esbuild', secretEnv: ['TOKEN'], env: { TOKEN: token, PLAIN: 'visible' } });
    let validations = 0;
    const validate = (r: ReturnType<typeof raw>) => () => (
      validations++,
      ok({ ...r, entry: 'src/index.ts', outputDir: 'dist' } as unknown as ParsedBuildConfig)
    );

    const first = await validateWithCache(raw('sk_first_123456'), root, '1', validate(raw('sk_first_123456')), ['sk_first_123456']);
    expect(first.ok && first.value.env).toEqual({ TOKEN: 'sk_first_123456', PLAIN: 'visible' });
    for (const f of files(root)) expect(readFileSync(f, 'utf8')).not.toContain('sk_first_123456');

    // Another secret value: still a hit (validity does not depend on it), with the new value.
    const second = await validateWithCache(raw('sk_second_654321'), root, '1', validate(raw('sk_second_654321')), ['sk_second_654321']);
    expect(validations).toBe(1);
    expect(second.ok && second.value.env).toEqual({ TOKEN: 'sk_second_654321', PLAIN: 'visible' });
    for (const f of files(root)) expect(readFileSync(f, 'utf8')).toContain('visible');
  });
});
