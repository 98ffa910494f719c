import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for the two S3 requests an upload makes (PUT, HEAD), written out
 * rather than taken from a package: the payload hash is already known (the artifact's sha256),
 * node:crypto signs synchronously, and the secret and the signature stay inside this file.
 * Checked against AWS's published S3 examples and an independent implementation
 * (sigv4.spec.ts), and against a signature-checking S3 server in test/e2e/upload-s3.test.ts.
 */

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  url: URL;
  /** Headers to send and sign (any case); `host` and the `x-amz-*` signing headers are added. */
  headers: Record<string, string>;
  /** Hex sha256 of the body. */
  payloadHash: string;
  region: string;
  service?: string;
  now: Date;
}

/** The sha256 of no bytes: the payload hash of a HEAD or GET. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The headers to send: the given ones, `x-amz-date`, `x-amz-content-sha256`, the session token and `authorization`. */
export function signS3Request(input: SignInput, credentials: S3Credentials): Record<string, string> {
  const service = input.service ?? 's3';
  const amzDate = input.now.toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  headers['x-amz-date'] = amzDate;
  headers['x-amz-content-sha256'] = input.payloadHash;
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const signed = { host: input.url.host, ...headers };
  const names = Object.keys(signed).sort();
  const canonicalHeaders = names.map((n) => `${n}:${signed[n as keyof typeof signed].trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(input.url),
    canonicalQuery(input.url),
    canonicalHeaders,
    signedHeaders,
    input.payloadHash,
  ].join('\n');
  const scope = `${day}/${input.region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = [day, input.region, service, 'aws4_request'].reduce<Buffer | string>(
    (k, part) => hmac(k, part),
    `AWS4${credentials.secretAccessKey}`,
  );
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/** An S3 object key as a URL path: every segment percent-encoded (RFC 3986), slashes kept. */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeRfc3986).join('/');
}

/** S3 signs the path as sent, encoded once (other services normalize it; S3 does not). */
function canonicalUri(url: URL): string {
  return (
    url.pathname
      .split('/')
      .map((s) => encodeRfc3986(safeDecode(s)))
      .join('/') || '/'
  );
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
