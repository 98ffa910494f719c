import { existsSync, rmSync, symlinkSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicSources } from '../fixtures/packages';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

describe('builder "bun" where no bun binary exists', () => {
  let ws: TempWorkspace;
  let links: { path: string; target: string }[];
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/b': {
          name: '@t/b',
          config: `import { defineBuildConfig } from '@repo/build-system';\nexport default defineBuildConfig({ builder: 'bun' });\n`,
          files: basicSources,
        },
      },
    });
    links = ['node_modules/bun', 'node_modules/.bin/bun', 'node_modules/.bin/bunx'].map((p) => ({
      path: ws.path(p),
      target: readlinkSync(ws.path(p)),
    }));
  });
  afterAll(() => ws?.dispose());

  const hideBun = () => links.forEach((l) => rmSync(l.path, { force: true }));
  const restoreBun = () => links.forEach((l) => symlinkSync(l.target, l.path));
  // PATH without any directory holding a bun (npm puts this repo's node_modules/.bin there).
  const noBunPath = {
    PATH: (process.env.PATH ?? '')
      .split(':')
      .filter((d) => !/bun/.test(d) && !existsSync(join(d, 'bun')))
      .join(':'),
  };

  it('builds with bun when it is there', () => {
    const r = ws.nx(['run', '@t/b:build'], noBunPath);
    expect(r.code, r.output).toBe(0);
    expect(ws.latest('packages/b')).toMatchObject({ status: 'success', builder: 'bun', requestedBuilder: 'bun' });
  });

  it("falls back to esbuild with one warning, never served from the bun build's cache entry", () => {
    hideBun();
    try {
      const shown = JSON.parse(ws.nx(['show', 'project', '@t/b', '--json'], noBunPath).stdout);
      expect(shown.targets.build.options.builder).toBe('esbuild');
      expect(shown.targets.build.metadata.description).toContain('falling back to esbuild');
      const r = ws.nx(['run', '@t/b:build'], noBunPath);
      expect(r.code, r.output).toBe(0);
      expect(r.output).not.toContain('local cache');
      expect(r.output.match(/builder "bun" requested but no bun binary was found/g)?.length).toBe(1);
      const job = ws.latest('packages/b');
      expect(job).toMatchObject({ status: 'success', builder: 'esbuild', requestedBuilder: 'bun' });
      const mod = ws.node([
        '--input-type=module',
        '-e',
        `import { answer } from ${JSON.stringify(ws.path('packages/b/dist/index.js'))}; console.log(answer)`,
      ]);
      expect(mod.stdout.trim()).toBe('42');
      const fallbackHash = job.inputHash;
      restoreBun();
      const back = ws.nx(['run', '@t/b:build'], noBunPath);
      expect(back.output).toContain('local cache');
      const hit = ws.latest('packages/b');
      expect(hit.inputHash).not.toBe(fallbackHash);
      expect(hit).toMatchObject({ cache: 'local-cache', builder: 'bun' });
    } finally {
      try {
        restoreBun();
      } catch {
        /* already restored */
      }
    }
  });
});
