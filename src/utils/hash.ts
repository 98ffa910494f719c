import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The SHA-1 of a file's bytes: fingerprints and tsc's output manifest compare contents, not times. */
export function sha1File(file: string): string {
  return createHash('sha1').update(readFileSync(file)).digest('hex');
}
