import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

describe('adoption with real nx g', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      nxJson: { $schema: './node_modules/nx/schemas/nx-schema.json' },
      packages: {
        'packages/lib': { name: '@t/lib', packageJson: { type: undefined }, files: { 'src/index.ts': `export const hello = (who: string): string => \`hello \${who}\`;\n` } },
        'packages/consumer': {
          name: '@t/consumer',
          packageJson: { dependencies: { '@t/lib': '*' } },
          files: { 'main.mjs': "import { hello } from '@t/lib';\nconsole.log(hello('exports'));\n" },
        },
      },
    });
    ws.write('.gitignore', 'node_modules\n.nx\n');
  });
  afterAll(() => ws?.dispose());

  it('init registers the plugin; running it again changes nothing', () => {
    let r = ws.nx(['g', '@repo/build-system:init', '--no-interactive']);
    expect(r.code, r.output).toBe(0);
    const nxJson = ws.read('nx.json');
    const gitignore = ws.read('.gitignore');
    expect(JSON.parse(nxJson).plugins).toContainEqual(expect.objectContaining({ plugin: '@repo/build-system/plugin' }));
    expect(gitignore).toMatch(/^\.build-cache$/m);
    r = ws.nx(['g', '@repo/build-system:init', '--no-interactive']);
    expect(r.code, r.output).toBe(0);
    expect(ws.read('nx.json')).toBe(nxJson);
    expect(ws.read('.gitignore')).toBe(gitignore);
  });

  it('config then build succeeds first time, and the package resolves through its own exports', () => {
    let r = ws.nx(['g', '@repo/build-system:config', '@t/lib', '--format=esm,cjs', '--no-interactive']);
    expect(r.code, r.output).toBe(0);
    expect(ws.read('packages/lib/build.config.ts')).toContain("builder: 'bun'");
    r = ws.nx(['run', '@t/lib:build']);
    expect(r.code, r.output).toBe(0);
    expect(ws.latest('packages/lib')).toMatchObject({ status: 'success', requestedBuilder: 'bun' });
    const run = ws.node(['main.mjs'], ws.path('packages/consumer'));
    expect(run.stdout.trim(), run.output).toBe('hello exports');
    const req = ws.node(['-e', "console.log(require('@t/lib').hello('require'))"], ws.path('packages/consumer'));
    expect(req.stdout.trim(), req.output).toBe('hello require');
  });

  it('config without --force leaves an existing file untouched and fails', () => {
    ws.write('packages/lib/build.config.ts', ws.read('packages/lib/build.config.ts') + '// edited by hand\n');
    const before = ws.read('packages/lib/build.config.ts');
    const r = ws.nx(['g', '@repo/build-system:config', '@t/lib', '--no-interactive']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('already exists; run again with --force');
    expect(ws.read('packages/lib/build.config.ts')).toBe(before);
  });

  it('--dry-run writes nothing', () => {
    ws.addPackage('packages/other', { name: '@t/other', files: { 'src/index.ts': 'export const o = 1;\n' } });
    const r = ws.nx(['g', '@repo/build-system:config', '@t/other', '--dry-run', '--no-interactive']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('packages/other/build.config.ts');
    expect(ws.exists('packages/other/build.config.ts')).toBe(false);
  });
});
