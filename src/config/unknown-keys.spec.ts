import { describe, expect, it } from 'vitest';
import { classifyUnknownKeys, closestKnownKey } from './unknown-keys';

const KNOWN = ['name', 'meta', 'builder', 'entry', 'outputDir', 'format', 'target', 'cache', 'clean'];

describe('closestKnownKey', () => {
  it('maps names other tools use and near misses to the documented key', () => {
    expect(closestKnownKey('outDir', KNOWN)).toBe('outputDir');
    expect(closestKnownKey('entries', KNOWN)).toBe('entry');
    expect(closestKnownKey('formats', KNOWN)).toBe('format');
    expect(closestKnownKey('outputdir', KNOWN)).toBe('outputDir');
    expect(closestKnownKey('buidler', KNOWN)).toBe('builder');
  });
  it('finds nothing for an unrelated key', () => {
    expect(closestKnownKey('owningTeam', KNOWN)).toBeUndefined();
    expect(closestKnownKey('x', KNOWN)).toBeUndefined();
  });
});

describe('classifyUnknownKeys', () => {
  it('a typo is an error saying what was meant, an unrelated key a warning naming file and key', () => {
    const r = classifyUnknownKeys({ entry: 'a.ts', outDir: 'lib', owningTeam: 'web', meta: {} }, KNOWN, 'packages/a/build.config.ts');
    expect(r.keys).toEqual(['outDir', 'owningTeam']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code: 'CONFIG_INVALID', field: 'outDir', file: 'packages/a/build.config.ts' });
    expect(r.errors[0]!.message).toContain('did you mean "outputDir"');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ code: 'CONFIG_UNKNOWN_FIELD', field: 'owningTeam', file: 'packages/a/build.config.ts' });
  });
});
