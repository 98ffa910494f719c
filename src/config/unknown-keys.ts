import { buildError, type BuildError } from '../errors';

/**
 * Top-level keys the build system does not know. A key close to a documented one is a typo
 * (an error with "did you mean …"); any other is the package's own field: a warning, not a
 * failure (the build relies only on documented fields; `meta` is the place for such data).
 */
export interface UnknownKeys {
  /** Typos of a documented key. */
  errors: BuildError[];
  /** Keys nothing resembles. */
  warnings: BuildError[];
  /** The unknown keys, typos or not (left out before the schema checks the rest). */
  keys: string[];
}

/** Names other build tools use for a documented field. */
const ALIASES: Record<string, string> = {
  outDir: 'outputDir',
  outdir: 'outputDir',
  out: 'outputDir',
  entries: 'entry',
  entryPoints: 'entry',
  input: 'entry',
  formats: 'format',
  targets: 'target',
  externals: 'external',
  sourcemaps: 'sourcemap',
  sourceMap: 'sourcemap',
  declaration: 'dts',
  declarations: 'dts',
  environment: 'environments',
};

export function classifyUnknownKeys(raw: Record<string, unknown>, known: readonly string[], file: string): UnknownKeys {
  const result: UnknownKeys = { errors: [], warnings: [], keys: [] };
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    result.keys.push(key);
    const close = closestKnownKey(key, known);
    if (close) {
      result.errors.push(
        buildError('CONFIG_INVALID', `unknown option "${key}": did you mean "${close}"?`, {
          phase: 'validate',
          file,
          field: key,
          expected: JSON.stringify(close),
          found: JSON.stringify(key),
        }),
      );
    } else {
      result.warnings.push(
        buildError('CONFIG_UNKNOWN_FIELD', `unknown option "${key}" is ignored (put the package's own fields under "meta")`, {
          phase: 'validate',
          file,
          field: key,
        }),
      );
    }
  }
  return result;
}

/** The documented key a typo was meant to be: an alias, the same word in another case, or one or two edits away. */
export function closestKnownKey(key: string, known: readonly string[]): string | undefined {
  const alias = ALIASES[key];
  if (alias && known.includes(alias)) return alias;
  const lower = key.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  // Short keys are too easily one edit from anything.
  const allowed = key.length <= 4 ? 1 : 2;
  let best: { key: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(lower, k.toLowerCase());
    if (distance <= allowed && (!best || distance < best.distance)) best = { key: k, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
