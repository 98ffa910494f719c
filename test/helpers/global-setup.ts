import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** e2e tests load the plugin from dist/, as a consumer would: build it once if missing. */
export default function setup() {
  const root = join(__dirname, '..', '..');
  if (!existsSync(join(root, 'dist', 'plugin.js')) || process.env.BUILD_BEFORE_TEST === '1') {
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  }
}
