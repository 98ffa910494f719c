import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, esbuildConfig, type RunResult, type TempWorkspace } from '../helpers/workspace';

/** stdout must be exactly one JSON document: JSON.parse rejects anything before or after it. */
const doc = (r: RunResult) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${r.code}):\n${r.output}`);
  }
};

const REC = 'packages/rec';

describe('the CLI with damaged records, bad arguments and unbuildable packages', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        [REC]: { name: '@qa/rec', config: esbuildConfig(), files: { 'src/index.ts': 'export const rec = 1;\n' } },
        'packages/nocfg': { name: '@qa/nocfg', files: { 'src/index.ts': 'export {};\n' } },
        'packages/badpkg': { name: '@qa/badpkg', config: esbuildConfig(), files: { 'src/index.ts': 'export {};\n' } },
        'packages/wrongall': {
          name: '@qa/wrongall',
          config: esbuildConfig().replace("'esbuild'", "'webpack'"),
          files: { 'src/index.ts': 'export {};\n' },
        },
      },
    });
    ws.write('packages/badpkg/package.json', '{ "name": "@qa/badpkg", ');
    ws.write('packages/nopkg/build.config.ts', esbuildConfig());
    ws.write('packages/nopkg/src/index.ts', 'export {};\n');
  });
  afterAll(() => ws?.dispose());

  const latestFile = () => ws.path(REC, '.build-cache', 'latest.json');
  const jobFile = (id: string) => ws.path(REC, '.build-cache', 'jobs', `${id}.json`);
  const buildRec = () => {
    const r = ws.cli(['build', '@qa/rec', '--json']);
    expect(r.code, r.output).toBe(0);
    return doc(r).jobs[0];
  };

  describe('records that are JSON but not records', () => {
    let first: any;
    beforeAll(() => (first = buildRec()));

    it.each(['{}', '[]', '"x"', '{"status":"failed"}', 'null', '{ not json'])(
      'status falls back to the history when latest.json is %s',
      (content) => {
        writeFileSync(latestFile(), content);
        const json = ws.cli(['status', '@qa/rec', '--json']);
        expect(json.code, json.output).toBe(0);
        expect(doc(json)).toMatchObject({ project: '@qa/rec', status: 'success', latest: { id: first.id } });
        const text = ws.cli(['status', '@qa/rec']);
        expect(text.code, text.output).toBe(0);
        expect(text.stdout).toContain('last build: success');
        expect(text.output).not.toContain('internal error');
      },
    );

    it('the next build replaces an invalid latest.json', () => {
      writeFileSync(latestFile(), '{"status":"failed"}');
      const job = buildRec();
      expect(readFileSync(latestFile(), 'utf8')).toBe(readFileSync(jobFile(job.id), 'utf8'));
    });

    it('a latest.json whose job file does not exist (a far-future id) does not freeze it', () => {
      const bogus = { ...ws.latest(REC), id: '99991231T235959999Z-zzzzzz' };
      writeFileSync(latestFile(), JSON.stringify(bogus));
      const job = buildRec();
      expect(ws.latest(REC).id).toBe(job.id);
    });

    it('history skips job files that are not records, in text and --json', () => {
      // Named to sort newest, so they would be first in the history.
      writeFileSync(jobFile('99990101T000000000Z-null'), 'null');
      writeFileSync(jobFile('99990101T000000000Z-empty'), '{}');
      writeFileSync(jobFile('99990101T000000000Z-other'), JSON.stringify({ ...ws.latest(REC), id: 'another-id' }));
      const valid = ws.jobs(REC).filter((j) => j && typeof j.id === 'string' && j.status && !j.id.startsWith('another'));
      const json = ws.cli(['history', '@qa/rec', '--json']);
      expect(json.code, json.output).toBe(0);
      const jobs = doc(json).jobs;
      expect(jobs.map((j: any) => j.id)).toEqual(valid.map((j) => j.id).reverse());
      expect(doc(ws.cli(['history', '@qa/rec', '--json', '--limit', '1'])).jobs.map((j: any) => j.id)).toEqual([valid.at(-1).id]);
      const text = ws.cli(['history', '@qa/rec']);
      expect(text.code, text.output).toBe(0);
      expect(text.output).not.toMatch(/undefined|internal error/);
      expect(text.stdout.trim().split('\n').length).toBe(2 + valid.length);
    });
  });

  describe('--json: exactly one JSON document on every path', () => {
    it('an unknown option', () => {
      const r = ws.cli(['status', '@qa/rec', '--bogus', '--json']);
      expect(r.code).toBe(2);
      expect(doc(r)).toMatchObject({ exitCode: 2, errors: [{ code: 'USAGE' }] });
      expect(doc(r).errors[0].message).toContain('--bogus');
    });

    it('no command', () => {
      const r = ws.cli(['--json']);
      expect(r.code).toBe(2);
      expect(doc(r)).toMatchObject({ exitCode: 2, errors: [{ code: 'USAGE' }] });
    });

    it('--help', () => {
      const r = ws.cli(['--help', '--json']);
      expect(r.code).toBe(0);
      expect(doc(r).help).toContain('build-system <command>');
    });

    it('without --json, a parse error still shows the usage on stderr', () => {
      const r = ws.cli(['status', '--bogus']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('[USAGE]');
    });
  });

  describe('a bare `build` inside a package that is not buildable builds nothing', () => {
    const jobCounts = () => [REC, 'packages/wrongall', 'packages/badpkg'].map((d) => ws.jobs(d).length);

    it.each([
      ['packages/nocfg', 'CONFIG_NOT_FOUND', /no build\.config.* in packages\/nocfg/],
      ['packages/nocfg/src', 'CONFIG_NOT_FOUND', /no build\.config.* in packages\/nocfg/],
      ['packages/nopkg', 'PACKAGE_JSON_INVALID', /no package\.json in packages\/nopkg/],
      ['packages/badpkg', 'PACKAGE_JSON_INVALID', /package\.json is not valid JSON: /],
    ])('from %s: exit 2 with %s', (dir, code, message) => {
      const before = jobCounts();
      const text = ws.cli(['build'], {}, ws.path(dir));
      expect(text.code, text.output).toBe(2);
      expect(text.stderr).toContain(`[${code}]`);
      expect(text.stderr).toMatch(message);
      const json = ws.cli(['build', '--json'], {}, ws.path(dir));
      expect(json.code, json.output).toBe(2);
      expect(doc(json).errors[0]).toMatchObject({ code, message: expect.stringMatching(message) });
      expect(jobCounts()).toEqual(before);
    });

    it('from a subdirectory of a buildable package, builds that package only', () => {
      const r = ws.cli(['build', '--json'], {}, ws.path(REC, 'src'));
      expect(r.code, r.output).toBe(0);
      expect(doc(r).jobs.map((j: any) => j.packageName)).toEqual(['@qa/rec']);
    });

    it('a package named by path with an invalid package.json says so, naming the file', () => {
      for (const cmd of [
        ['build', 'packages/badpkg'],
        ['status', 'packages/badpkg'],
      ]) {
        const r = ws.cli([...cmd, '--json']);
        expect(r.code, r.output).toBe(2);
        expect(doc(r).errors[0]).toMatchObject({ code: 'PACKAGE_JSON_INVALID', file: 'packages/badpkg/package.json' });
      }
    });

    it('building the whole workspace with a broken package.json fails first, naming it, building nothing', () => {
      const before = ws.jobs(REC).length;
      const r = ws.cli(['build', '--json']);
      expect(r.code, r.output).toBe(2);
      expect(doc(r).errors).toEqual([expect.objectContaining({ code: 'PACKAGE_JSON_INVALID', file: 'packages/badpkg/package.json' })]);
      expect(ws.jobs(REC).length).toBe(before);
    });

    it('list reports the broken package.json as a problem and lists the rest', () => {
      const r = ws.cli(['list', '--json']);
      expect(r.code, r.output).toBe(0);
      const projects = doc(r).projects;
      expect(projects.find((p: any) => p.name === '@qa/rec')).toMatchObject({ builder: 'esbuild' });
      expect(projects.find((p: any) => p.path === 'packages/badpkg')).toMatchObject({
        errors: [{ code: 'PACKAGE_JSON_INVALID', file: 'packages/badpkg/package.json' }],
      });
      const text = ws.cli(['list']);
      expect(text.code, text.output).toBe(0);
      expect(text.stdout).toMatch(/packages\/badpkg .*invalid package\.json/);
    });
  });

  it('the record of a config that fails validation names the package from package.json', () => {
    const r = ws.cli(['build', '@qa/wrongall', '--json']);
    expect(r.code, r.output).toBe(2);
    expect(doc(r).jobs[0]).toMatchObject({
      packageName: '@qa/wrongall',
      packagePath: 'packages/wrongall',
      status: 'failed',
      errors: [{ code: 'CONFIG_INVALID' }],
    });
    expect(ws.latest('packages/wrongall').packageName).toBe('@qa/wrongall');
    expect(ws.cli(['build', '@qa/wrongall']).stdout).toMatch(/^@qa\/wrongall\s+failed/m);
  });
});

describe('the CLI refuses a workspace Nx refuses: one name for two packages, a dependency cycle', () => {
  let ws: TempWorkspace;
  const src = { 'src/index.ts': 'export const x = 1;\n' };
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/dup1': { name: '@w/dup', config: esbuildConfig(), files: src },
        'packages/dup2': { name: '@w/dup', config: esbuildConfig(), files: src },
        'packages/a': { name: '@w/a', config: esbuildConfig(), files: src, packageJson: { dependencies: { '@w/b': '*' } } },
        'packages/b': { name: '@w/b', config: esbuildConfig(), files: src, packageJson: { dependencies: { '@w/a': '*' } } },
        'packages/ok': { name: '@w/ok', config: esbuildConfig(), files: src },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('a name two packages share fails naming both, for the name and for a whole-workspace build', () => {
    for (const args of [
      ['build', '@w/dup', '--json'],
      ['build', '--json'],
    ]) {
      const r = ws.cli(args);
      expect(r.code, r.output).toBe(2);
      expect(doc(r).errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            code: 'WORKSPACE_INVALID',
            field: 'name',
            file: 'packages/dup1/package.json',
            message: 'package name "@w/dup" is also used by packages/dup2',
          }),
          expect.objectContaining({ code: 'WORKSPACE_INVALID', file: 'packages/dup2/package.json' }),
        ]),
      );
    }
    expect(ws.exists('packages/dup1/dist')).toBe(false);
    expect(ws.exists('packages/ok/dist')).toBe(false);
  });

  it('a dependency cycle fails naming it and builds nothing', () => {
    const r = ws.cli(['build', '@w/a', '@w/b', '--json']);
    expect(r.code, r.output).toBe(2);
    expect(doc(r).errors[0]).toMatchObject({ code: 'WORKSPACE_INVALID' });
    expect(doc(r).errors[0].message).toMatch(/cycle: @w\/(a|b) → @w\/(a|b) → @w\/(a|b)$/);
    expect(ws.exists('packages/a/dist') || ws.exists('packages/b/dist')).toBe(false);
    // a package outside the cycle still builds
    expect(ws.cli(['build', '@w/ok']).code).toBe(0);
  });
});

describe('status compares a package with its own files only', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: { 'packages/outer': { name: '@w/outer', config: esbuildConfig(), files: { 'src/index.ts': 'export const outer = 1;\n' } } },
    });
    // a package nested inside another (fixtures, examples): its files are not the outer one's
    ws.write('packages/outer/examples/inner/package.json', JSON.stringify({ name: '@w/inner', version: '1.0.0' }));
    ws.write('packages/outer/examples/inner/src/index.ts', 'export const inner = 1;\n');
  });
  afterAll(() => ws?.dispose());

  it('an edit inside a nested package or under .nx leaves the outer package fresh; its own edit does not', () => {
    expect(ws.cli(['build', '@w/outer']).code).toBe(0);
    ws.write('packages/outer/examples/inner/src/index.ts', 'export const inner = 2;\n');
    ws.write('packages/outer/.nx/workspace-data/x.json', '{}');
    let status = doc(ws.cli(['status', '@w/outer', '--json']));
    expect(status, JSON.stringify(status)).toMatchObject({ stale: false });
    ws.write('packages/outer/src/index.ts', 'export const outer = 2;\n');
    status = doc(ws.cli(['status', '@w/outer', '--json']));
    expect(status.stale).toBe(true);
    expect(status.reasons.join(' ')).toContain('src/index.ts');
  });
});
