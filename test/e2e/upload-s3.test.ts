import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';
import { runAsync, startS3, untgz } from '../helpers/upload-servers';

const PKG = 'packages/s3pkg';
// s3rver knows the access key id S3RVER; the secret is checked by the proxy in front of it.
const ACCESS_KEY_ID = 'S3RVER';
const SECRET = 'uPl0ad/Secret+Key-for-the-test-suite';

const config = (upload: string, extra = '') => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'esbuild',${extra}
  entry: { index: 'src/index.ts', 'cli/main': 'src/cli.ts' },
  upload: ${upload},
});
`;

describe('upload to an S3-compatible server (s3rver, signatures checked)', () => {
  let ws: TempWorkspace;
  let s3: Awaited<ReturnType<typeof startS3>>;
  const env = (secret = SECRET) => ({
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_REGION: 'eu-west-3',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
  });
  /** Everything a user or a tool could read afterwards: terminal output, logs, records. */
  const everything = (output: string) =>
    [output, ...ws.jobs(PKG).map((j) => JSON.stringify(j) + readFileSync(ws.log(j), 'utf8'))].join('\n');

  beforeAll(async () => {
    s3 = await startS3(SECRET);
    ws = createWorkspace({
      packages: {
        [PKG]: {
          name: '@t/s3pkg',
          packageJson: { version: '2.1.0' },
          config: config('false'),
          files: { 'src/index.ts': 'export const answer: number = 42;\n', 'src/cli.ts': "console.log('cli');\n" },
        },
      },
    });
  });
  afterAll(async () => {
    ws?.dispose();
    await s3?.close();
  });

  it('the tarball under the prefix: key, bytes and entries verified; the secret shows nowhere, even printed by a hook', async () => {
    // The secret key is masked without being listed in secretEnv.
    const printsSecret = `\n  prebuild: 'node -e "console.log(\\'key=\\' + process.env.AWS_SECRET_ACCESS_KEY)"',`;
    ws.write(
      `${PKG}/build.config.ts`,
      config(`{ to: 's3://${s3.bucket}/builds/nightly', required: true, backoff: { baseMs: 1, capMs: 5 } }`, printsSecret),
    );
    const r = await runAsync(ws, ['build', PKG], env());
    expect(r.code, r.output).toBe(0);
    expect(s3.problems).toEqual([]);
    const job = ws.latest(PKG);
    const [upload] = job.uploads;
    expect(upload.file).toMatch(/^t-s3pkg-2\.1\.0-[0-9a-f]{12}\.tgz$/);
    const key = `builds/nightly/${upload.file}`;
    expect(upload).toMatchObject({ target: `s3://${s3.bucket}/${key}`, uri: `s3://${s3.bucket}/${key}`, attempts: [{ status: 200 }] });
    expect(await s3.keys()).toEqual([key]);
    const entries = untgz((await s3.get(key))!);
    expect([...entries.keys()]).toEqual(['dist/cli/main.js', 'dist/index.js']);
    for (const [path, bytes] of entries) expect(bytes.equals(readFileSync(ws.path(PKG, path))), path).toBe(true);
    const seen = everything(r.output);
    expect(r.output).toContain('key=***');
    expect(seen).not.toContain(SECRET);
    for (const auth of s3.authorizations) expect(seen).not.toContain(auth.slice(auth.indexOf('Signature=')));
  });

  it('pack: files: one object per output at <prefix>/<name>-<version>-<hash>/<path>', async () => {
    ws.write(
      `${PKG}/build.config.ts`,
      config(`{ to: 's3://${s3.bucket}/files', pack: 'files', required: true, backoff: { baseMs: 1, capMs: 5 } }`),
    );
    const r = await runAsync(ws, ['build', PKG], env());
    expect(r.code, r.output).toBe(0);
    expect(s3.problems).toEqual([]);
    const job = ws.latest(PKG);
    const stem = /^s3:\/\/artifacts\/files\/([^/]+)\/dist\/index\.js$/.exec(
      job.artifacts.find((a: any) => a.path === 'dist/index.js').uri,
    )![1];
    expect(stem).toMatch(/^t-s3pkg-2\.1\.0-[0-9a-f]{12}$/);
    expect((await s3.keys()).filter((k) => k.startsWith('files/'))).toEqual([
      `files/${stem}/dist/cli/main.js`,
      `files/${stem}/dist/index.js`,
    ]);
    for (const a of job.artifacts) {
      expect(a.uri).toBe(`s3://artifacts/files/${stem}/${a.path}`);
      expect((await s3.get(`files/${stem}/${a.path}`))!.equals(readFileSync(ws.path(PKG, a.path))), a.path).toBe(true);
    }
  });

  it('a wrong secret: 403 SignatureDoesNotMatch, tried once, UPLOAD_FAILED; neither secret nor signature in any output', async () => {
    const wrong = 'not-the-right-secret-value-123';
    ws.write(
      `${PKG}/build.config.ts`,
      config(`{ to: 's3://${s3.bucket}/denied', required: true, attempts: 5, backoff: { baseMs: 1, capMs: 5 } }`),
    );
    s3.authorizations.length = 0;
    const r = await runAsync(ws, ['build', PKG, '--json'], env(wrong));
    expect(r.code, r.output).toBe(1);
    expect(s3.authorizations).toHaveLength(1);
    const job = ws.latest(PKG);
    expect(job.uploads[0].attempts.map((a: any) => a.status)).toEqual([403]);
    expect(job.errors).toEqual([
      {
        code: 'UPLOAD_FAILED',
        phase: 'upload',
        message: `upload ${job.uploads[0].file} → s3://${s3.bucket}/denied/${job.uploads[0].file} failed after 1 attempt (last: 403 Forbidden (SignatureDoesNotMatch); not retried)`,
      },
    ]);
    expect((await s3.keys()).filter((k) => k.startsWith('denied/'))).toEqual([]);
    const seen = everything(r.output);
    expect(seen).not.toContain(wrong);
    expect(seen).not.toContain(SECRET);
    expect(seen).not.toContain(s3.authorizations[0]);
    expect(seen).not.toContain('Signature=');
  });

  it('no credentials: not started, a warning naming the variables to set', async () => {
    ws.write(`${PKG}/build.config.ts`, config(`{ to: 's3://${s3.bucket}/none' }`));
    const r = await runAsync(ws, ['build', PKG], { ...env(), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    expect(r.code, r.output).toBe(0);
    expect(ws.latest(PKG).warnings).toContainEqual({
      code: 'UPLOAD_FAILED',
      phase: 'upload',
      message: `upload to s3://${s3.bucket}/none not started: no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment`,
    });
  });
});
