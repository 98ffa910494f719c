// Compiles src/ to dist/ and copies what tsc does not (executor/generator schemas, templates).
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
rmSync(join(root, 'node_modules/.cache/build-system.tsbuildinfo'), { force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const out = join(dist, relative(src, p));
    if (name === 'files' && statSync(p).isDirectory()) cpSync(p, out, { recursive: true });
    else if (statSync(p).isDirectory()) copyAssets(p);
    else if (name.endsWith('.json')) cpSync(p, out);
  }
}
copyAssets(src);
if (existsSync(join(dist, 'cli.js'))) chmodSync(join(dist, 'cli.js'), 0o755);
console.log('built dist/');
