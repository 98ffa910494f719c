import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeCachePath } from '../../src/utils/code-cache';
import { REPO_ROOT } from '../helpers/workspace';

// Real processes: the cache is written when the process exits, and read by the next one.
describe('requireWithCodeCache: the compiler compiled once, reused by the next process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const mod = join(dir, 'mod.js');
  writeFileSync(
    mod,
    `const { basename } = require('node:path');\nexports.where = basename(__filename) + ' ' + basename(__dirname).length;\nexports.argv = process.argv.slice(2);\n`,
  );
  const cache = join(dir, 'c', 'mod.v8cache');
  const run = () => {
    const code = `const { Script } = require('node:vm'); const orig = Script; let rejected;
require('node:vm').Script = class extends orig { constructor(s, o) { super(s, o); rejected = o.cachedData ? this.cachedDataRejected : 'none'; } };
const m = require(${JSON.stringify(join(REPO_ROOT, 'dist/utils/code-cache.js'))}).requireWithCodeCache(${JSON.stringify(mod)}, ${JSON.stringify(cache)});
console.log(JSON.stringify({ where: m.where, rejected }));`;
    const r = spawnSync(process.execPath, ['-e', code, 'x', 'y'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { where: string; rejected: boolean | 'none' };
  };

  it('runs the module with its own __filename/__dirname, writes the cache at exit, then uses it', () => {
    expect(run()).toEqual({ where: `mod.js ${dir.split('/').pop()!.length}`, rejected: 'none' });
    expect(existsSync(cache)).toBe(true);
    expect(run().rejected).toBe(false);
  });

  it('a corrupt cache is rejected, the module still runs, and a good cache replaces it', () => {
    writeFileSync(cache, 'not a code cache');
    expect(run()).toMatchObject({ rejected: true });
    expect(readFileSync(cache, 'utf8')).not.toBe('not a code cache');
    expect(run().rejected).toBe(false);
  });

  it('the cache path changes with the file (size, mtime) and lives under node_modules/.cache', () => {
    const a = codeCachePath('/ws', mod);
    writeFileSync(mod, `${readFileSync(mod, 'utf8')}// changed\n`);
    expect(codeCachePath('/ws', mod)).not.toBe(a);
    expect(a.startsWith('/ws/node_modules/.cache/build-system/')).toBe(true);
  });
});
