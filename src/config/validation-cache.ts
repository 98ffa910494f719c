import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unsafeBuildCache } from './build-cache';
import { BUILD_CACHE_DIR } from './define';
import type { ParsedBuildConfig } from './schema';
import type { Result } from '../errors';
import { writeFileAtomicSync } from '../utils/atomic-write';

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
  secrets: readonly string[] = [],
): Promise<Result<ParsedBuildConfig>> {
  if (!isPlainData(raw)) return validate();
  // Secret values (an env value read from a file, say) are neither stored nor hashed: no
  // schema rule depends on what a string holds beyond being one, so the key and the stored
  // result use a placeholder, and a hit takes the values back from this very export.
  const redact = secretRedactor(secrets);
  const key = createHash('sha1')
    .update(version)
    .update('\0')
    .update(JSON.stringify(redact(raw)))
    .digest('hex');
  const file = join(packageRoot, BUILD_CACHE_DIR, 'state', 'validated-config.json');
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { key: string; parsed: ParsedBuildConfig };
    const parsed = cached.key === key ? restoreSecrets(cached.parsed, raw) : undefined;
    if (parsed) return { ok: true, value: parsed as ParsedBuildConfig };
  } catch {
    /* no cache yet */
  }
  const result = await validate();
  // Never written through a symlinked .build-cache (the build then refuses it, located).
  if (result.ok && !unsafeBuildCache(packageRoot)) {
    try {
      mkdirSync(join(packageRoot, BUILD_CACHE_DIR, 'state'), { recursive: true });
      writeFileAtomicSync(file, JSON.stringify({ key, parsed: redact(result.value) }));
    } catch {
      /* only costs time */
    }
  }
  return result;
}

const REDACTED = '\u0000secret\u0000';

/** A deep copy with every string that holds a secret value replaced by a placeholder. */
function secretRedactor(secrets: readonly string[]): (value: unknown) => unknown {
  const values = secrets.filter((s) => s.length >= 3);
  const redact = (v: unknown): unknown => {
    if (typeof v === 'string') return values.some((s) => v.includes(s)) ? REDACTED : v;
    if (Array.isArray(v)) return v.map(redact);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
    return v;
  };
  return values.length ? redact : (v) => v;
}

/** The cached result with each placeholder replaced by the string at the same path of `raw`; undefined if one is missing. */
function restoreSecrets(parsed: unknown, raw: unknown): unknown {
  if (parsed === REDACTED) return typeof raw === 'string' ? raw : undefined;
  const at = (k: string | number) => (raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[k] : undefined);
  if (Array.isArray(parsed)) {
    const out = parsed.map((x, i) => restoreSecrets(x, at(i)));
    return out.some((x, i) => x === undefined && parsed[i] !== undefined) ? undefined : out;
  }
  if (parsed && typeof parsed === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(parsed)) {
      out[k] = restoreSecrets(x, at(k));
      if (out[k] === undefined && x !== undefined) return undefined;
    }
    return out;
  }
  return parsed;
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
