import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration';

describe('parseDuration', () => {
  it('reads a number and a unit', () => {
    expect(parseDuration('7d')).toBe(7 * 24 * 3600 * 1000);
    expect(parseDuration('12h')).toBe(12 * 3600 * 1000);
    expect(parseDuration('30m')).toBe(30 * 60 * 1000);
    expect(parseDuration('2w')).toBe(14 * 24 * 3600 * 1000);
    expect(parseDuration('500ms')).toBe(500);
  });
  it('rejects anything else', () => {
    for (const bad of ['7', 'd', '7 days', '-1d', '1.5h', '']) expect(parseDuration(bad)).toBeUndefined();
  });
});
