import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const HEAVY = /[\\/]node_modules[\\/](esbuild|rollup|typescript|zod|jiti|fast-glob|proper-lockfile|pg)[\\/]/;

/** Modules a fresh Node process has loaded after requiring `entry` (and running `then`). */
function loadedBy(entry: string, then = ''): string[] {
  const code = `require(${JSON.stringify(join(root, entry))});${then}\nconsole.log(JSON.stringify(Object.keys(require.cache)));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('lazy imports (graph time stays cheap)', () => {
  it('the plugin module loads no builder, no zod, no jiti', () => {
    const heavy = loadedBy('dist/plugin.js').filter((m) => HEAVY.test(m));
    expect(heavy).toEqual([]);
  });

  it('the package entry (imported by every build.config.ts) loads nothing heavy', () => {
    const loaded = loadedBy('dist/index.js');
    expect(loaded.filter((m) => HEAVY.test(m))).toEqual([]);
    expect(loaded.filter((m) => /dist[\\/](core|adapters)[\\/]/.test(m))).toEqual([]);
  });

  it('the build executor loads only the adapter it runs', () => {
    const loaded = loadedBy(
      'dist/executors/build/executor.js',
      `require(${JSON.stringify(join(root, 'dist/adapters/index.js'))}).loadAdapter('esbuild');`,
    );
    const adapters = loaded
      .filter((m) => /dist[\\/]adapters[\\/](bun|tsc|rollup|custom|esbuild)[\\/]adapter\.js$/.test(m))
      .map((m) => m.split(/[\\/]/).at(-2));
    expect(adapters).toEqual(['esbuild']);
    expect(loaded.filter((m) => /node_modules[\\/](rollup|typescript)[\\/]/.test(m))).toEqual([]);
    // declarations (and the tsc runners they need) load only for builds that have them
    expect(loaded.filter((m) => /dist[\\/]adapters[\\/](dts|tsc)[\\/]/.test(m))).toEqual([]);
  });
});

describe('the records database', () => {
  it('a build store without a database configured loads neither pg nor the database store', () => {
    const open = `const s = require(${JSON.stringify(join(root, 'dist/core/records/open-store.js'))}).openRecordStore(${JSON.stringify(root)}, { env: {} });`;
    const loaded = loadedBy('dist/executors/build/executor.js', open);
    expect(
      loaded.filter((m) => /node_modules[\\/]pg[\\/]|records[\\/](database|mirrored-store|postgres-store|spool)\.js$/.test(m)),
    ).toEqual([]);
  });
});
