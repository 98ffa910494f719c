// Builds examples/basic with real nx and this plugin (from dist/), then runs the built CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { linkWorkspace, repoRoot, workspacePackageDirs } from './link-workspace.mjs';

const ws = join(repoRoot, 'examples', 'basic');
if (!existsSync(join(repoRoot, 'dist', 'plugin.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
linkWorkspace(ws, workspacePackageDirs(ws));
const nxBin = join(repoRoot, 'node_modules', 'nx', JSON.parse(readFileSync(join(repoRoot, 'node_modules/nx/package.json'), 'utf8')).bin.nx);
const env = { ...process.env, NX_CACHE_DIRECTORY: join(ws, '.nx', 'cache'), NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const args = process.argv.slice(2);
const run = (cmd, argv) => {
  console.log(`\n$ ${[cmd === process.execPath ? 'node' : cmd, ...argv].join(' ')}`);
  const r = spawnSync(cmd, argv, { cwd: ws, env, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, [nxBin, 'run-many', '-t', 'build', ...args]);
run(process.execPath, [join('packages', 'cli', 'dist', 'main.js')]);
console.log(`\nRecords: examples/basic/packages/*/.build-cache/latest.json`);
