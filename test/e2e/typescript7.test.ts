import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicSources } from '../fixtures/packages';
import { createWorkspace, REPO_ROOT, type TempWorkspace } from '../helpers/workspace';

const config = (builder: string) => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: '${builder}', format: ['esm', 'cjs'], dts: true });
`;

describe('a workspace on TypeScript 7 (native tsc, no JS compiler API)', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/t': { name: '@t/t', config: config('tsc'), files: basicSources },
        'packages/e': { name: '@t/e', config: config('esbuild'), files: basicSources },
      },
    });
    rmSync(ws.path('node_modules/typescript'), { force: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', 'typescript7'), ws.path('node_modules/typescript'));
  });
  afterAll(() => ws?.dispose());

  it('tsc builds and esbuild declarations come from TypeScript 7', () => {
    expect(ws.node(['-e', "console.log(require('typescript/package.json').version)"]).stdout.trim()).toMatch(/^7\./);
    const r = ws.nx(['run-many', '-t', 'build']);
    expect(r.code, r.output).toBe(0);
    for (const p of ['t', 'e']) {
      expect(ws.read(`packages/${p}/dist/index.d.ts`)).toContain('greet');
      const m = ws.node([
        '--input-type=module',
        '-e',
        `import sum, { greet } from ${JSON.stringify(ws.path(`packages/${p}/dist/index.js`))}; console.log(greet({ to: 'ts7' }), sum(1, 2))`,
      ]);
      expect(m.stdout.trim(), m.output).toBe('HELLO TS7! 3');
    }
    ws.write('packages/t/src/text.ts', `${basicSources['src/text.ts']}export const n: number = 'x';\n`);
    const broken = ws.nx(['run', '@t/t:build']);
    expect(broken.code).not.toBe(0);
    expect(ws.latest('packages/t').errors[0]).toMatchObject({ code: 'TYPE_ERROR', file: 'packages/t/src/text.ts', line: 2 });
  });
});
