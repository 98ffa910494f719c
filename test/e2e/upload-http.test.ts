import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';
import { runAsync, startFaultServer, untgz } from '../helpers/upload-servers';

const PKG = 'packages/up';
const TOKEN = 'tok-Upl0ad-S3cret-value';

/** A config whose `upload` is the given object literal (source text). */
const config = (upload: string, extra = '') => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'esbuild',
  format: ['esm', 'cjs'],${extra}
  upload: ${upload},
});
`;
/** Tiny waits so the tests run in moments; the policy itself is unit-tested (src/core/upload/retry.spec.ts). */
const fast = `attempts: 5, timeoutMs: 3000, backoff: { baseMs: 1, capMs: 5 }`;

describe('upload: retries against a fault-injecting HTTP server', () => {
  let ws: TempWorkspace;
  let server: Awaited<ReturnType<typeof startFaultServer>>;
  const outputs = () => ['dist/index.js', 'dist/index.cjs'].map((p) => [p, readFileSync(ws.path(PKG, p))] as const);

  beforeAll(async () => {
    server = await startFaultServer();
    ws = createWorkspace({
      packages: { [PKG]: { name: '@t/up', config: config('false'), files: { 'src/index.ts': 'export const answer: number = 42;\n' } } },
    });
  });
  afterAll(async () => {
    ws?.dispose();
    await server?.close();
  });

  it('503, 503, then 200: uploaded on the third attempt, three attempts recorded, the tarball holds the outputs', async () => {
    ws.write(`${PKG}/build.config.ts`, config(`{ to: '${server.url}/store/', ${fast} }`));
    server.script({ status: 503, statusText: 'Slow Down' }, 503, 200);
    const r = await runAsync(ws, ['build', PKG]);
    expect(r.code, r.output).toBe(0);
    const job = ws.latest(PKG);
    expect(job.status).toBe('success');
    expect(job.phases.map((p: any) => p.name).slice(-3)).toEqual(['artifacts', 'check', 'upload']);
    expect(job.phases.at(-1).status).toBe('success');
    expect(job.uploads).toHaveLength(1);
    const [upload] = job.uploads;
    expect(upload.attempts.map((a: any) => a.status)).toEqual([503, 503, 200]);
    expect(upload.attempts.every((a: any) => typeof a.durationMs === 'number')).toBe(true);
    expect(upload.file).toMatch(/^t-up-1\.0\.0-[0-9a-f]{12}\.tgz$/);
    expect(upload.uri).toBe(`${server.url}/store/${upload.file}`);
    expect(job.artifacts.map((a: any) => a.uri)).toEqual(job.artifacts.map(() => upload.uri));
    expect(r.output).toContain(`upload ${upload.file}: attempt 1 failed (503 Slow Down), retrying in`);
    expect(r.output).toContain(`upload ${upload.file}: attempt 2 failed (503 Service Unavailable), retrying in`);
    // the body was sent again in full each time, and what was stored is the tarball of the outputs
    expect(server.requests.map((q) => q.body.length)).toEqual([
      server.requests[2].body.length,
      server.requests[2].body.length,
      server.requests[2].body.length,
    ]);
    const entries = untgz(server.stored.get(`/store/${upload.file}`)!);
    expect([...entries.keys()]).toEqual(job.artifacts.map((a: any) => a.path));
    for (const [path, bytes] of outputs()) expect(entries.get(path)!.equals(bytes), path).toBe(true);
  });

  it('a reset connection and a stalled server (abandoned at the timeout) are retried', async () => {
    ws.write(
      `${PKG}/build.config.ts`,
      config(`{ to: '${server.url}/store', attempts: 5, timeoutMs: 1500, backoff: { baseMs: 1, capMs: 5 } }`),
    );
    server.script('reset', 'stall', 200);
    const r = await runAsync(ws, ['build', PKG]);
    expect(r.code, r.output).toBe(0);
    const [upload] = ws.latest(PKG).uploads;
    expect(upload.attempts.map((a: any) => a.code ?? a.status)).toEqual([
      expect.stringMatching(/^(ECONNRESET|UND_ERR_SOCKET|EPIPE)$/),
      'TIMEOUT',
      200,
    ]);
    expect(r.output).toContain('attempt 2 failed (no answer within 1500 ms)');
    expect(upload.uri).toBeDefined();
  });

  it('Retry-After is honoured over the (tiny) backoff', async () => {
    ws.write(`${PKG}/build.config.ts`, config(`{ to: '${server.url}/store', ${fast} }`));
    server.script({ status: 429, statusText: 'Too Many Requests', headers: { 'retry-after': '1' } }, 200);
    const r = await runAsync(ws, ['build', PKG]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('attempt 1 failed (429 Too Many Requests), retrying in 1000 ms');
    expect(ws.latest(PKG).uploads[0].attempts.map((a: any) => a.status)).toEqual([429, 200]);
  });

  it('403 is tried once; required: false keeps the build green with a warning', async () => {
    ws.write(`${PKG}/build.config.ts`, config(`{ to: '${server.url}/store', ${fast} }`));
    server.script({ status: 403, statusText: 'Forbidden' });
    // The config of the last test: forced, or the CLI finds the package up to date (and uploads nothing).
    const r = await runAsync(ws, ['build', PKG, '--force']);
    expect(r.code, r.output).toBe(0);
    const job = ws.latest(PKG);
    expect(job).toMatchObject({ status: 'success', exitCode: 0, errors: [] });
    expect(server.requests).toHaveLength(1);
    const [upload] = job.uploads;
    expect(upload.attempts.map((a: any) => a.status)).toEqual([403]);
    expect(upload.uri).toBeUndefined();
    expect(upload.reason).toBe('403 Forbidden; not retried');
    const message = `upload ${upload.file} → ${server.url}/store/${upload.file} failed after 1 attempt (last: 403 Forbidden; not retried)`;
    expect(job.warnings).toContainEqual({ code: 'UPLOAD_FAILED', message, phase: 'upload' });
    expect(job.phases.at(-1)).toMatchObject({ name: 'upload', status: 'failed' });
    expect(job.artifacts.some((a: any) => a.uri)).toBe(false);
    expect(r.output).toContain(`warning: [UPLOAD_FAILED] ${message}`);
  });

  it('required: true fails the build with UPLOAD_FAILED and exit 1, after the configured attempts (CLI and Nx)', async () => {
    ws.write(
      `${PKG}/build.config.ts`,
      config(`{ to: '${server.url}/store', required: true, attempts: 3, timeoutMs: 3000, backoff: { baseMs: 1, capMs: 5 } }`),
    );
    server.script(503, 503, 503, 503, 503, 503, 503);
    const r = await runAsync(ws, ['build', PKG]);
    expect(r.code, r.output).toBe(1);
    const job = ws.latest(PKG);
    expect(job).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(job.errors).toEqual([
      {
        code: 'UPLOAD_FAILED',
        phase: 'upload',
        message: `upload ${job.uploads[0].file} → ${server.url}/store/${job.uploads[0].file} failed after 3 attempts (last: 503 Service Unavailable)`,
      },
    ]);
    expect(server.requests).toHaveLength(3);
    expect(r.output).toContain('error: [UPLOAD_FAILED] upload');

    server.script(503, 503, 503);
    const nx = await runAsync(ws, ['run', '@t/up:build', '--skip-nx-cache'], {}, 'nx');
    expect(nx.code, nx.output).not.toBe(0);
    expect(nx.output).toContain('[UPLOAD_FAILED]');
    expect(ws.latest(PKG).errors[0].code).toBe('UPLOAD_FAILED');
  });

  it('pack: files puts each output at its own key, byte for byte; a header credential never shows', async () => {
    ws.write(
      `${PKG}/build.config.ts`,
      config(
        `{ to: '${server.url}/files', pack: 'files', headers: { Authorization: 'Bearer \${ARTIFACT_TOKEN}', 'x-team': 'build' }, ${fast} }`,
      ),
    );
    server.script();
    const r = await runAsync(ws, ['build', PKG, '--json'], { ARTIFACT_TOKEN: TOKEN });
    expect(r.code, r.output).toBe(0);
    const job = ws.latest(PKG);
    expect(job.uploads.map((u: any) => u.file)).toEqual(job.artifacts.map((a: any) => a.path));
    for (const [path, bytes] of outputs()) {
      const artifact = job.artifacts.find((a: any) => a.path === path);
      expect(artifact.uri).toMatch(new RegExp(`^${server.url}/files/t-up-1\\.0\\.0-[0-9a-f]{12}/${path.replace('.', '\\.')}$`));
      expect(server.stored.get(new URL(artifact.uri).pathname)!.equals(bytes), path).toBe(true);
    }
    expect(server.requests.every((q) => q.headers.authorization === `Bearer ${TOKEN}` && q.headers['x-team'] === 'build')).toBe(true);
    const everything = [r.output, readFileSync(ws.log(job), 'utf8'), JSON.stringify(ws.jobs(PKG))].join('\n');
    expect(everything).not.toContain(TOKEN);
  });

  it('a header variable that is not set: not started, said plainly', async () => {
    ws.write(
      `${PKG}/build.config.ts`,
      config(`{ to: '${server.url}/store', headers: { Authorization: 'Bearer \${ARTIFACT_TOKEN}' }, ${fast} }`),
    );
    server.script();
    const r = await runAsync(ws, ['build', PKG], { ARTIFACT_TOKEN: undefined });
    expect(r.code, r.output).toBe(0);
    expect(server.requests).toHaveLength(0);
    expect(ws.latest(PKG).warnings).toContainEqual(
      expect.objectContaining({ code: 'UPLOAD_FAILED', message: expect.stringContaining('ARTIFACT_TOKEN, not set in the environment') }),
    );
  });

  it('an upload configured for ci only runs with -c ci', async () => {
    ws.write(`${PKG}/build.config.ts`, config('false', `\n  environments: { ci: { upload: { to: '${server.url}/ci', ${fast} } } },`));
    server.script();
    expect((await runAsync(ws, ['build', PKG])).code).toBe(0);
    expect(ws.latest(PKG).uploads).toBeUndefined();
    expect(ws.latest(PKG).phases.map((p: any) => p.name)).not.toContain('upload');
    expect(server.requests).toHaveLength(0);
    const ci = await runAsync(ws, ['build', PKG, '-c', 'ci']);
    expect(ci.code, ci.output).toBe(0);
    expect(ws.latest(PKG).uploads[0].uri).toMatch(new RegExp(`^${server.url}/ci/`));
  });

  it('a wrong upload target is a config error naming the field', async () => {
    ws.write(`${PKG}/build.config.ts`, config(`{ to: 'ftp://host/x' }`));
    const r = await runAsync(ws, ['build', PKG]);
    expect(r.code).toBe(2);
    expect(ws.latest(PKG).errors).toEqual([
      expect.objectContaining({ code: 'CONFIG_INVALID', field: 'upload.to', message: 'unsupported scheme "ftp:"' }),
    ]);
  });
});

describe('upload to a directory, and build-system upload', () => {
  let ws: TempWorkspace;
  let outside: string;
  beforeAll(() => {
    outside = mkdtempSync(join(tmpdir(), 'upload-dir-'));
    ws = createWorkspace({
      packages: {
        [PKG]: {
          name: '@t/up',
          config: config(`{ to: 'artifact-store' }`),
          files: { 'src/index.ts': 'export const answer: number = 42;\n' },
        },
      },
    });
  });
  afterAll(() => {
    ws?.dispose();
    rmSync(outside, { recursive: true, force: true });
  });

  it('a relative directory (from the workspace root): the tarball lands under its name, no temporary file left', async () => {
    const r = await runAsync(ws, ['build', PKG]);
    expect(r.code, r.output).toBe(0);
    const [upload] = ws.latest(PKG).uploads;
    expect(readdirSync(ws.path('artifact-store'))).toEqual([upload.file]);
    expect(upload.uri).toBe(pathToFileURL(ws.path('artifact-store', upload.file)).href);
    const entries = untgz(readFileSync(ws.path('artifact-store', upload.file)));
    expect(entries.get('dist/index.js')!.equals(readFileSync(ws.path(PKG, 'dist/index.js')))).toBe(true);
    // the same outputs give the same tarball, byte for byte
    const first = readFileSync(ws.path('artifact-store', upload.file));
    rmSync(ws.path('artifact-store'), { recursive: true });
    expect((await runAsync(ws, ['build', PKG, '--force'])).code).toBe(0);
    expect(readFileSync(ws.path('artifact-store', upload.file)).equals(first)).toBe(true);
  });

  it('file:// with pack: files; a destination that is a file fails at once (not retried)', async () => {
    ws.write(`${PKG}/build.config.ts`, config(`{ to: '${pathToFileURL(outside).href}', pack: 'files', ${fast} }`));
    expect((await runAsync(ws, ['build', PKG])).code).toBe(0);
    const job = ws.latest(PKG);
    for (const a of job.artifacts) {
      expect(readFileSync(new URL(a.uri)).equals(readFileSync(ws.path(PKG, a.path))), a.path).toBe(true);
    }
    const dir = readdirSync(outside)[0];
    expect(readdirSync(join(outside, dir, 'dist')).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    writeFileSync(join(outside, 'blocked'), 'a file, not a directory');
    ws.write(`${PKG}/build.config.ts`, config(`{ to: '${pathToFileURL(join(outside, 'blocked')).href}', required: true, ${fast} }`));
    const r = await runAsync(ws, ['build', PKG]);
    expect(r.code, r.output).toBe(1);
    const failed = ws.latest(PKG);
    expect(failed.uploads[0].attempts.map((a: any) => a.code)).toEqual(['ENOTDIR']);
    expect(failed.errors[0]).toMatchObject({
      code: 'UPLOAD_FAILED',
      message: expect.stringMatching(/failed after 1 attempt \(last: ENOTDIR.*; not retried\)$/),
    });
  });

  it('build-system upload re-uploads the last successful build as its own job; changed outputs are refused', async () => {
    ws.write(`${PKG}/build.config.ts`, config(`{ to: 'artifact-store', pack: 'files' }`));
    rmSync(ws.path('artifact-store'), { recursive: true, force: true });
    // a failed upload leaves the outputs built but not stored
    ws.write(`${PKG}/build.config.ts`, config(`{ to: 'artifact-store', pack: 'files', headers: { 'x-token': '\${NOT_SET}' } }`));
    expect((await runAsync(ws, ['build', PKG])).code).toBe(0);
    const built = ws.latest(PKG);
    expect(existsSync(ws.path('artifact-store'))).toBe(false);

    ws.write(`${PKG}/build.config.ts`, config(`{ to: 'artifact-store', pack: 'files' }`));
    const r = await runAsync(ws, ['upload', PKG]);
    expect(r.code, r.output).toBe(0);
    const job = ws.latest(PKG);
    expect(job.id).not.toBe(built.id);
    expect(job).toMatchObject({
      status: 'success',
      exitCode: 0,
      inputHash: built.inputHash,
      metadata: expect.objectContaining({ command: 'upload', uploadOf: built.id }),
    });
    expect(job.phases.map((p: any) => p.name)).toEqual(['validate', 'lock', 'upload']);
    expect(job.uploads.map((u: any) => u.file)).toEqual(built.artifacts.map((a: any) => a.path));
    for (const a of job.artifacts) expect(readFileSync(new URL(a.uri)).equals(readFileSync(ws.path(PKG, a.path)))).toBe(true);

    // an output edited since: nothing is uploaded, and it says which file and what to do
    writeFileSync(ws.path(PKG, 'dist/index.js'), '// edited\n');
    rmSync(ws.path('artifact-store'), { recursive: true });
    const refused = await runAsync(ws, ['upload', PKG, '--json']);
    expect(refused.code).toBe(1);
    const out = JSON.parse(refused.stdout);
    expect(out.jobs[0].errors[0]).toMatchObject({
      code: 'UPLOAD_FAILED',
      message: expect.stringContaining('dist/index.js changed since the build recorded it'),
    });
    expect(existsSync(ws.path('artifact-store'))).toBe(false);
  });

  it('build-system upload of a project without upload configured is a usage error', async () => {
    ws.write(`${PKG}/build.config.ts`, config('false'));
    const r = await runAsync(ws, ['upload', PKG]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no upload configured');
  });
});

describe('upload when the CLI builds several packages (dependencies first, in parallel)', () => {
  let ws: TempWorkspace;
  const upload = config(`{ to: 'artifact-store' }`);
  const dirs = ['packages/base', 'packages/top', 'packages/side'];
  const stored = () => (existsSync(ws.path('artifact-store')) ? readdirSync(ws.path('artifact-store')).sort() : []);
  beforeAll(() => {
    ws = createWorkspace({
      noNx: true,
      packages: {
        'packages/base': { name: '@u/base', config: upload, files: { 'src/index.ts': 'export const base = 1;\n' } },
        'packages/top': {
          name: '@u/top',
          packageJson: { dependencies: { '@u/base': '*' } },
          config: upload,
          files: { 'src/index.ts': "import { base } from '@u/base';\nexport const top = base + 1;\n" },
        },
        'packages/side': { name: '@u/side', config: upload, files: { 'src/index.ts': 'export const side = 3;\n' } },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('each package built uploads its outputs; an up-to-date package uploads nothing; build-system upload still does', async () => {
    const r = await runAsync(ws, ['build', '--parallel', '2', '--json']);
    expect(r.code, r.output).toBe(0);
    const built = JSON.parse(r.stdout).jobs;
    expect(built.map((j: any) => j.packageName).indexOf('@u/base')).toBeLessThan(built.map((j: any) => j.packageName).indexOf('@u/top'));
    for (const job of built) {
      expect(job, job.packageName).toMatchObject({ status: 'success', cache: 'miss' });
      expect(job.phases.at(-1), job.packageName).toMatchObject({ name: 'upload', status: 'success' });
      const [u] = job.uploads;
      expect(u.uri).toBe(pathToFileURL(ws.path('artifact-store', u.file)).href);
      expect(job.artifacts.every((a: any) => a.uri === u.uri)).toBe(true);
      const entries = untgz(readFileSync(ws.path('artifact-store', u.file)));
      expect(entries.get('dist/index.js')!.equals(readFileSync(ws.path(job.packagePath, 'dist/index.js'))), job.packageName).toBe(true);
    }
    expect(stored()).toEqual(built.map((j: any) => j.uploads[0].file).sort());
    // An upload job of a build (its record is the newest success of @u/side now).
    expect((await runAsync(ws, ['upload', '@u/side'])).code).toBe(0);
    expect(ws.latest('packages/side').metadata).toMatchObject({ command: 'upload' });

    // Unchanged: up to date, as on an Nx cache hit nothing is uploaded again.
    rmSync(ws.path('artifact-store'), { recursive: true });
    const again = await runAsync(ws, ['build', '--json']);
    expect(again.code, again.output).toBe(0);
    for (const job of JSON.parse(again.stdout).jobs) {
      const first = built.find((j: any) => j.packageName === job.packageName);
      expect(job, job.packageName).toMatchObject({
        status: 'success',
        cache: 'up-to-date',
        metadata: expect.objectContaining({ builtBy: first.id }),
      });
      expect(job.phases.at(-1)).toMatchObject({ name: 'upload', status: 'skipped' });
      expect(job.uploads).toBeUndefined();
      expect(job.artifacts).toEqual(first.artifacts);
    }
    expect(stored()).toEqual([]);

    // What build-system upload is for: the same outputs stored again, each a job of its own.
    const up = await runAsync(ws, ['upload', '@u/base', '@u/top', '--json']);
    expect(up.code, up.output).toBe(0);
    expect(stored()).toEqual(
      built
        .filter((j: any) => j.packageName !== '@u/side')
        .map((j: any) => j.uploads[0].file)
        .sort(),
    );
    // An upload record is not a build: the next build is still up to date, naming the job that built the outputs.
    const third = JSON.parse((await runAsync(ws, ['build', '@u/top', '--json'])).stdout).jobs;
    expect(third.map((j: any) => [j.packageName, j.cache, j.metadata.builtBy])).toEqual(
      ['@u/base', '@u/top'].map((name) => [name, 'up-to-date', built.find((j: any) => j.packageName === name).id]),
    );
    expect(dirs.every((d) => ws.latest(d).status === 'success')).toBe(true);
  });
});
