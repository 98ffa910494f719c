// Compiles src/ to dist/, copies what tsc does not (generator schemas, templates, SQL migrations, builder scripts) and writes the
// executors' schema.json from the zod schema. `--write-schemas` also refreshes the copies checked
// into src/ (a unit spec fails while they differ from what the schema gives).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { chmodSync, cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
// Stamped with the start time at the end: a source edited during the build is newer than the stamp.
const started = new Date();
rmSync(dist, { recursive: true, force: true });
rmSync(join(root, 'node_modules/.cache/build-system.tsbuildinfo'), { force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const out = join(dist, relative(src, p));
    if (name === 'files' && statSync(p).isDirectory()) cpSync(p, out, { recursive: true });
    else if (statSync(p).isDirectory()) copyAssets(p);
    else if (name.endsWith('.json') || name.endsWith('.sql') || name.endsWith('.mjs')) cpSync(p, out);
  }
}
copyAssets(src);

const { executorSchemas, schemaFileText } = createRequire(import.meta.url)(join(dist, 'executors', 'schema-json.js'));
const writeSrc = process.argv.includes('--write-schemas');
for (const [name, schema] of Object.entries(executorSchemas())) {
  const text = schemaFileText(schema);
  writeFileSync(join(dist, 'executors', name, 'schema.json'), text);
  const checkedIn = join(src, 'executors', name, 'schema.json');
  const current = existsSync(checkedIn) ? readFileSync(checkedIn, 'utf8') : undefined;
  if (current === text) continue;
  if (writeSrc) {
    writeFileSync(checkedIn, text);
    console.log(`wrote ${relative(root, checkedIn)}`);
  } else {
    console.warn(`${relative(root, checkedIn)} differs from the zod schema: run npm run schemas`);
  }
}
if (existsSync(join(dist, 'cli.js'))) chmodSync(join(dist, 'cli.js'), 0o755);
writeFileSync(join(dist, '.built'), '');
utimesSync(join(dist, '.built'), started, started);
console.log('built dist/');
