import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicSources } from '../fixtures/packages';
import { createWorkspace, REPO_ROOT, sleep, type TempWorkspace } from '../helpers/workspace';
import { walkRelative } from '../../src/utils/files';

const STALE = { BUILD_SYSTEM_LOCK_STALE_MS: '2000' };
const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const CONFIG = `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'tsc', format: ['esm', 'cjs'], dts: true });
`;

/** Every file of a directory with its bytes. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of [...walkRelative(dir)].sort()) out[rel] = readFileSync(join(dir, rel), 'utf8');
  return out;
}

/** When tsc last wrote its build info (it does so once its outputs are written). */
function buildInfoMtime(ws: TempWorkspace): number {
  try {
    return statSync(ws.path('packages/lib/.build-cache/state/tsc/build.tsbuildinfo')).mtimeMs;
  } catch {
    return 0;
  }
}

describe('tsc builder killed with SIGKILL at any point (real processes)', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    const spec = (name: string) => ({ name, config: CONFIG, files: { ...basicSources, 'src/value.ts': 'export const V = 1000;\n' } });
    ws = createWorkspace({ packages: { 'packages/lib': spec('@t/lib'), 'packages/ref': spec('@t/ref') } });
    const r = ws.cli(['build', '@t/lib']);
    expect(r.code, r.output).toBe(0);
  });
  afterAll(() => ws?.dispose());

  it('the next build gives exactly what a clean build gives, whenever the previous one was killed', { timeout: 900_000 }, async () => {
    for (let i = 1; i <= 5; i++) {
      const source = `export const V = ${1000 + i};\n`;
      ws.write('packages/lib/src/value.ts', source);
      ws.write('packages/ref/src/value.ts', source);
      const before = buildInfoMtime(ws);
      const child = spawn(process.execPath, [CLI, 'build', '@t/lib'], { cwd: ws.root, env: ws.env(STALE), stdio: 'ignore' });
      const exited = new Promise((res) => child.on('close', res));
      if (i <= 3) {
        // Right after tsc wrote its build info, before the outputs are swapped in.
        const end = Date.now() + 60_000;
        while (buildInfoMtime(ws) === before && Date.now() < end && child.exitCode === null) await sleep(1);
      } else {
        await sleep(i * 400);
      }
      child.kill('SIGKILL');
      await exited;

      const next = ws.cli(['build', '@t/lib'], STALE);
      expect(next.code, next.output).toBe(0);
      rmSync(ws.path('packages/ref/dist'), { recursive: true, force: true });
      rmSync(ws.path('packages/ref/.build-cache'), { recursive: true, force: true });
      const clean = ws.cli(['build', '@t/ref']);
      expect(clean.code, clean.output).toBe(0);
      // The next build's own account (its out-of-date reasons, reuse, phases) when an output is missing.
      expect(ws.exists('packages/lib/dist/value.js'), `iteration ${i}: ${next.output}`).toBe(true);
      expect(ws.read('packages/lib/dist/value.js'), `iteration ${i}`).toContain(`V = ${1000 + i}`);
      expect(tree(ws.path('packages/lib/dist')), `iteration ${i}`).toEqual(tree(ws.path('packages/ref/dist')));
      const status = JSON.parse(ws.cli(['status', '@t/lib', '--json']).stdout);
      expect(status.stale, JSON.stringify(status.reasons)).toBe(false);
    }
  });
});
