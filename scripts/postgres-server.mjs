// A throwaway PostgreSQL server for tests and benchmarks: initdb in a temporary directory,
// listening on 127.0.0.1 only, on a free port. Root cannot run initdb, so as root the server
// runs as the `postgres` user (Debian's package creates it).
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The directory of initdb and pg_ctl: PG_BIN, Debian's newest /usr/lib/postgresql/N/bin, or PATH. */
export function postgresBinDir() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length) return join(base, versions[0], 'bin');
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (which.status === 0) return join(which.stdout.trim(), '..');
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const isRoot = process.getuid?.() === 0;

function runAsServerUser(bin, args) {
  const cmd = isRoot ? 'runuser' : bin;
  const argv = isRoot ? ['-u', 'postgres', '--', bin, ...args] : args;
  return spawnSync(cmd, argv, { encoding: 'utf8' });
}

/**
 * Starts a server; resolves with its URL and start/stop/dispose. `password` sets the
 * superuser's password and requires it over TCP (scram-sha-256), as a real server would.
 */
export async function startPostgres({ password } = {}) {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (no initdb): apt-get install postgresql, or set PG_BIN');
  const dir = mkdtempSync(join(tmpdir(), 'bs-pg-'));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const auth = ['-U', 'postgres', '--no-sync', '--auth-local=trust'];
  if (password) {
    const pwfile = join(dir, 'pw');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
    auth.push('--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
  } else {
    auth.push('--auth-host=trust');
  }
  const init = runAsServerUser(join(bin, 'initdb'), ['-D', data, ...auth]);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  let port = await freePort();
  const options = () =>
    `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=200`;

  const server = {
    dir,
    get port() {
      return port;
    },
    get url() {
      const user = password ? `postgres:${encodeURIComponent(password)}` : 'postgres';
      return `postgres://${user}@127.0.0.1:${port}/postgres`;
    },
    /** Starts it again on the same port (after stop). */
    start() {
      const r = runAsServerUser(join(bin, 'pg_ctl'), [
        '-D',
        data,
        '-o',
        options(),
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-t',
        '60',
        'start',
      ]);
      if (r.status !== 0) throw new Error(`pg_ctl start failed: ${r.stderr || r.stdout}`);
    },
    stop() {
      runAsServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    dispose() {
      server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // A port taken between the probe and the start: try another.
  for (let attempt = 0; ; attempt++) {
    try {
      server.start();
      break;
    } catch (err) {
      if (attempt >= 2) throw err;
      port = await freePort();
    }
  }
  return server;
}
