import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, REPO_ROOT, type TempWorkspace } from '../helpers/workspace';
import { walkRelative } from '../../src/utils/files';

/**
 * The declarations thread loads the workspace's TypeScript once per process (dts-thread.ts). A
 * long-lived process (watch, the API) must not go on with the TypeScript it loaded first once
 * the workspace's is replaced on disk (an upgrade in place).
 */
describe('the declarations thread and a TypeScript replaced while the process lives', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/lib': {
          name: '@t/lib',
          config: `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'esbuild', dts: true });
`,
          files: { 'src/index.ts': 'export const value: number = 1;\n' },
        },
      },
    });
    // A copy of its own, to replace in place (the others are links to this repository's).
    rmSync(ws.path('node_modules/typescript'), { recursive: true, force: true });
    cpSync(join(REPO_ROOT, 'node_modules/typescript'), ws.path('node_modules/typescript'), { recursive: true, dereference: true });
  });
  afterAll(() => ws?.dispose());

  /** The TypeScript version the declarations' build info was written by. */
  const buildInfoVersion = () => {
    const state = ws.path('packages/lib/.build-cache/state');
    const file = [...walkRelative(state)].find((f) => f.includes('dts') && f.endsWith('.tsbuildinfo'));
    expect(file, 'a declarations build info').toBeDefined();
    return (JSON.parse(readFileSync(join(state, file!), 'utf8')) as { version: string }).version;
  };

  it('a build after the upgrade uses the new TypeScript, in the same process', () => {
    const lib = ws.path('node_modules/typescript/lib/typescript.js');
    const pkg = ws.path('node_modules/typescript/package.json');
    const current = JSON.parse(readFileSync(pkg, 'utf8')).version as string;
    const upgraded = `${current}-upgraded`;
    // Two builds in one process; between them the TypeScript module and its version change.
    const script = `const fs = require('fs');
const api = require('@repo/build-system');
(async () => {
  const first = await api.build({ project: '@t/lib', onOutput: () => {} });
  const version = JSON.stringify(${JSON.stringify(upgraded)});
  fs.writeFileSync(${JSON.stringify(lib)}, fs.readFileSync(${JSON.stringify(lib)}, 'utf8').replace(/\\bvar version = "[^"]+";/, 'var version = ' + version + ';'));
  const p = JSON.parse(fs.readFileSync(${JSON.stringify(pkg)}, 'utf8'));
  fs.writeFileSync(${JSON.stringify(pkg)}, JSON.stringify({ ...p, version: ${JSON.stringify(upgraded)} }));
  fs.writeFileSync('packages/lib/src/index.ts', 'export const value: number = 2;\\n');
  const second = await api.build({ project: '@t/lib', onOutput: () => {} });
  console.log(JSON.stringify({ first: first.status, second: second.status }));
})();`;
    const r = ws.node(['-e', script]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual({ first: 'success', second: 'success' });
    expect(readFileSync(lib, 'utf8')).toContain(`var version = "${upgraded}";`);
    expect(buildInfoVersion()).toBe(upgraded);
    expect(ws.read('packages/lib/dist/index.d.ts')).toContain('value: number');
    writeFileSync(ws.path('packages/lib/src/index.ts'), 'export const value: number = 1;\n');
  });
});
