import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { errorOutcome, type UploadTarget } from './target';

/**
 * Copies into a directory (a shared drive, a CI artifacts folder): each file is written to a
 * temporary name beside its destination, checked against its sha256, then renamed, so a reader
 * never sees half a file. A full disk or a permission error fails at once (not retried).
 */
export function directoryTarget(dir: string): UploadTarget {
  const pathOf = (key: string) => join(dir, ...key.split('/'));
  return {
    uriOf: (key) => pathToFileURL(pathOf(key)).href,
    async put(object, signal) {
      const dest = pathOf(object.key);
      const temp = join(dirname(dest), `.${object.key.split('/').pop()}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
      try {
        mkdirSync(dirname(dest), { recursive: true });
        const hash = createHash('sha256');
        const tap = new Transform({ transform: (chunk: Buffer, _e, done) => (hash.update(chunk), done(null, chunk)) });
        await pipeline(createReadStream(object.source), tap, createWriteStream(temp, { flags: 'wx' }), { signal });
        if (hash.digest('hex') !== object.sha256) {
          rmSync(temp, { force: true });
          return {
            ok: false,
            code: 'CHECKSUM_MISMATCH',
            detail: `${object.file} no longer has the sha256 recorded for it`,
            retryable: false,
          };
        }
        renameSync(temp, dest);
        return { ok: true };
      } catch (err) {
        rmSync(temp, { force: true });
        if (signal.aborted) throw err;
        return errorOutcome(err);
      }
    },
  };
}
