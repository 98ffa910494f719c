import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * A temporary name beside `file` that no other process or call uses: readers of `file` see the
 * old bytes or the new ones, never a half-written file, and two writers never share a temp file.
 */
function tempNameFor(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Writes `file` whole or not at all (write a temp file, then rename over). */
export function writeFileAtomicSync(file: string, data: string | NodeJS.ArrayBufferView): void {
  const tmp = tempNameFor(file);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** The asynchronous form of `writeFileAtomicSync`. */
export async function writeFileAtomic(file: string, data: string | NodeJS.ArrayBufferView): Promise<void> {
  const tmp = tempNameFor(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
