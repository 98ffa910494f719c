import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, esbuildConfig, type RunResult, type TempWorkspace, isAlive } from '../helpers/workspace';

const doc = (r: RunResult) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${r.code}):\n${r.output.slice(0, 4000)}`);
  }
};

const withPrebuild = (cmd: string, extra = '') => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'esbuild', prebuild: ${JSON.stringify(cmd)},${extra} });
`;

/** Every 6-character piece of `secret` that occurs in `text`. */
const fragments = (text: string, secret: string) => {
  const found: string[] = [];
  for (let i = 0; i + 6 <= secret.length; i++) if (text.includes(secret.slice(i, i + 6))) found.push(secret.slice(i, i + 6));
  return found;
};

/** Processes (other than this one) whose working directory is inside `dir`. */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) found.push(pid);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

describe('output: exact masking across chunks, no duplication past 64 KiB, capped lines and size', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/chatty': {
          name: '@b/chatty',
          config: withPrebuild('node scripts/chatty.mjs', " secretEnv: ['CHATTY_TOKEN']"),
          files: {
            'src/index.ts': 'export const c = 1;\n',
            // 4000 lines (~200 KB), each written in two pieces cut at a different place, so
            // the secret is split across writes (and pipe reads) at every offset.
            'scripts/chatty.mjs': `const s = process.env.CHATTY_TOKEN;
const write = (t) => new Promise((r) => process.stdout.write(t, r));
for (let i = 0; i < 4000; i++) {
  const line = 'line ' + i + ' token: ' + s + ' end\\n';
  const cut = i % line.length;
  await write(line.slice(0, cut));
  if (i % 40 === 0) await new Promise((r) => setTimeout(r, 2));
  await write(line.slice(cut));
}
`,
          },
        },
        'packages/flood': {
          name: '@b/flood',
          config: withPrebuild('node scripts/flood.mjs', " secretEnv: ['FLOOD_TOKEN']"),
          files: {
            'src/index.ts': 'export const f = 1;\n',
            // A 3 MB line with the secret where the line is cut (its first and last 1000
            // characters are kept), then 5000 short lines: the log keeps 40000 characters.
            'scripts/flood.mjs': `const s = process.env.FLOOD_TOKEN;
const L = 3_000_000;
const head = 'a'.repeat(995) + s;
const tail = s + 'c'.repeat(997);
const mid = 'b'.repeat(L - head.length - tail.length).split('').map((c, i) => (i % 400_000 === 7 ? s : c)).join('');
const line = 'start\\n' + head + mid + tail + '\\n';
const write = (t) => new Promise((r) => process.stdout.write(t, r));
for (let i = 0; i < line.length; i += 65521) await write(line.slice(i, i + 65521));
let rows = '';
for (let i = 0; i < 5000; i++) rows += 'row ' + i + '\\n';
await write(rows);
await write('end of flood ' + s + '\\n');
`,
          },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('a hook printing 200 KB, the secret split across writes: the log and the terminal hold each line once, whole and masked', () => {
    const secret = 'sk_live_Ch4tTy9Qw3Er5Ty7';
    const r = ws.cli(['build', '@b/chatty'], { CHATTY_TOKEN: secret });
    expect(r.code, r.output.slice(-2000)).toBe(0);
    const expected = Array.from({ length: 4000 }, (_, i) => `line ${i} token: *** end`);
    const log = ws.read(ws.latest('packages/chatty').logs);
    expect(log.split('\n').filter((l) => l.startsWith('line '))).toEqual(expected);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('line '))).toEqual(expected);
    expect(fragments(log + r.output, secret)).toEqual([]);
  });

  it('3 MB on one line and 5000 lines more: lines and the log are cut (head and tail kept, the cut said), masking still exact', () => {
    const secret = 'sk_live_Fl00dQz8Xc6Vb4Nm';
    const r = ws.cli(['build', '@b/flood', '--json'], {
      FLOOD_TOKEN: secret,
      BUILD_SYSTEM_LOG_MAX_LINE: '2000',
      BUILD_SYSTEM_LOG_MAX_SIZE: '40000',
    });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const job = doc(r).jobs[0];
    expect(job.status).toBe('success');
    const log = ws.read(job.logs);
    // the log: head and tail of 40000 characters, plus the lines saying what was cut
    expect(log.length).toBeLessThan(40000 + 1000);
    expect(r.stderr.length).toBeLessThan(40000 + 2000);
    expect(log).toMatch(/^a{995}\*\*\*b+ \[… \d+ characters cut …\] b*\*\*\*c{997}$/m);
    expect(log).toContain('row 0\n');
    expect(log).toContain('row 4999\nend of flood ***\n');
    expect(log).not.toContain('row 2500\n');
    expect(log).toMatch(/the output passed 20000 characters: the rest is cut, keeping its last 20000 characters/);
    expect(log).toMatch(/… \d+ lines \(\d+ characters\) of output cut here …/);
    expect(fragments(log + r.output, secret)).toEqual([]);
  });
});

describe('a config whose promise never settles', () => {
  let ws: TempWorkspace;
  const hung = `import { defineBuildConfig } from '@repo/build-system';
// never settles, and keeps a timer alive while it waits
export default new Promise(() => { setInterval(() => {}, 60_000); }) as ReturnType<typeof defineBuildConfig>;
`;
  beforeAll(() => {
    ws = createWorkspace({
      nxJson: {
        namedInputs: { default: ['{projectRoot}/**/*'], production: ['default'] },
        plugins: [{ plugin: '@repo/build-system/plugin', options: { configTimeoutMs: 1500 } }],
      },
      packages: {
        'packages/hung': { name: '@h/hung', config: hung, files: { 'src/index.ts': 'export const h = 1;\n' } },
        'packages/ok': { name: '@h/ok', config: esbuildConfig(), files: { 'src/index.ts': 'export const ok = 1;\n' } },
      },
    });
  });
  afterAll(() => ws?.dispose());
  const limit = { BUILD_SYSTEM_CONFIG_TIMEOUT_MS: '1500' };

  it('build-system build fails located (CONFIG_LOAD_FAILED naming the file), with a record, and exits', () => {
    const r = ws.cli(['build', '@h/hung', '--json'], limit);
    expect(r.code, r.output).toBe(2);
    const job = doc(r).jobs[0];
    expect(job.errors[0]).toMatchObject({ code: 'CONFIG_LOAD_FAILED', file: 'packages/hung/build.config.ts', phase: 'validate' });
    expect(job.errors[0].message).toContain('did not finish loading within 1500 ms');
    expect(ws.latest('packages/hung')).toMatchObject({ id: job.id, status: 'failed', exitCode: 2 });
  });

  it('build-system build (all) says so instead of building nothing silently', () => {
    const r = ws.cli(['build'], limit);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('packages/hung/build.config.ts');
    expect(r.output).toContain('[CONFIG_LOAD_FAILED]');
  });

  it('nx show projects lists every project, the hung one with its targets and a warning naming the file', () => {
    const r = ws.nx(['show', 'projects', '--json']);
    expect(r.code, r.output).toBe(0);
    expect(JSON.parse(r.stdout).sort()).toEqual(['@h/hung', '@h/ok']);
    expect(r.stderr).toContain('packages/hung/build.config.ts did not finish loading within 1500 ms');
    const project = JSON.parse(ws.nx(['show', 'project', '@h/hung', '--json']).stdout);
    expect(Object.keys(project.targets)).toEqual(expect.arrayContaining(['build', 'clean']));
    const ok = JSON.parse(ws.nx(['show', 'project', '@h/ok', '--json']).stdout);
    expect(ok.targets.build.outputs).toEqual(['{projectRoot}/dist']);
  });

  it('under nx the task fails with the located error and leaves no process behind', () => {
    const r = ws.nx(['run', '@h/hung:build'], limit);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('packages/hung/build.config.ts');
    expect(r.output).toContain('CONFIG_LOAD_FAILED');
    expect(ws.latest('packages/hung').errors[0]).toMatchObject({ code: 'CONFIG_LOAD_FAILED', file: 'packages/hung/build.config.ts' });
    expect(processesIn(ws.root)).toEqual([]);
    expect(ws.nx(['run', '@h/ok:build']).code).toBe(0);
  });
});

describe('a hook that puts a process in the background', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/bg': {
          name: '@b/bg',
          config: withPrebuild('sleep 120 & echo started in the background'),
          files: { 'src/index.ts': 'export const b = 1;\n' },
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  const leftPid = (warning: { message: string }) => Number(/pid (\d+): sleep 120/.exec(warning.message)?.[1]);

  it.each([
    ['the CLI', () => ws.cli(['build', '@b/bg', '--json'])],
    ['nx', () => ws.nx(['run', '@b/bg:build', '--skip-nx-cache'])],
  ])('with %s, the phase ends when the hook does; a warning names what it left running', (_, run) => {
    const r = run();
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('started in the background');
    const job = ws.latest('packages/bg');
    expect(job.status).toBe('success');
    const warning = job.warnings.find((w: any) => w.code === 'PROCESS_LEFT_RUNNING');
    expect(warning).toMatchObject({ phase: 'prebuild' });
    expect(warning.message).toContain('prebuild hook `sleep 120 & echo started in the background` left a process running');
    expect(r.output).toContain('[PROCESS_LEFT_RUNNING]');
    const pid = leftPid(warning);
    // the build did not wait for it: it is still running
    expect(isAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    expect(statSync(ws.path('packages/bg/dist/index.js')).isFile()).toBe(true);
  });
});
