import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_CACHE_DIR } from './define';
import type { ParsedBuildConfig } from './schema';
import type { Result } from '../errors';

/**
 * Validating with zod costs ~40 ms of module loading per build process, more than the rest
 * of our overhead together. A config that evaluates to the same plain data as last time (no
 * functions, no schemas) was valid then and is valid now: reuse what validation returned.
 * Keyed by the data itself and this package's version (the schema's version).
 */
export async function validateWithCache(
  raw: unknown,
  packageRoot: string,
  version: string,
  validate: () => Promise<Result<ParsedBuildConfig>> | Result<ParsedBuildConfig>,
): Promise<Result<ParsedBuildConfig>> {
  if (!isPlainData(raw)) return validate();
  const key = createHash('sha1').update(version).update('\0').update(JSON.stringify(raw)).digest('hex');
  const file = join(packageRoot, BUILD_CACHE_DIR, 'state', 'validated-config.json');
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { key: string; parsed: ParsedBuildConfig };
    if (cached.key === key) return { ok: true, value: cached.parsed };
  } catch {
    /* no cache yet */
  }
  const result = await validate();
  if (result.ok) {
    try {
      mkdirSync(join(packageRoot, BUILD_CACHE_DIR, 'state'), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ key, parsed: result.value }));
      renameSync(tmp, file);
    } catch {
      /* only costs time */
    }
  }
  return result;
}

/** JSON-representable without loss: plain objects, arrays, strings, finite numbers, booleans, null. */
export function isPlainData(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(value as object).every((v) => v !== undefined && isPlainData(v));
  }
  return false;
}
