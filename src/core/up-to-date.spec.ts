import { describe, expect, it } from 'vitest';
import { decideUpToDate, stableJson, upToDateKey, type LastSuccess, type UpToDateParts } from './up-to-date';

const parts: UpToDateParts = { sources: 's1', config: 'c1', environment: 'e1', builder: 'b1', dependencies: 'd1' };
const artifacts = [
  { path: 'dist/index.js', size: 10, checksum: 'sha256:aa' },
  { path: 'dist/index.d.ts', size: 5, checksum: 'sha256:bb' },
];
const last: LastSuccess = { id: 'job1', upToDateKey: upToDateKey(parts), artifacts, metadata: { upToDateParts: parts } };
const sameOutputs = { 'dist/index.js': 'sha256:aa', 'dist/index.d.ts': 'sha256:bb' };

describe('decideUpToDate (pure)', () => {
  it('up to date when the key and every recorded output match', () => {
    expect(decideUpToDate({ parts, lastSuccess: last, outputs: sameOutputs, force: false })).toEqual({ upToDate: true, reasons: [] });
  });

  it('--force, no successful build, or one without a key (built by Nx): out of date', () => {
    expect(decideUpToDate({ parts, lastSuccess: last, outputs: sameOutputs, force: true })).toEqual({
      upToDate: false,
      reasons: ['--force'],
    });
    expect(decideUpToDate({ parts, outputs: {}, force: false })).toEqual({ upToDate: false, reasons: ['no successful build yet'] });
    expect(
      decideUpToDate({ parts, lastSuccess: { ...last, upToDateKey: undefined }, outputs: sameOutputs, force: false }).reasons[0],
    ).toContain('no up-to-date key');
  });

  it.each([
    ['sources', 'sources changed'],
    ['config', 'the build config changed'],
    ['environment', 'the environment changed'],
    ['builder', 'the builder or its version changed'],
    ['dependencies', "a dependency's outputs changed"],
  ] as const)('a changed %s part says so', (part, reason) => {
    expect(decideUpToDate({ parts: { ...parts, [part]: 'other' }, lastSuccess: last, outputs: sameOutputs, force: false })).toEqual({
      upToDate: false,
      reasons: [reason],
    });
  });

  it('a different key without recorded parts still rebuilds', () => {
    expect(
      decideUpToDate({ parts: { ...parts, sources: 'x' }, lastSuccess: { ...last, metadata: {} }, outputs: sameOutputs, force: false }),
    ).toEqual({ upToDate: false, reasons: ['the inputs changed'] });
  });

  it('a missing or modified output rebuilds, naming it', () => {
    expect(decideUpToDate({ parts, lastSuccess: last, outputs: { 'dist/index.js': 'sha256:zz' }, force: false })).toEqual({
      upToDate: false,
      reasons: ['output dist/index.d.ts missing', 'output dist/index.js modified'],
    });
  });
});

describe('the key', () => {
  it('does not depend on key order, and changes with any part', () => {
    const reordered = { dependencies: 'd1', builder: 'b1', environment: 'e1', config: 'c1', sources: 's1' };
    expect(upToDateKey(reordered)).toBe(upToDateKey(parts));
    expect(upToDateKey({ ...parts, environment: 'e2' })).not.toBe(upToDateKey(parts));
    expect(upToDateKey(parts)).toMatch(/^v1:[0-9a-f]{64}$/);
  });

  it('stableJson sorts keys at every depth and keeps a function by its source', () => {
    expect(stableJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe('{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}');
    const hook = () => 'x';
    expect(stableJson({ hook })).toBe(JSON.stringify({ hook: `function:${String(hook)}` }));
  });

  it('cache.maxAge: outputs built longer ago than it are out of date, younger ones are not', () => {
    const day = 86_400_000;
    const expiry = (age: number) => ({ maxAge: '7d', maxAgeMs: 7 * day, builtAt: 0, now: age });
    expect(decideUpToDate({ parts, lastSuccess: last, outputs: sameOutputs, force: false, expiry: expiry(6 * day) })).toEqual({
      upToDate: true,
      reasons: [],
    });
    expect(decideUpToDate({ parts, lastSuccess: last, outputs: sameOutputs, force: false, expiry: expiry(8 * day) })).toEqual({
      upToDate: false,
      reasons: ['the outputs are older than cache.maxAge (7d)'],
    });
  });
});
