import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Set for build tasks by the plugin's preTasksExecution: the id of the Nx run they belong to. */
export const RUN_ID_ENV = 'BUILD_SYSTEM_NX_RUN';

const DIR = join(tmpdir(), 'build-system-notices');
const KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * Notices shown once per Nx run across its build tasks (each runs in its own process): the
 * first task to say one leaves a marker named by the run and the notice; the others see it.
 * Without a run id (the hook turned off) every task says it, as before.
 */
export function noticesOfRun(runId: string | undefined): { first(notice: string): boolean } | undefined {
  if (!runId) return undefined;
  return {
    first(notice) {
      try {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(join(DIR, createHash('sha1').update(`${runId}\n${notice}`).digest('hex')), '', { flag: 'wx' });
        removeOldMarkers();
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code !== 'EEXIST';
      }
    },
  };
}

function removeOldMarkers(): void {
  const now = Date.now();
  for (const name of readdirSync(DIR)) {
    try {
      if (now - statSync(join(DIR, name)).mtimeMs > KEEP_MS) rmSync(join(DIR, name), { force: true });
    } catch {
      /* removed meanwhile */
    }
  }
}
