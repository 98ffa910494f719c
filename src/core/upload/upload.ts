import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expandHeaders, type ResolvedUpload } from '../../config/upload';
import { buildError, fail, ok, type BuildError, type Result } from '../../errors';
import type { Artifact, UploadRecord } from '../records/types';
import { directoryTarget } from './directory';
import { httpTarget } from './http';
import { objectStem } from './naming';
import { packTgz } from './pack-tgz';
import { withRetries, type Clock, type RetryPolicy } from './retry';
import { s3Target } from './s3';
import { attemptPut, type UploadObject, type UploadTarget } from './target';

export interface UploadRequest {
  upload: ResolvedUpload;
  packageRoot: string;
  /** Scratch space for the tarball (under .build-cache). */
  workDir: string;
  packageName: string;
  version?: string;
  artifacts: readonly Artifact[];
  /** The build's environment: credentials and header variables are read from it. */
  env: NodeJS.ProcessEnv;
  log: { info(line: string): void };
  /** Applied to everything this returns or prints. */
  mask: (text: string) => string;
  signal?: AbortSignal;
  clock?: Clock;
  random?: () => number;
}

export interface UploadResult {
  uploads: UploadRecord[];
  /** The artifacts, with `uri` where the upload put them. */
  artifacts: Artifact[];
  /** One per object given up on (`UPLOAD_FAILED`): the caller makes them errors or warnings. */
  failures: BuildError[];
  cancelled: boolean;
}

/** Files of a `files` upload sent at once: enough to hide latency, few enough for any server. */
const CONCURRENCY = 4;

/** Uploads the artifacts as configured, retrying each object under one deadline (docs/upload.md). */
export async function uploadArtifacts(req: UploadRequest): Promise<UploadResult> {
  const { upload, mask } = req;
  const result: UploadResult = { uploads: [], artifacts: req.artifacts.map((a) => ({ ...a })), failures: [], cancelled: false };
  const clock = req.clock;
  const deadlineAt = (clock?.now() ?? Date.now()) + upload.deadlineMs;
  const target = openTarget(upload, req.env);
  const stem = objectStem(req.packageName, req.version, req.artifacts);
  if (!target.ok) {
    const reason = mask(target.errors[0].message);
    result.uploads.push({ file: stem, target: mask(upload.to), attempts: [], reason });
    result.failures.push(buildError('UPLOAD_FAILED', `upload to ${mask(upload.to)} not started: ${reason}`, { phase: 'upload' }));
    return result;
  }
  if (req.artifacts.length === 0) {
    req.log.info('upload: no artifacts to upload');
    return result;
  }
  mkdirSync(req.workDir, { recursive: true });
  const tarball = join(req.workDir, `${stem}.tgz`);
  try {
    const prepared = await prepareObjects(req, stem, tarball);
    if (!prepared.ok) {
      result.failures.push(...prepared.errors.map((e) => ({ ...e, message: mask(e.message) })));
      return result;
    }
    const objects = prepared.value;
    req.log.info(
      mask(
        `upload: ${upload.pack === 'tgz' ? objects[0].file : `${objects.length} files`} → ${upload.pack === 'tgz' ? target.value.uriOf(objects[0].key) : upload.to}`,
      ),
    );
    const policy: RetryPolicy = {
      attempts: upload.attempts,
      timeoutMs: upload.timeoutMs,
      deadlineMs: upload.deadlineMs,
      ...upload.backoff,
    };
    let gaveUp = false;
    let next = 0;
    const worker = async () => {
      while (!gaveUp && next < objects.length) {
        const object = objects[next++];
        const record = await uploadOne(req, target.value, object, policy, deadlineAt);
        result.uploads.push(record);
        if (record.uri) setUris(result.artifacts, upload.pack === 'tgz' ? undefined : object.file, record.uri);
        else {
          gaveUp = true;
          if (record.reason === 'cancelled') result.cancelled = true;
          else result.failures.push(buildError('UPLOAD_FAILED', failureMessage(record), { phase: 'upload' }));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, objects.length) }, worker));
    const notTried = objects.length - result.uploads.length;
    if (notTried > 0 && result.failures.length)
      result.failures[0].message += `; ${notTried} more file${notTried === 1 ? '' : 's'} not attempted`;
    // Workers finish in any order: the record lists objects as they were planned.
    const order = new Map(objects.map((o, i) => [o.file, i]));
    result.uploads.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
    return result;
  } finally {
    rmSync(tarball, { force: true });
  }
}

/** `upload dist.tgz → s3://b/k failed after 5 attempts (last: 503 Slow Down)` */
export function failureMessage(record: UploadRecord): string {
  const n = record.attempts.length;
  return `upload ${record.file} → ${record.target} failed after ${n} attempt${n === 1 ? '' : 's'} (last: ${record.reason})`;
}

function openTarget(upload: ResolvedUpload, env: NodeJS.ProcessEnv): Result<UploadTarget> {
  const headers = expandHeaders(upload.headers, env);
  if (!headers.ok) return headers;
  const t = upload.target;
  if (t.kind === 'directory') return ok(directoryTarget(t.dir));
  if (t.kind === 'http') return ok(httpTarget(t.url, headers.value));
  return s3Target(t, env, headers.value);
}

async function uploadOne(
  req: UploadRequest,
  target: UploadTarget,
  object: UploadObject,
  policy: RetryPolicy,
  deadlineAt: number,
): Promise<UploadRecord> {
  const { mask } = req;
  const uri = target.uriOf(object.key);
  const r = await withRetries((_n, timeoutMs) => attemptPut(target, object, timeoutMs, req.signal), {
    policy,
    deadlineAt,
    clock: req.clock,
    random: req.random,
    signal: req.signal,
    onRetry: (n, outcome, delayMs) =>
      req.log.info(mask(`upload ${object.file}: attempt ${n} failed (${outcome.detail}), retrying in ${delayMs} ms`)),
  });
  const record: UploadRecord = { file: object.file, target: mask(uri), attempts: r.attempts };
  if (r.ok) {
    record.uri = mask(uri);
    req.log.info(mask(`uploaded ${object.file} → ${uri}${r.attempts.length > 1 ? ` (attempt ${r.attempts.length})` : ''}`));
  } else {
    record.reason = mask(r.reason ?? 'failed');
  }
  return record;
}

/** What to send: one tarball, or each artifact; every file hashed again (md5 for the checksum header). */
async function prepareObjects(req: UploadRequest, stem: string, tarball: string): Promise<Result<UploadObject[]>> {
  const errors: BuildError[] = [];
  const described: UploadObject[] = [];
  for (const a of req.artifacts) {
    const source = join(req.packageRoot, a.path);
    const hashed = await hashFile(source).catch(() => undefined);
    if (!hashed) errors.push(buildError('UPLOAD_FAILED', `upload not started: ${a.path} is missing`, { phase: 'upload' }));
    else if (`sha256:${hashed.sha256}` !== a.checksum)
      errors.push(buildError('UPLOAD_FAILED', `upload not started: ${a.path} changed since the build recorded it`, { phase: 'upload' }));
    else
      described.push({ file: a.path, source, key: `${stem}/${a.path}`, ...hashed, contentType: a.mimeType ?? 'application/octet-stream' });
  }
  if (errors.length) return fail(...errors);
  if (req.upload.pack === 'files') return ok(described);
  const entries = described.map((o) => ({
    name: o.file,
    file: o.source,
    size: o.size,
    executable: (statSync(o.source).mode & 0o111) !== 0,
  }));
  let packed;
  try {
    packed = await packTgz(entries, tarball, req.signal);
  } catch (err) {
    return fail(
      buildError('UPLOAD_FAILED', `upload not started: packing ${stem}.tgz failed: ${(err as Error).message}`, { phase: 'upload' }),
    );
  }
  const name = `${stem}.tgz`;
  return ok([
    {
      file: name,
      source: packed.file,
      key: name,
      size: packed.size,
      sha256: packed.sha256,
      md5: packed.md5,
      contentType: 'application/gzip',
    },
  ]);
}

function setUris(artifacts: Artifact[], path: string | undefined, uri: string): void {
  for (const a of artifacts) if (path === undefined || a.path === path) a.uri = uri;
}

async function hashFile(file: string): Promise<{ size: number; sha256: string; md5: string }> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    sha256.update(chunk as Buffer);
    md5.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: sha256.digest('hex'), md5: md5.digest('base64') };
}
