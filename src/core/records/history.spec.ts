import { describe, expect, it } from 'vitest';
import { parseSince } from './history';

describe('parseSince', () => {
  const now = Date.parse('2026-01-08T00:00:00.000Z');
  it.each([
    ['7d', '2026-01-01T00:00:00.000Z'],
    ['12h', '2026-01-07T12:00:00.000Z'],
    ['30m', '2026-01-07T23:30:00.000Z'],
    ['1w', '2026-01-01T00:00:00.000Z'],
    ['2025-12-31', '2025-12-31T00:00:00.000Z'],
  ])('%s', (text, iso) => expect(parseSince(text, now)?.toISOString()).toBe(iso));
  it('is undefined for anything else', () => expect([parseSince('soon', now), parseSince('7y', now)]).toEqual([undefined, undefined]));
});
