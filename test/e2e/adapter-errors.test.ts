import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TempWorkspace } from '../helpers/workspace';

const BUNDLERS = ['esbuild', 'bun', 'rollup'] as const;

const config = (builder: string, extra = '') => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: '${builder}',${extra}
});
`;

describe('adapters report what esbuild reports (real builders)', () => {
  let ws: TempWorkspace;
  let output = '';
  /** The package's last record (with nx's output when there is none, to see why). */
  const latest = (dir: string) => {
    if (!ws.exists(`${dir}/.build-cache/latest.json`)) throw new Error(`${dir} was not built:\n${output}`);
    return ws.latest(dir);
  };
  const projects: string[] = [];
  beforeAll(() => {
    const packages: Record<string, any> = {
      'packages/tsc-paths': {
        name: '@t/tsc-paths',
        config: config('tsc'),
        files: {
          'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, paths: { '@lib/*': ['./src/lib/*'] } } }),
          'src/index.ts': "// the helper\nimport { h } from '@lib/helper';\nexport const x = h();\n",
          'src/lib/helper.ts': 'export const h = () => 1;\n',
        },
      },
      'packages/esbuild-bad-option': {
        name: '@t/esbuild-bad-option',
        config: config('esbuild', '\n  builderOptions: { jsx: 42 as any },'),
        files: { 'src/index.ts': 'export const a = 1;\n' },
      },
    };
    for (const b of BUNDLERS) {
      packages[`packages/missing-${b}`] = {
        name: `@t/missing-${b}`,
        config: config(b),
        files: { 'src/index.ts': "// a package nobody installed\nimport pad from 'left-pad-not-installed';\nexport const p = pad;\n" },
      };
      packages[`packages/browser-${b}`] = {
        name: `@t/browser-${b}`,
        config: config(b, "\n  platform: 'browser',"),
        files: { 'src/index.ts': "import { readFileSync } from 'node:fs';\nexport const read = () => readFileSync('x', 'utf8');\n" },
      };
    }
    projects.push(...Object.values(packages).map((p) => p.name));
    ws = createWorkspace({ packages });
    output = ws.nx(['run-many', '-t', 'build', `--projects=${projects.join(',')}`, '--parallel=2']).output;
  });
  afterAll(() => ws?.dispose());

  it('rollup fails on an import nobody installed, located like esbuild and bun', () => {
    const located: unknown[] = [];
    for (const b of BUNDLERS) {
      const dir = `packages/missing-${b}`;
      const job = latest(dir);
      expect(job.status, b).toBe('failed');
      expect(job.errors[0], `${b}: ${JSON.stringify(job.errors)}`).toMatchObject({
        code: 'COMPILE_ERROR',
        phase: 'build',
        file: `${dir}/src/index.ts`,
        line: 2,
      });
      expect(job.errors[0].message, b).toContain('left-pad-not-installed');
      located.push([job.errors[0].line, job.errors[0].column]);
      expect(ws.exists(`${dir}/dist/index.js`), b).toBe(false);
    }
    expect(located[2], 'rollup points where esbuild does').toEqual(located[0]);
  });

  it("platform: 'browser' importing node:fs fails under every bundler, located, with the platform hint", () => {
    const located: unknown[] = [];
    for (const b of BUNDLERS) {
      const dir = `packages/browser-${b}`;
      const job = latest(dir);
      expect(job.status, b).toBe('failed');
      expect(job.errors[0], `${b}: ${JSON.stringify(job.errors)}`).toMatchObject({
        code: 'COMPILE_ERROR',
        file: `${dir}/src/index.ts`,
        line: 1,
      });
      expect(job.errors[0].message, b).toContain('node:fs');
      expect(job.errors[0].message, b).toContain("platform: 'node'");
      located.push([job.errors[0].line, job.errors[0].column]);
    }
    expect(located[1]).toEqual(located[0]);
    expect(located[2]).toEqual(located[0]);
  });

  it('a builderOptions value of the wrong type fails validation naming the option (exit code 2), not inside esbuild', () => {
    const job = latest('packages/esbuild-bad-option');
    expect(job).toMatchObject({ status: 'failed', exitCode: 2 });
    expect(job.errors).toMatchObject([
      {
        code: 'CONFIG_INVALID',
        phase: 'validate',
        field: 'builderOptions.jsx',
        found: 'number 42',
        file: 'packages/esbuild-bad-option/build.config.ts',
      },
    ]);
    expect(job.errors[0].expected).toContain('"automatic"');
    expect(JSON.stringify(job.errors)).not.toContain('node_modules');
  });

  it('tsc warns about a tsconfig paths alias it leaves in the output, naming the alias and the file', () => {
    const dir = 'packages/tsc-paths';
    expect(latest(dir).status).toBe('success');
    expect(ws.read(`${dir}/dist/index.js`)).toContain('@lib/helper');
    // run-many prints only failed tasks' output: the run's log has what the terminal showed.
    const log = readFileSync(ws.log(latest(dir)), 'utf8');
    expect(log).toMatch(/warning: packages\/tsc-paths\/src\/index\.ts:2:19: .*"@lib\/\*".*"@lib\/helper"/);
    // and the record carries it, located, for tooling
    expect(latest(dir).warnings).toEqual([expect.objectContaining({ file: 'packages/tsc-paths/src/index.ts', line: 2, column: 19 })]);
    expect(latest(dir).warnings[0].message).toContain('@lib/helper');
  });
});
