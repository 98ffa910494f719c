import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * A reproducible .tgz of the outputs, written by hand (USTAR is a 512-byte header per file):
 * entries sorted by path, fixed mtime, uid/gid 0, no user or group names, no directory
 * entries, and a gzip header that names no operating system. The same files give the same
 * bytes on any machine (with the same zlib).
 */

export interface TarEntry {
  /** Name in the archive, posix. */
  name: string;
  /** Absolute path on disk. */
  file: string;
  size: number;
  executable?: boolean;
}

export interface PackedFile {
  file: string;
  size: number;
  /** Hex. */
  sha256: string;
  /** Base64, as Content-MD5 wants it. */
  md5: string;
}

/** 1985-10-26T08:15:00Z, the mtime npm gives every file of a package tarball. */
export const TAR_MTIME = 499162500;
const BLOCK = 512;
const MAX_SIZE = 8 ** 11 - 1;

export async function packTgz(entries: readonly TarEntry[], outFile: string, signal?: AbortSignal): Promise<PackedFile> {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sha256.update(chunk);
      md5.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(Readable.from(tarStream(sorted)), createGzip({ level: 9 }), unknownOs(), tap, createWriteStream(outFile), { signal });
  return { file: outFile, size, sha256: sha256.digest('hex'), md5: md5.digest('base64') };
}

async function* tarStream(entries: readonly TarEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    yield tarHeader(entry.name, entry.size, entry.executable ? 0o755 : 0o644);
    let written = 0;
    for await (const chunk of createReadStream(entry.file)) {
      written += (chunk as Buffer).length;
      if (written > entry.size) break;
      yield chunk as Buffer;
    }
    // The header already promised a size: a file that changed meanwhile would corrupt the archive.
    if (written !== entry.size) throw Object.assign(new Error(`${entry.name} changed while it was packed`), { code: 'ECHANGED' });
    if (entry.size % BLOCK) yield Buffer.alloc(BLOCK - (entry.size % BLOCK));
  }
  yield Buffer.alloc(2 * BLOCK);
}

/** One USTAR header block for a regular file. */
export function tarHeader(name: string, size: number, mode: number): Buffer {
  if (size > MAX_SIZE) throw new Error(`${name} is larger than a tar entry can hold (8 GiB)`);
  const [prefix, base] = splitName(name);
  const b = Buffer.alloc(BLOCK);
  b.write(base, 0, 100, 'utf8');
  octal(b, 100, 8, mode);
  octal(b, 108, 8, 0);
  octal(b, 116, 8, 0);
  octal(b, 124, 12, size);
  octal(b, 136, 12, TAR_MTIME);
  b.fill(0x20, 148, 156);
  b.write('0', 156, 'latin1');
  b.write('ustar\u000000', 257, 'latin1');
  b.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return b;
}

/** USTAR keeps names over 100 bytes as a prefix (≤ 155) and a name (≤ 100), cut at a slash. */
function splitName(name: string): [string, string] {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return [prefix, rest];
  }
  throw new Error(`path too long for a tar entry: ${name}`);
}

function octal(b: Buffer, offset: number, length: number, value: number): void {
  b.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1');
}

/** zlib writes the OS it was built for into byte 9 of the gzip header; 255 means unknown everywhere. */
function unknownOs(): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (seen <= 9 && seen + chunk.length > 9) {
        chunk = Buffer.from(chunk);
        chunk[9 - seen] = 0xff;
      }
      seen += chunk.length;
      done(null, chunk);
    },
  });
}
