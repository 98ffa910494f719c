import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parseRetryAfter, type AttemptOutcome } from './retry';
import type { UploadObject, UploadTarget } from './target';
import { encodeKey } from './sigv4';

/**
 * PUT to `<base>/<key>` with Node's fetch. The body streams from disk (opened per attempt)
 * with its length given; `Content-MD5` and `X-Checksum-Sha256` let the server refuse bytes
 * that were damaged on the way. Redirects are not followed: a streamed body cannot be sent twice.
 */
export function httpTarget(base: string, headers: Record<string, string>): UploadTarget {
  const urlOf = (key: string) => `${base}/${encodeKey(key)}`;
  return {
    uriOf: urlOf,
    async put(object, signal) {
      const response = await fetch(urlOf(object.key), {
        method: 'PUT',
        body: fileBody(object),
        duplex: 'half',
        redirect: 'manual',
        signal,
        headers: {
          ...headers,
          'content-type': object.contentType,
          'content-length': String(object.size),
          'content-md5': object.md5,
          'x-checksum-sha256': object.sha256,
        },
      } as RequestInit);
      return responseOutcome(response, signal);
    },
  };
}

/** The file as a request body, read from disk as it is sent. */
export function fileBody(object: UploadObject): ReadableStream {
  return Readable.toWeb(createReadStream(object.source)) as ReadableStream;
}

/** 2xx is done; anything else is a failure with its status (the body is read only for `extra`). */
export async function responseOutcome(
  response: Response,
  signal: AbortSignal,
  extra?: (body: string) => string | undefined,
): Promise<AttemptOutcome> {
  const body = response.ok || !extra ? await discard(response) : await readSome(response, 64 * 1024, signal);
  if (response.ok) return { ok: true, status: response.status };
  const said = body && extra?.(body);
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
  return {
    ok: false,
    status: response.status,
    detail: `${response.status}${response.statusText ? ` ${response.statusText}` : ''}${said ? ` (${said})` : ''}`,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

async function discard(response: Response): Promise<undefined> {
  await response.body?.cancel().catch(() => undefined);
  return undefined;
}

async function readSome(response: Response, max: number, signal: AbortSignal): Promise<string | undefined> {
  if (!response.body) return undefined;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < max && !signal.aborted) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } catch {
    // An answer cut short still has its status.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}
