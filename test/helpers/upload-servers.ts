import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AwsV4Signer } from 'aws4fetch';
import { NX_BIN, REPO_ROOT, type RunResult, type TempWorkspace } from './workspace';

/**
 * Real servers on loopback for upload tests. The test process serves them, so builds must run
 * as child processes that do not block it: `runAsync`, never the spawnSync helpers.
 */

/** How the fault server answers one request. */
export type Reply = number | { status: number; statusText?: string; headers?: Record<string, string> } | 'reset' | 'stall';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  reply: string;
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/** Serves `script` in order (then 200s); resets and stalls on request; keeps what it accepted. */
export async function startFaultServer() {
  const script: Reply[] = [];
  const requests: ReceivedRequest[] = [];
  const stored = new Map<string, Buffer>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const reply = script.length ? script.shift()! : 200;
    const seen: ReceivedRequest = {
      method: req.method!,
      path: decodeURIComponent(req.url!),
      headers: req.headers,
      body: Buffer.alloc(0),
      reply: typeof reply === 'object' ? String(reply.status) : String(reply),
    };
    requests.push(seen);
    if (reply === 'reset') return void req.socket.resetAndDestroy();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.body = Buffer.concat(chunks);
      if (reply === 'stall') return;
      const { status, statusText, headers } = typeof reply === 'number' ? { status: reply, statusText: undefined, headers: {} } : reply;
      // What a store that checks Content-MD5 does with damaged bytes.
      if (status < 300 && req.headers['content-md5'] !== md5(seen.body)) return void res.writeHead(400, 'Bad Digest').end();
      if (status < 300) stored.set(seen.path, seen.body);
      res.writeHead(status, statusText, headers).end();
    });
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    stored,
    /** Replaces what the next requests get. */
    script(...replies: Reply[]) {
      script.splice(0, script.length, ...replies);
      requests.length = 0;
    },
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

/**
 * s3rver (an S3-compatible server) behind a proxy that checks what s3rver 3.7.1 does not: the
 * SigV4 signature (recomputed by aws4fetch, an implementation independent of ours), the signed
 * payload hash, `x-amz-checksum-sha256` and `Content-MD5` against the bytes received. A bad
 * signature gets S3's own answer, which quotes the string to sign and the signature sent.
 */
export async function startS3(secretAccessKey: string, bucket = 'artifacts') {
  const S3rver = require('s3rver');
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port: s3Port } = await s3.run();
  const direct = `http://127.0.0.1:${s3Port}`;
  const authorizations: string[] = [];
  const problems: string[] = [];
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const auth = String(req.headers.authorization ?? '');
      authorizations.push(auth);
      const check = await verify(req, body, auth, secretAccessKey);
      if (check) {
        problems.push(check);
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><StringToSign>${check}</StringToSign><SignatureProvided>${auth}</SignatureProvided></Error>`;
        return void res.writeHead(403, 'Forbidden', { 'content-type': 'application/xml' }).end(xml);
      }
      const forward = http.request(`${direct}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.statusMessage, answer.headers);
        answer.pipe(res);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    endpoint,
    bucket,
    authorizations,
    problems,
    /** An object's bytes, read from s3rver directly. */
    async get(key: string): Promise<Buffer | undefined> {
      const r = await fetch(`${direct}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
      return r.ok ? Buffer.from(await r.arrayBuffer()) : undefined;
    },
    async keys(): Promise<string[]> {
      const xml = await (await fetch(`${direct}/${bucket}?list-type=2`)).text();
      return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]).sort();
    },
    async close() {
      await new Promise<void>((r) => proxy.close(() => r()));
      await s3.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Why a request is refused, or undefined when its signature and checksums hold. */
async function verify(req: http.IncomingMessage, body: Buffer, auth: string, secretAccessKey: string): Promise<string | undefined> {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return `not a SigV4 authorization: ${auth}`;
  const [, accessKeyId, , region, signedHeaders, signature] = m;
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) if (name !== 'host') headers[name] = String(req.headers[name] ?? '');
  const signer = new AwsV4Signer({
    method: req.method,
    url: `http://${req.headers.host}${req.url}`,
    headers,
    accessKeyId,
    secretAccessKey,
    service: 's3',
    region,
    datetime: String(req.headers['x-amz-date']),
    allHeaders: true,
  });
  const expected = /Signature=([0-9a-f]{64})/.exec((await signer.sign()).headers.get('authorization')!)![1];
  if (expected !== signature) return `AWS4-HMAC-SHA256\n${req.headers['x-amz-date']}\n(signature mismatch)`;
  if (req.method === 'PUT') {
    if (req.headers['x-amz-content-sha256'] !== sha256(body).toString('hex')) return 'payload hash';
    if (req.headers['x-amz-checksum-sha256'] !== sha256(body).toString('base64')) return 'x-amz-checksum-sha256';
    if (req.headers['content-md5'] !== md5(body)) return 'content-md5';
  }
  return undefined;
}

/** The CLI (or nx) as a child process that leaves the test's event loop free to serve. */
export function runAsync(
  ws: TempWorkspace,
  args: string[],
  extraEnv: Record<string, string | undefined> = {},
  bin: 'cli' | 'nx' = 'cli',
): Promise<RunResult> {
  const script = bin === 'cli' ? join(REPO_ROOT, 'dist', 'cli.js') : NX_BIN;
  const child = spawn(process.execPath, [script, ...args], { cwd: ws.root, env: ws.env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, output: stdout + stderr })));
}

/** The entries of a .tgz: name → bytes. */
export function untgz(tgz: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(tgz);
  const out = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= tar.length;) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const str = (o: number, l: number) =>
      h
        .subarray(o, o + l)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12), 8);
    const prefix = str(345, 155);
    out.set(prefix ? `${prefix}/${str(0, 100)}` : str(0, 100), Buffer.from(tar.subarray(at + 512, at + 512 + size)));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
