import { describe, expect, it } from 'vitest';
import { expandHeaders, parseUploadTarget, resolveUpload, uploadSecrets, UPLOAD_DEFAULTS } from './upload';

const roots = { workspaceRoot: '/ws', packageRoot: '/ws/packages/a' };

describe('upload targets', () => {
  it.each([
    ['s3://bucket/some/prefix/', { kind: 's3', bucket: 'bucket', prefix: 'some/prefix' }],
    ['s3://my.bucket', { kind: 's3', bucket: 'my.bucket', prefix: '' }],
    ['https://store.example/artifacts/', { kind: 'http', url: 'https://store.example/artifacts' }],
    ['http://127.0.0.1:8080', { kind: 'http', url: 'http://127.0.0.1:8080' }],
    ['file:///srv/artifacts', { kind: 'directory', dir: '/srv/artifacts' }],
    ['artifacts/store', { kind: 'directory', dir: '/ws/artifacts/store' }],
    ['../shared', { kind: 'directory', dir: '/shared' }],
    ['/abs/dir', { kind: 'directory', dir: '/abs/dir' }],
  ])('%s', (to, target) => {
    expect(parseUploadTarget(to, '/ws')).toEqual({ ok: true, value: target });
  });

  it.each([
    ['ftp://host/x', 'unsupported scheme "ftp:"'],
    ['https://user:pw@store.example/x', 'credentials in the URL would reach logs and records: give them through the environment'],
    ['https://store.example/x?token=1', 'the URL must not have a query or fragment: object names are appended to its path'],
    ['s3://Bad_Bucket/x', '"Bad_Bucket" is not an S3 bucket name'],
    ['file://host/share', 'a file URL names a local directory: file:///absolute/path'],
  ])('refuses %s', (to, message) => {
    const r = parseUploadTarget(to, '/ws');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ code: 'CONFIG_INVALID', message, found: JSON.stringify(to) });
  });
});

describe('resolveUpload', () => {
  it('applies the defaults; false and undefined mean no upload', () => {
    expect(resolveUpload({ to: 's3://bkt/p' }, roots)).toEqual({
      ok: true,
      value: {
        to: 's3://bkt/p',
        target: { kind: 's3', bucket: 'bkt', prefix: 'p' },
        ...UPLOAD_DEFAULTS,
        backoff: { ...UPLOAD_DEFAULTS.backoff },
        headers: {},
      },
    });
    expect(resolveUpload({ to: 'x', backoff: { baseMs: 2 } }, roots)).toMatchObject({
      ok: true,
      value: { backoff: { baseMs: 2, capMs: UPLOAD_DEFAULTS.backoff.capMs } },
    });
    expect(resolveUpload(false, roots)).toEqual({ ok: true, value: undefined });
    expect(resolveUpload(undefined, roots)).toEqual({ ok: true, value: undefined });
  });

  it('every problem at once, located by field', () => {
    const r = resolveUpload(
      { to: 'packages/a/uploads', headers: { Authorization: 'Bearer abc', 'content-length': '1', 'bad name': 'x' } },
      roots,
      'packages/a/build.config.ts',
    );
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors.map((e) => [e.field, e.message, e.file])).toEqual([
        ['upload.to', 'the upload directory is inside the package', 'packages/a/build.config.ts'],
        ['upload.headers.Authorization', 'credentials come from the environment', 'packages/a/build.config.ts'],
        ['upload.headers.content-length', 'content-length is set by the upload itself', 'packages/a/build.config.ts'],
        ['upload.headers.bad name', 'not a valid header name', 'packages/a/build.config.ts'],
      ]);
    expect(resolveUpload({ to: 's3://bkt', headers: { 'X-Amz-Date': 'x' } }, roots).ok).toBe(false);
    expect(resolveUpload({ to: 'https://h', headers: { 'X-Amz-Date': 'x' } }, roots).ok).toBe(true);
  });
});

describe('header variables and what is masked', () => {
  it('fills ${NAME} from the environment, or names what is missing', () => {
    expect(expandHeaders({ Authorization: 'Bearer ${TOKEN}', 'x-a': '${A}-${A}' }, { TOKEN: 't0k', A: 'a' })).toEqual({
      ok: true,
      value: { Authorization: 'Bearer t0k', 'x-a': 'a-a' },
    });
    const missing = expandHeaders({ Authorization: 'Bearer ${TOKEN}' }, {});
    expect(missing.ok || missing.errors[0].message).toBe('upload headers name TOKEN, not set in the environment');
  });

  it('S3 credentials and header variables are secrets, listed in secretEnv or not', () => {
    const s3 = resolveUpload({ to: 's3://bkt/p', headers: { 'x-team': '${TEAM}' } }, roots);
    const env = {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret-key',
      AWS_SESSION_TOKEN: 'session',
      TEAM: 'team-x',
      OTHER: 'other',
    };
    expect(uploadSecrets(s3.ok ? s3.value : undefined, env).sort()).toEqual(['AKIDEXAMPLE', 'secret-key', 'session', 'team-x']);
    const http = resolveUpload({ to: 'https://h' }, roots);
    expect(uploadSecrets(http.ok ? http.value : undefined, env)).toEqual([]);
  });
});
