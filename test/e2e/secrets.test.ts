import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type RunResult, type TempWorkspace } from '../helpers/workspace';

/**
 * Every path a `secretEnv` value has been seen to leak by: each test asserts the value (and,
 * for a multi-line value, each of its lines; and its JSON-escaped and URL-encoded forms) is
 * in no file of the workspace or the Nx cache and in no terminal output.
 */

/** Every file under `dir`, symlinks not followed (node_modules links to this repository). */
function allFiles(dir: string, skip: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (skip(p)) return [];
    const st = lstatSync(p);
    return st.isDirectory() ? allFiles(p, skip) : st.isFile() ? [p] : [];
  });
}

/** The forms of a secret that must never be written anywhere. */
function forms(secret: string): string[] {
  const lines = secret.split('\n').filter((l) => l.length >= 3);
  return [
    ...new Set([
      secret,
      ...lines,
      JSON.stringify(secret).slice(1, -1),
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
    ]),
  ];
}

function expectNowhere(ws: TempWorkspace, secret: string, outputs: RunResult[], allowed: string[] = []) {
  const found: string[] = [];
  for (const r of outputs) for (const f of forms(secret)) if (r.output.includes(f)) found.push(`terminal output: ${JSON.stringify(f)}`);
  const skip = (p: string) => p.endsWith(`${join('/', 'node_modules')}`) || allowed.some((a) => p === ws.path(a));
  for (const file of allFiles(ws.root, skip)) {
    const bytes = readFileSync(file);
    for (const f of forms(secret)) if (bytes.includes(Buffer.from(f))) found.push(`${file}: ${JSON.stringify(f)}`);
  }
  expect(found).toEqual([]);
}

const header = `import { defineBuildConfig } from '@repo/build-system';\n`;

describe('secretEnv values are masked on every path (real nx, real CLI)', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/rv': {
          name: '@s/rv',
          config: `${header}import { z } from 'zod';
export default defineBuildConfig({
  builder: 'esbuild',
  secretEnv: ['RV_TOKEN'],
  runtimeValidationSchema: z.object({
    RV_TOKEN: z.string().superRefine((v, ctx) => { if (!v.startsWith('pk_')) ctx.addIssue({ code: 'custom', message: 'expected a pk_ token, got ' + v }); }),
  }),
});
`,
          files: { 'src/index.ts': 'export const rv = 1;\n' },
        },
        'packages/throws': {
          name: '@s/throws',
          config: `${header}const token = process.env.THROW_TOKEN ?? '';
if (!token.startsWith('pk_')) throw new Error('THROW_TOKEN must start with pk_, got ' + token);
export default defineBuildConfig({ builder: 'esbuild', secretEnv: ['THROW_TOKEN'] });
`,
          files: { 'src/index.ts': 'export const t = 1;\n' },
        },
        'packages/hook': {
          name: '@s/hook',
          config: `${header}export default defineBuildConfig({
  builder: 'esbuild',
  secretEnv: ['HOOK_TOKEN', 'PEM_KEY', 'ODD_TOKEN'],
  env: { HOOK_TOKEN: '', PEM_KEY: '', ODD_TOKEN: '' },
  prebuild: 'node scripts/print.mjs',
  postbuild: async (ctx) => {
    console.log('console.log sees ' + ctx.env.HOOK_TOKEN);
    console.error('console.error sees ' + ctx.env.HOOK_TOKEN);
    process.stdout.write('stdout.write sees ' + ctx.env.HOOK_TOKEN + '\\n');
  },
});
`,
          files: {
            'src/index.ts': 'export const h = 1;\n',
            'scripts/print.mjs': `const pem = process.env.PEM_KEY, odd = process.env.ODD_TOKEN;
for (const line of pem.split('\\n')) console.log('pem line: ' + line);
console.log('as JSON: ' + JSON.stringify({ odd }));
console.log('as a URL: https://example.test/?token=' + encodeURIComponent(odd));
console.log('as a form: ' + new URLSearchParams({ odd }).toString());
`,
          },
        },
        'packages/fromfile': {
          name: '@s/fromfile',
          config: `${header}import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export default defineBuildConfig({
  builder: 'esbuild',
  secretEnv: ['FILE_TOKEN'],
  env: { FILE_TOKEN: readFileSync(fileURLToPath(new URL('./token.txt', import.meta.url)), 'utf8').trim() },
  prebuild: 'node -e "console.log(process.env.FILE_TOKEN.length)"',
});
`,
          files: { 'src/index.ts': 'export const f = 1;\n', 'token.txt': 'sk_file_Qm7Zt2Lp9Xc4Vb8N\n' },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('a runtimeValidationSchema message that quotes the value: terminal, log and record (CLI and nx)', () => {
    const secret = 'sk_live_Rv4Hd8Kq2Wz6Jm1P';
    const cli = ws.cli(['build', '@s/rv', '--json'], { RV_TOKEN: secret });
    expect(cli.code, cli.output).toBe(2);
    const job = JSON.parse(cli.stdout).jobs[0];
    expect(job.errors[0]).toMatchObject({ code: 'RUNTIME_VALIDATION_FAILED', message: 'expected a pk_ token, got ***' });
    const text = ws.cli(['build', '@s/rv'], { RV_TOKEN: secret });
    expect(text.output).toContain('got ***');
    const nx = ws.nx(['run', '@s/rv:build'], { RV_TOKEN: secret });
    expect(nx.code).not.toBe(0);
    expect(nx.output).toContain('RUNTIME_VALIDATION_FAILED');
    const list = ws.cli(['list', '--json'], { RV_TOKEN: secret });
    expect(ws.read(ws.latest('packages/rv').logs)).toContain('got ***');
    expectNowhere(ws, secret, [cli, text, nx, list]);
  });

  it('a config that throws with the value: CONFIG_LOAD_FAILED masked (CLI, list and nx)', () => {
    const secret = 'sk_live_Th3Xr9Bn5Cv7Lq2M';
    const cli = ws.cli(['build', '@s/throws', '--json'], { THROW_TOKEN: secret });
    expect(cli.code, cli.output).toBe(2);
    expect(JSON.parse(cli.stdout).jobs[0].errors[0]).toMatchObject({ code: 'CONFIG_LOAD_FAILED' });
    expect(JSON.parse(cli.stdout).jobs[0].errors[0].message).toContain('got ***');
    const list = ws.cli(['list'], { THROW_TOKEN: secret });
    expect(list.output).toContain('got ***');
    const nx = ws.nx(['run', '@s/throws:build'], { THROW_TOKEN: secret });
    expect(nx.code).not.toBe(0);
    expect(nx.output).toContain('CONFIG_LOAD_FAILED');
    expectNowhere(ws, secret, [cli, list, nx]);
  });

  it("a function hook's console.log, a multi-line value printed line by line, JSON and URL forms: terminal, log, Nx cache and the log of a cache hit", () => {
    const env = {
      HOOK_TOKEN: 'sk_live_Fn5Gh7Jk9Lm2Np4Q',
      PEM_KEY: '-----BEGIN TEST KEY-----\nMIIBVwIBADANBgkqhkiG9w0BAQEF\nAASCAUEwggE9AgEAAkEAq7BFUpkG\n-----END TEST KEY-----',
      ODD_TOKEN: 'sk_"odd"/token+with&=chars',
    };
    const first = ws.nx(['run', '@s/hook:build'], env);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('console.log sees ***');
    expect(first.output).toContain('console.error sees ***');
    expect(first.output).toContain('stdout.write sees ***');
    expect(first.output).toContain('pem line: ***');
    expect(first.output).toContain('as JSON: {"odd":"***"}');
    expect(first.output).toContain('?token=***');
    const hit = ws.nx(['run', '@s/hook:build'], env);
    expect(hit.output).toContain('local cache');
    const hitJob = ws.latest('packages/hook');
    expect(hitJob.cache).toBe('local-cache');
    expect(ws.read(hitJob.logs)).toContain('console.log sees ***');
    const cli = ws.cli(['build', '@s/hook', '--json'], env);
    expect(cli.code, cli.output).toBe(0);
    // console.log in a hook does not end up in --json's stdout either
    expect(JSON.parse(cli.stdout).jobs[0].status).toBe('success');
    expect(cli.stderr).toContain('console.log sees ***');
    for (const secret of Object.values(env)) expectNowhere(ws, secret, [first, hit, cli]);
  });

  it('an env value the config reads from a file is not stored in plain text (validated-config cache)', () => {
    const secret = 'sk_file_Qm7Zt2Lp9Xc4Vb8N';
    const runs = [
      ws.cli(['build', '@s/fromfile']),
      ws.cli(['build', '@s/fromfile']),
      ws.nx(['run', '@s/fromfile:build', '--skip-nx-cache']),
    ];
    for (const r of runs) expect(r.code, r.output).toBe(0);
    expectNowhere(ws, secret, runs, ['packages/fromfile/token.txt']);
  });
});
