import { describe, expect, it } from 'vitest';
import { createMasker, secretForms, StreamMasker } from './mask';

/** A small deterministic PRNG, so a failing chunking can be replayed. */
function prng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

function chunked(text: string, cuts: number[]): string[] {
  const at = [...new Set(cuts)].sort((a, b) => a - b);
  return [0, ...at].map((from, i) => text.slice(from, at[i] ?? text.length));
}

describe('secretForms', () => {
  it('covers each line of a multi-line value, and its JSON-escaped and URL-encoded forms', () => {
    const forms = secretForms('line-one\nline "two"/+&=');
    expect(forms).toEqual(expect.arrayContaining(['line-one', 'line "two"/+&=', 'line-one\\nline \\"two\\"/+&=']));
    expect(forms).toEqual(
      expect.arrayContaining([
        encodeURIComponent('line-one\nline "two"/+&='),
        encodeURIComponent('line-one\nline "two"/+&=').replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
      ]),
    );
    expect(secretForms('a b+c')).toContain('a+b%2Bc');
  });
  it('ignores pieces too short to mask', () => {
    expect(secretForms('ab\nlonger-part')).toEqual(expect.not.arrayContaining(['ab']));
  });
});

describe('createMasker', () => {
  it('masks the value, its lines and its encoded forms', () => {
    const mask = createMasker(['sk_"x"/y+z&1', 'BEGIN KEY\nabcdef\nEND KEY', undefined, 'ab']);
    expect(mask('a sk_"x"/y+z&1 b')).toBe('a *** b');
    expect(mask('{"t":"sk_\\"x\\"/y+z&1"}')).toBe('{"t":"***"}');
    expect(mask(`?t=${encodeURIComponent('sk_"x"/y+z&1')}`)).toBe('?t=***');
    expect(mask('> BEGIN KEY\n> abcdef\n> END KEY')).toBe('> ***\n> ***\n> ***');
    expect(mask('ab stays')).toBe('ab stays');
  });
});

describe('StreamMasker', () => {
  const secrets = ['s3cr3t-token-value', 's3cr3t', 'token-v', 'multi\nline-secret'];
  const text = 'pre s3cr3t-token-value mid s3cr3t-token-valu s3cr3ts token-v multi\nline-secret end s3cr3t-token-value';
  const whole = createMasker(secrets)(text);

  it('gives what masking the whole text gives, for a cut at every position', () => {
    for (let cut = 0; cut <= text.length; cut++) {
      const m = new StreamMasker(secrets);
      const out =
        chunked(text, [cut])
          .map((c) => m.push(c))
          .join('') + m.end();
      expect(out, `cut at ${cut}`).toBe(whole);
    }
  });

  it('gives what masking the whole text gives, for random chunkings and one character at a time', () => {
    const rand = prng(42);
    for (let round = 0; round < 300; round++) {
      const cuts = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => Math.floor(rand() * text.length));
      const m = new StreamMasker(secrets);
      expect(
        chunked(text, cuts)
          .map((c) => m.push(c))
          .join('') + m.end(),
        `cuts ${cuts}`,
      ).toBe(whole);
    }
    const m = new StreamMasker(secrets);
    expect([...text].map((c) => m.push(c)).join('') + m.end()).toBe(whole);
  });

  it('passes text through at once when there is nothing to mask', () => {
    const m = new StreamMasker([]);
    expect(m.push('partial')).toBe('partial');
    expect(m.end()).toBe('');
  });
});
