import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildError, fail, ok, type BuildError, type Result } from '../errors';
import type { UploadConfig } from './schema';

/** Where an upload goes, parsed from `upload.to` (docs/upload.md). */
export type UploadTarget =
  { kind: 'directory'; dir: string } | { kind: 'http'; url: string } | { kind: 's3'; bucket: string; prefix: string };

export interface BackoffSettings {
  baseMs: number;
  capMs: number;
}

/** `upload` with its defaults applied and its target parsed. */
export interface ResolvedUpload {
  /** As configured (messages quote it). */
  to: string;
  target: UploadTarget;
  pack: 'tgz' | 'files';
  required: boolean;
  attempts: number;
  timeoutMs: number;
  deadlineMs: number;
  backoff: BackoffSettings;
  /** Values may name variables of the build's environment: `Bearer ${TOKEN}`. */
  headers: Record<string, string>;
}

export const UPLOAD_DEFAULTS = {
  pack: 'tgz',
  required: false,
  attempts: 5,
  timeoutMs: 60_000,
  deadlineMs: 600_000,
  backoff: { baseMs: 500, capMs: 30_000 },
} as const;

/** The variables S3 credentials, region and endpoint are read from (the AWS SDKs' names). */
export const S3_ENV = {
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
  region: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  endpoint: ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'],
} as const;

const TARGET_EXPECTED = 'file:///dir, a directory relative to the workspace root, http(s)://host/path or s3://bucket/prefix';
/** Headers the upload sets itself: a configured value would be overwritten or break the request. */
const OWN_HEADERS = new Set(['host', 'content-length', 'content-md5', 'transfer-encoding']);
const S3_OWN_HEADERS = new Set(['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token', 'x-amz-checksum-sha256']);
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization']);
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `upload` as the build uses it; undefined when not configured (or `false`). */
export function resolveUpload(
  upload: UploadConfig | false | undefined,
  roots: { workspaceRoot: string; packageRoot: string },
  file?: string,
): Result<ResolvedUpload | undefined> {
  if (!upload) return ok(undefined);
  const at = (field: string, message: string, expected: string, found: string) =>
    buildError('CONFIG_INVALID', message, { phase: 'validate', file, field: `upload.${field}`, expected, found });
  const errors: BuildError[] = [];
  const target = parseUploadTarget(upload.to, roots.workspaceRoot);
  if (!target.ok) errors.push(...target.errors.map((e) => ({ ...e, file, field: 'upload.to' })));
  else if (target.value.kind === 'directory' && isInsideDir(target.value.dir, roots.packageRoot)) {
    // Files written there would become inputs (and artifacts) of the next build.
    errors.push(at('to', 'the upload directory is inside the package', 'a directory outside the package root', JSON.stringify(upload.to)));
  }
  for (const [name, value] of Object.entries(upload.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      errors.push(at(`headers.${name}`, 'not a valid header name', 'letters, digits and - _ .', JSON.stringify(name)));
    else if (OWN_HEADERS.has(lower) || (target.ok && target.value.kind === 's3' && S3_OWN_HEADERS.has(lower))) {
      errors.push(at(`headers.${name}`, `${name} is set by the upload itself`, 'another header', JSON.stringify(name)));
    } else if (CREDENTIAL_HEADERS.has(lower) && headerVariables({ [name]: value }).length === 0) {
      // A credential written into build.config.ts is committed, and quoted by every tool that prints the config.
      errors.push(
        at(
          `headers.${name}`,
          'credentials come from the environment',
          'a value naming a variable, e.g. "Bearer ${ARTIFACT_TOKEN}"',
          'a literal value',
        ),
      );
    }
  }
  if (errors.length || !target.ok) return fail(...errors);
  return ok({
    to: upload.to,
    target: target.value,
    pack: upload.pack ?? UPLOAD_DEFAULTS.pack,
    required: upload.required ?? UPLOAD_DEFAULTS.required,
    attempts: upload.attempts ?? UPLOAD_DEFAULTS.attempts,
    timeoutMs: upload.timeoutMs ?? UPLOAD_DEFAULTS.timeoutMs,
    deadlineMs: upload.deadlineMs ?? UPLOAD_DEFAULTS.deadlineMs,
    backoff: {
      baseMs: upload.backoff?.baseMs ?? UPLOAD_DEFAULTS.backoff.baseMs,
      capMs: upload.backoff?.capMs ?? UPLOAD_DEFAULTS.backoff.capMs,
    },
    headers: upload.headers ?? {},
  });
}

/** `s3://bucket/prefix`, `http(s)://…`, `file:///…` or a directory (relative to the workspace root). */
export function parseUploadTarget(to: string, workspaceRoot: string): Result<UploadTarget> {
  const wrong = (message: string) =>
    fail<UploadTarget>(buildError('CONFIG_INVALID', message, { phase: 'validate', expected: TARGET_EXPECTED, found: JSON.stringify(to) }));
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(to)?.[1]?.toLowerCase();
  // `C:\dir` is a Windows path, not a URL with scheme "c".
  if (!scheme || /^[a-z]:[\\/]/i.test(to)) return ok({ kind: 'directory', dir: isAbsolute(to) ? resolve(to) : resolve(workspaceRoot, to) });
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    return wrong('not a valid URL');
  }
  if (url.username || url.password) return wrong('credentials in the URL would reach logs and records: give them through the environment');
  if (url.search || url.hash) return wrong('the URL must not have a query or fragment: object names are appended to its path');
  if (scheme === 'file') {
    if (url.host) return wrong('a file URL names a local directory: file:///absolute/path');
    return ok({ kind: 'directory', dir: resolve(fileURLToPath(url)) });
  }
  if (scheme === 'http' || scheme === 'https') return ok({ kind: 'http', url: url.href.replace(/\/+$/, '') });
  if (scheme === 's3') {
    const bucket = url.hostname;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return wrong(`"${bucket}" is not an S3 bucket name`);
    return ok({ kind: 's3', bucket, prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '') });
  }
  return wrong(`unsupported scheme "${scheme}:"`);
}

/** The variables header values name (`${NAME}`). */
export function headerVariables(headers: Record<string, string>): string[] {
  return [...new Set(Object.values(headers).flatMap((v) => [...v.matchAll(VARIABLE)].map((m) => m[1])))];
}

/** Header values with their variables filled in from `env`, or the variables that are not set. */
export function expandHeaders(headers: Record<string, string>, env: NodeJS.ProcessEnv): Result<Record<string, string>> {
  const missing = headerVariables(headers).filter((n) => !env[n]);
  if (missing.length)
    return fail(buildError('UPLOAD_FAILED', `upload headers name ${missing.join(', ')}, not set in the environment`, { phase: 'upload' }));
  return ok(Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace(VARIABLE, (_, n: string) => env[n]!)])));
}

/**
 * Values the upload sends that no output may show: S3 credentials and whatever variables the
 * headers name. Masked like secretEnv values, listed there or not.
 */
export function uploadSecrets(upload: ResolvedUpload | undefined, env: NodeJS.ProcessEnv): string[] {
  if (!upload) return [];
  const names = [...headerVariables(upload.headers)];
  if (upload.target.kind === 's3') names.push(S3_ENV.accessKeyId, S3_ENV.secretAccessKey, S3_ENV.sessionToken);
  return names.map((n) => env[n]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function isInsideDir(child: string, parent: string): boolean {
  const c = resolve(child);
  const p = resolve(parent);
  return c === p || c.startsWith(p.endsWith('/') ? p : `${p}/`) || c.startsWith(`${p}\\`);
}
