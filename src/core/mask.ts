import type { BuildError } from '../errors';

/** Values shorter than this are not masked: they would mask everything. */
const MIN_SECRET_LENGTH = 3;
export const MASK = '***';

/**
 * The strings to mask for one secret value: the value, each line of a multi-line value (a
 * PEM key printed line by line), and the forms a program prints it in without meaning to
 * show it: JSON-escaped, URL-encoded (component, URI, form; upper- and lower-case hex).
 */
export function secretForms(value: string): string[] {
  const forms = [value, ...value.split(/\r?\n/), value.trim(), JSON.stringify(value).slice(1, -1)];
  for (const encoded of [encodeURIComponent(value), encodeURI(value), new URLSearchParams({ s: value }).toString().slice(2)]) {
    forms.push(
      encoded,
      encoded.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    );
  }
  return forms.filter((f) => f.trim().length >= MIN_SECRET_LENGTH);
}

/** Every form of every secret, longest first (so a value wins over its own lines). */
function maskedStrings(secrets: Iterable<string | undefined>): string[] {
  const all = new Set<string>();
  for (const s of secrets) if (typeof s === 'string' && s.length >= MIN_SECRET_LENGTH) for (const f of secretForms(s)) all.add(f);
  return [...all].sort((a, b) => b.length - a.length);
}

function patternOf(values: string[]): RegExp | undefined {
  return values.length ? new RegExp(values.map(escapeRegExp).join('|'), 'g') : undefined;
}

/** Replaces every form of every secret value with `***` in a complete text. */
export function createMasker(secrets: Iterable<string | undefined>): (text: string) => string {
  const pattern = patternOf(maskedStrings(secrets));
  if (!pattern) return (text) => text;
  return (text) => text.replace(pattern, MASK);
}

/**
 * Masks a stream cut into chunks anywhere, exactly as masking the whole text would. It holds
 * back only the end of a chunk that could still become a secret (a proper prefix of one of
 * its forms), so a complete line is shown at once unless it ends in the start of a secret.
 */
export class StreamMasker {
  private readonly pattern: RegExp | undefined;
  private readonly forms: string[];
  private readonly firstChars: Set<string>;
  private readonly longest: number;
  private pending = '';

  constructor(secrets: Iterable<string | undefined>) {
    this.forms = maskedStrings(secrets);
    this.pattern = patternOf(this.forms);
    this.firstChars = new Set(this.forms.map((f) => f[0]));
    this.longest = this.forms[0]?.length ?? 0;
  }

  /** Masked text that is final; the rest waits for the next chunk or `end`. */
  push(chunk: string): string {
    if (!this.pattern) return chunk;
    const text = this.pending + chunk;
    // A match starting before `hold` is final: no longer form starting there can extend past the text.
    const hold = this.holdStart(text);
    let out = '';
    let pos = 0;
    this.pattern.lastIndex = 0;
    for (let m = this.pattern.exec(text); m && m.index < hold; m = this.pattern.exec(text)) {
      out += text.slice(pos, m.index) + MASK;
      pos = m.index + m[0].length;
    }
    const keepFrom = Math.max(pos, hold);
    out += text.slice(pos, keepFrom);
    this.pending = text.slice(keepFrom);
    return out;
  }

  /** Everything held back, masked. */
  end(): string {
    const rest = this.pending;
    this.pending = '';
    return this.pattern ? rest.replace(this.pattern, MASK) : rest;
  }

  /** The first position from which the rest of `text` is a proper prefix of some form (text.length if none). */
  private holdStart(text: string): number {
    for (let p = Math.max(0, text.length - this.longest + 1); p < text.length; p++) {
      if (!this.firstChars.has(text[p])) continue;
      const rest = text.length - p;
      if (this.forms.some((f) => f.length > rest && text.startsWith(f.slice(0, rest), p))) return p;
    }
    return text.length;
  }
}

/** An error with its message and found/expected values masked. */
export function maskError(e: BuildError, mask: (text: string) => string): BuildError {
  return {
    ...e,
    message: mask(e.message),
    ...(e.found ? { found: mask(e.found) } : {}),
    ...(e.expected ? { expected: mask(e.expected) } : {}),
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The values of the listed secret keys, from the config's env and the process env. */
export function secretValues(
  keys: readonly string[],
  env: Record<string, string | undefined>,
  processEnv: NodeJS.ProcessEnv = process.env,
): string[] {
  return keys.flatMap((k) => [env[k], processEnv[k]]).filter((v): v is string => typeof v === 'string');
}
