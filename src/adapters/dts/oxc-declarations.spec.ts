import { describe, expect, it } from 'vitest';
import { positionAt } from './oxc-declarations';

describe('positionAt (oxc’s UTF-8 byte offsets as TypeScript’s 1-based line and UTF-16 column)', () => {
  const at = (source: string, marker: string) => positionAt(source, Buffer.byteLength(source.slice(0, source.indexOf(marker))));
  it.each([
    ['export function twice(n: number) {}', 'twice', { line: 1, column: 17 }],
    ['// one\nexport function twice(n: number) {}', 'twice', { line: 2, column: 17 }],
    ['// héllo wörld\nexport function twice(n: number) {}', 'twice', { line: 2, column: 17 }],
    ['const s = "é😀"; export function twice(n: number) {}', 'twice', { line: 1, column: 34 }],
    ['\r\nexport const x = 1;', 'x =', { line: 2, column: 14 }],
  ])('%j at %s', (source, marker, expected) => {
    expect(at(source, marker)).toEqual(expected);
  });
});
