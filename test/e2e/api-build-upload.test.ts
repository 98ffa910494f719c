import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

/** The API's one-package jobs (`build`, `upload`) find their package and record it as the CLI's do. */
describe('api build and upload', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/up': {
          name: '@t/up',
          config: `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'esbuild', upload: { to: 'uploads' } });
`,
          files: { 'src/index.ts': 'export const a = 1;\n' },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('builds, uploads the outputs again as a job of its own, and names an unknown project', () => {
    const script = `const api = require('@repo/build-system');
(async () => {
  const built = await api.build({ project: '@t/up', onOutput: () => {} });
  const uploaded = await api.upload({ project: '@t/up', onOutput: () => {} });
  const unknownUpload = await api.upload({ project: '@t/nope' });
  const unknownBuild = await api.build({ project: '@t/nope' });
  console.log(JSON.stringify({ built, uploaded, unknownUpload, unknownBuild }));
})();`;
    const r = ws.node(['-e', script]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(out.built).toMatchObject({ status: 'success', trigger: 'api', packageName: '@t/up' });
    expect(out.uploaded).toMatchObject({ ok: true, value: { status: 'success', trigger: 'api', metadata: { uploadOf: out.built.id } } });
    expect(out.uploaded.value.uploads).toHaveLength(1);
    expect(readdirSync(ws.path('uploads')).length).toBeGreaterThan(0);
    const unknown = { code: 'PROJECT_NOT_FOUND', message: 'unknown project "@t/nope": buildable projects are @t/up' };
    expect(out.unknownUpload).toEqual({ ok: false, errors: [unknown] });
    expect(out.unknownBuild).toMatchObject({ status: 'failed', errors: [unknown] });
    // Both jobs are in the package's records, the upload last.
    expect(ws.latest('packages/up')).toMatchObject({ id: out.uploaded.value.id });
  });
});
