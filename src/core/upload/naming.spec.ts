import { describe, expect, it } from 'vitest';
import { objectStem, outputsHash, safePackageName } from './naming';

const artifacts = [
  { path: 'dist/index.js', checksum: 'sha256:aa' },
  { path: 'dist/index.d.ts', checksum: 'sha256:bb' },
];

describe('upload object names', () => {
  it('scoped names as npm pack writes them', () => {
    expect(safePackageName('@acme/utils')).toBe('acme-utils');
    expect(safePackageName('plain')).toBe('plain');
  });

  it('the hash is of the outputs: order does not matter, a changed byte does', () => {
    expect(outputsHash(artifacts)).toMatch(/^[0-9a-f]{12}$/);
    expect(outputsHash([...artifacts].reverse())).toBe(outputsHash(artifacts));
    expect(outputsHash([artifacts[0], { ...artifacts[1], checksum: 'sha256:bc' }])).not.toBe(outputsHash(artifacts));
  });

  it('<name>-<version>-<hash>', () => {
    expect(objectStem('@acme/utils', '1.2.3', artifacts)).toBe(`acme-utils-1.2.3-${outputsHash(artifacts)}`);
    expect(objectStem('x', undefined, [])).toMatch(/^x-0\.0\.0-[0-9a-f]{12}$/);
  });
});
