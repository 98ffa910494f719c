import { buildError, fail, ok, type Result } from '../../errors';
import { S3_ENV } from '../../config/upload';
import { fileBody, responseOutcome } from './http';
import { encodeKey, signS3Request, type S3Credentials } from './sigv4';
import type { UploadTarget } from './target';

export interface S3Location {
  bucket: string;
  prefix: string;
}

/**
 * PutObject to an S3-compatible store, signed with SigV4. Credentials, region and endpoint
 * come from the build's environment (the AWS SDKs' variable names, docs/upload.md); a custom
 * endpoint (MinIO, R2, a test server) is addressed path-style. The payload hash is signed and
 * `x-amz-checksum-sha256` and `Content-MD5` are sent, so S3 stores the bytes read here or nothing.
 */
export function s3Target(
  location: S3Location,
  env: NodeJS.ProcessEnv,
  headers: Record<string, string>,
  now: () => number = Date.now,
): Result<UploadTarget> {
  const credentials = s3Credentials(env);
  if (!credentials.ok) return credentials;
  const region = S3_ENV.region.map((n) => env[n]).find(Boolean) ?? 'us-east-1';
  const endpoint = S3_ENV.endpoint
    .map((n) => env[n])
    .find(Boolean)
    ?.replace(/\/+$/, '');
  const keyOf = (key: string) => (location.prefix ? `${location.prefix}/${key}` : key);
  const urlOf = (key: string) => {
    const path = encodeKey(keyOf(key));
    // Bucket names with dots do not match the wildcard certificate of virtual-hosted style.
    if (endpoint) return new URL(`${endpoint}/${location.bucket}/${path}`);
    if (location.bucket.includes('.')) return new URL(`https://s3.${region}.amazonaws.com/${location.bucket}/${path}`);
    return new URL(`https://${location.bucket}.s3.${region}.amazonaws.com/${path}`);
  };
  return ok({
    uriOf: (key) => `s3://${location.bucket}/${keyOf(key)}`,
    async put(object, signal) {
      const url = urlOf(object.key);
      const signed = signS3Request(
        {
          method: 'PUT',
          url,
          headers: {
            ...headers,
            'content-type': object.contentType,
            'content-md5': object.md5,
            'x-amz-checksum-sha256': Buffer.from(object.sha256, 'hex').toString('base64'),
          },
          payloadHash: object.sha256,
          region,
          now: new Date(now()),
        },
        credentials.value,
      );
      const response = await fetch(url, {
        method: 'PUT',
        body: fileBody(object),
        duplex: 'half',
        redirect: 'manual',
        signal,
        headers: { ...signed, 'content-length': String(object.size) },
      } as RequestInit);
      return responseOutcome(response, signal, s3ErrorCode);
    },
  });
}

function s3Credentials(env: NodeJS.ProcessEnv): Result<S3Credentials> {
  const accessKeyId = env[S3_ENV.accessKeyId];
  const secretAccessKey = env[S3_ENV.secretAccessKey];
  if (!accessKeyId || !secretAccessKey) {
    const missing = [!accessKeyId && S3_ENV.accessKeyId, !secretAccessKey && S3_ENV.secretAccessKey].filter(Boolean).join(' and ');
    return fail(buildError('UPLOAD_FAILED', `no S3 credentials: set ${missing} in the environment`, { phase: 'upload' }));
  }
  const sessionToken = env[S3_ENV.sessionToken];
  return ok({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) });
}

/**
 * The `<Code>` of an S3 error body (`SignatureDoesNotMatch`, `SlowDown`). Only the code: the
 * rest of such a body can quote the string that was signed and the signature sent.
 */
export function s3ErrorCode(body: string): string | undefined {
  return /<Code>([A-Za-z0-9.]{1,64})<\/Code>/.exec(body)?.[1];
}
