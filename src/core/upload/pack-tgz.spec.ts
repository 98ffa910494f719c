import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { packTgz, TAR_MTIME, type TarEntry } from './pack-tgz';

const dir = mkdtempSync(join(tmpdir(), 'pack-tgz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const longName = `dist/${'nested-directory-name/'.repeat(6)}a-module-with-a-long-name.js`;
const files: Record<string, string | Buffer> = {
  'dist/index.js': 'export const a = 1;\n',
  'dist/cli.js': '#!/usr/bin/env node\n',
  'dist/empty.txt': '',
  'dist/block.bin': Buffer.alloc(512, 1),
  'dist/é.js': 'export {};\n',
  [longName]: 'long\n',
};

function writeTree(root: string, mtime: Date): TarEntry[] {
  // Written in a different order each time: the archive sorts.
  const names = Object.keys(files).sort(() => (root.endsWith('b') ? -1 : 1));
  return names.map((name) => {
    const file = join(root, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, files[name]);
    if (name === 'dist/cli.js') chmodSync(file, 0o755);
    utimesSync(file, mtime, mtime);
    return { name, file, size: statSync(file).size, executable: name === 'dist/cli.js' };
  });
}

/** The entries of a tar, read back field by field. */
function readTar(tar: Buffer) {
  const out: { name: string; mode: number; uid: number; gid: number; size: number; mtime: number; uname: string; body: Buffer }[] = [];
  for (let at = 0; at + 512 <= tar.length;) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const str = (o: number, l: number) =>
      h
        .subarray(o, o + l)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const num = (o: number, l: number) => parseInt(str(o, l), 8);
    const prefix = str(345, 155);
    const size = num(124, 12);
    let sum = 0;
    h.forEach((b, i) => (sum += i >= 148 && i < 156 ? 0x20 : b));
    expect(num(148, 8), 'header checksum').toBe(sum);
    out.push({
      name: prefix ? `${prefix}/${str(0, 100)}` : str(0, 100),
      mode: num(100, 8),
      uid: num(108, 8),
      gid: num(116, 8),
      size,
      mtime: num(136, 12),
      uname: str(265, 32),
      body: tar.subarray(at + 512, at + 512 + size),
    });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('packTgz', () => {
  it('sorted entries, fixed mtime, uid/gid 0, the same bytes from the same files', async () => {
    const a = await packTgz(writeTree(join(dir, 'a'), new Date('2020-01-01')), join(dir, 'a.tgz'));
    const b = await packTgz(writeTree(join(dir, 'b'), new Date('2024-06-30')), join(dir, 'b.tgz'));
    expect(readFileSync(a.file).equals(readFileSync(b.file))).toBe(true);
    expect(a).toMatchObject({ size: statSync(a.file).size, sha256: b.sha256, md5: b.md5 });
    const bytes = readFileSync(a.file);
    expect(bytes[9]).toBe(0xff);
    const entries = readTar(gunzipSync(bytes));
    expect(entries.map((e) => e.name)).toEqual(Object.keys(files).sort((x, y) => (x < y ? -1 : 1)));
    for (const e of entries) {
      expect(e).toMatchObject({ uid: 0, gid: 0, uname: '', mtime: TAR_MTIME, mode: e.name === 'dist/cli.js' ? 0o755 : 0o644 });
      expect(e.body.equals(Buffer.from(files[e.name]))).toBe(true);
    }
  });

  it('tar reads it back (long names through the USTAR prefix)', async () => {
    const packed = await packTgz(writeTree(join(dir, 'c'), new Date()), join(dir, 'c.tgz'));
    const out = join(dir, 'extracted');
    mkdirSync(out);
    const r = spawnSync('tar', ['-xzf', packed.file, '-C', out], { encoding: 'utf8' });
    if (r.error) return; // no tar binary on this machine: the reader above covers the format
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, longName), 'utf8')).toBe('long\n');
    expect(readFileSync(join(out, 'dist/é.js'), 'utf8')).toBe('export {};\n');
  });

  it('a file that changed size since it was described fails the pack', async () => {
    const file = join(dir, 'changing.js');
    writeFileSync(file, 'abc');
    await expect(packTgz([{ name: 'changing.js', file, size: 10 }], join(dir, 'd.tgz'))).rejects.toThrow(
      'changing.js changed while it was packed',
    );
  });
});
