import { createServer, type Server } from 'node:http';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicSources } from '../fixtures/packages';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

/** Nx's self-hosted remote cache protocol: PUT/GET /v1/cache/{hash}, bearer token. */
function startCacheServer(token: string) {
  const entries = new Map<string, Buffer>();
  const log: string[] = [];
  const server: Server = createServer((req, res) => {
    const m = /^\/v1\/cache\/([\w-]+)$/.exec(req.url ?? '');
    if (req.headers.authorization !== `Bearer ${token}`) return res.writeHead(401).end();
    if (!m) return res.writeHead(404).end();
    log.push(`${req.method} ${m[1]}`);
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        entries.set(m[1], Buffer.concat(chunks));
        res.writeHead(200).end();
      });
    } else if (req.method === 'GET') {
      const body = entries.get(m[1]);
      if (!body) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    } else res.writeHead(405).end();
  });
  return new Promise<{ url: string; entries: Map<string, Buffer>; log: string[]; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, entries, log, close: () => server.close() });
    }),
  );
}

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
      else out[`${rel}${n}`] = readFileSync(p, 'base64');
    }
  };
  walk(dir, '');
  return out;
}

const config = `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'esbuild', format: ['esm', 'cjs'], sourcemap: true, dts: true });
`;

describe('distributed use: Nx self-hosted remote cache', () => {
  let a: TempWorkspace;
  let b: TempWorkspace;
  let cache: Awaited<ReturnType<typeof startCacheServer>>;
  const TOKEN = 'test-token-1234';
  const env = () => ({ NX_SELF_HOSTED_REMOTE_CACHE_SERVER: cache.url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: TOKEN });

  beforeAll(async () => {
    cache = await startCacheServer(TOKEN);
    const spec = {
      packages: {
        'packages/lib': { name: '@t/lib', config, files: basicSources },
        ...Object.fromEntries(
          ['bun', 'tsc', 'rollup'].map((b) => [
            `packages/lib-${b}`,
            { name: `@t/lib-${b}`, config: config.replace("'esbuild'", `'${b}'`), files: basicSources },
          ]),
        ),
      },
    };
    a = createWorkspace(spec);
    b = createWorkspace(spec);
  });
  afterAll(() => {
    cache?.close();
    a?.dispose();
    b?.dispose();
  });

  it('a copy at another path is served from the remote cache, byte-identical, recorded as remote-cache', async () => {
    expect(a.root).not.toBe(b.root);
    const first = await a.spawnNx(['run', '@t/lib:build'], env()).done;
    expect(first.code, first.output).toBe(0);
    expect(cache.log.some((l) => l.startsWith('PUT'))).toBe(true);
    const built = tree(a.path('packages/lib/dist'));
    expect(Object.keys(built)).toEqual(expect.arrayContaining(['index.js', 'index.cjs', 'index.d.ts', 'index.js.map']));
    for (const content of Object.values(built)) expect(Buffer.from(content, 'base64').toString('utf8')).not.toContain(a.root);

    const served = await b.spawnNx(['run', '@t/lib:build'], env()).done;
    expect(served.code, served.output).toBe(0);
    expect(served.output).toContain('remote cache');
    expect(tree(b.path('packages/lib/dist'))).toEqual(built);
    const record = b.latest('packages/lib');
    expect(record).toMatchObject({ cache: 'remote-cache', status: 'success', builder: 'esbuild' });
    expect(record.inputHash).toBe(a.latest('packages/lib').inputHash);
    expect(record.artifacts.find((x: any) => x.path === 'dist/index.js').checksum).toBe(
      a.latest('packages/lib').artifacts.find((x: any) => x.path === 'dist/index.js').checksum,
    );

    const rebuilt = await b.spawnNx(['run', '@t/lib:build', '--skip-nx-cache'], env()).done;
    expect(rebuilt.code, rebuilt.output).toBe(0);
    expect(tree(b.path('packages/lib/dist'))).toEqual(built);
  });

  it('every builder writes the same bytes in two copies at different paths (no absolute paths, no timestamps)', async () => {
    for (const ws of [a, b]) {
      const r = await ws.spawnNx(['run-many', '-t', 'build', '--skip-nx-cache', '--parallel=1']).done;
      expect(r.code, r.output).toBe(0);
    }
    for (const builder of ['bun', 'tsc', 'rollup']) {
      const dir = `packages/lib-${builder}/dist`;
      const ta = tree(a.path(dir));
      expect(Object.keys(ta).length, builder).toBeGreaterThan(2);
      expect(tree(b.path(dir)), builder).toEqual(ta);
      for (const content of Object.values(ta)) expect(Buffer.from(content, 'base64').toString('utf8'), builder).not.toContain(a.root);
    }
  });
});
