import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
/** What dist/ is built from (unit specs beside the code are not). */
export const BUILD_INPUTS = ['src', 'scripts/build.mjs', 'executors.json', 'generators.json', 'tsconfig.json'];

/**
 * e2e tests load the plugin from dist/, as a consumer would: build it when it is missing or
 * older than its inputs (an edit in src/ is tested, not the previous build).
 */
export default function setup() {
  const why = process.env.BUILD_BEFORE_TEST === '1' ? 'BUILD_BEFORE_TEST=1' : staleReason(root);
  if (!why) return;
  console.log(`building dist/ (${why})`);
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}

/** Why dist/ needs a build, or undefined when it is current. */
export function staleReason(root: string, inputs = BUILD_INPUTS): string | undefined {
  let built: number;
  try {
    // Written by scripts/build.mjs at the end, dated when the build started.
    built = statSync(join(root, 'dist', '.built')).mtimeMs;
  } catch {
    return 'dist/ is missing or was not built by scripts/build.mjs';
  }
  for (const input of inputs) {
    const newer = newerThan(join(root, input), built);
    if (newer) return `${newer.slice(root.length + 1)} is newer than dist/`;
  }
  return undefined;
}

/** The first file or directory (a deleted file changes its directory's time) newer than `time`. */
function newerThan(path: string, time: number): string | undefined {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return undefined;
  }
  if (!stat.isDirectory()) return stat.mtimeMs > time && !path.endsWith('.spec.ts') ? path : undefined;
  if (stat.mtimeMs > time) return path;
  for (const name of readdirSync(path)) {
    const found = newerThan(join(path, name), time);
    if (found) return found;
  }
  return undefined;
}
