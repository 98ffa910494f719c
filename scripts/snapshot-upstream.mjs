// Records the public surface of a vendored monorepo's upstream build, once: downloads the
// published tarballs of the fixture's packages (the versions its package.json files name) with
// `npm pack`, unpacks them side by side into a temporary node_modules, and writes what
// scripts/public-surface.mjs reads from each into <fixture>/upstream-surface.json.
// Tests read that file and never download.
//
//   node scripts/snapshot-upstream.mjs test/fixtures/tanstack-query
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readPackageSurface } from './public-surface.mjs';

const fixture = resolve(process.argv[2] ?? 'test/fixtures/tanstack-query');
const packages = readdirSync(join(fixture, 'packages'))
  .sort()
  .map((dir) => JSON.parse(readFileSync(join(fixture, 'packages', dir, 'package.json'), 'utf8')))
  .map((pkg) => ({ name: pkg.name, version: pkg.version }));

const work = mkdtempSync(join(tmpdir(), 'upstream-surface-'));
try {
  const tarballs = {};
  for (const { name, version } of packages) {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', work], { cwd: work, encoding: 'utf8' }),
    );
    const into = join(work, 'node_modules', ...name.split('/'));
    mkdirSync(into, { recursive: true });
    execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', into, '--strip-components=1']);
    tarballs[name] = { version, integrity: packed.integrity, shasum: packed.shasum };
    console.log(`unpacked ${name}@${version}`);
  }
  const surface = { readBy: 'scripts/public-surface.mjs', tarballs, packages: {} };
  for (const { name } of packages) surface.packages[name] = readPackageSurface(work, name);
  const out = join(fixture, 'upstream-surface.json');
  writeFileSync(out, JSON.stringify(surface, null, 2) + '\n');
  console.log(`wrote ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
