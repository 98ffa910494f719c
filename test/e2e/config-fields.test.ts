import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, REPO_ROOT, type RunResult, type TempWorkspace } from '../helpers/workspace';

const doc = (r: RunResult) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document:\n${r.output}`);
  }
};
const config = (fields: string) => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'esbuild',
  entry: 'src/index.ts',${fields}
});
`;
const files = { 'src/index.ts': 'export const a = 1;\n' };

describe('extensible fields: typos fail, meta is kept, other unknown keys are warned about', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/typo': { name: '@e/typo', config: config("\n  outDir: 'lib',"), files },
        'packages/own': {
          name: '@e/own',
          config: config("\n  outputDir: 'dist',\n  meta: { team: 'web', tier: 2 },\n  owningTeam: 'web',"),
          files,
        },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('`outDir` fails validation with "did you mean outputDir", located in the config file', () => {
    const r = ws.cli(['build', '@e/typo', '--json']);
    expect(r.code, r.output).not.toBe(0);
    const job = doc(r).jobs[0];
    expect(job.status).toBe('failed');
    expect(job.errors[0]).toMatchObject({ code: 'CONFIG_INVALID', field: 'outDir', file: 'packages/typo/build.config.ts' });
    expect(job.errors[0].message).toContain('did you mean "outputDir"');
  });

  it('`meta` is kept in the record; an unrelated key is a warning naming file and key, and the build succeeds', () => {
    const r = ws.cli(['build', '@e/own']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('packages/own/build.config.ts');
    expect(r.output).toContain('"owningTeam"');
    const job = ws.latest('packages/own');
    expect(job.status).toBe('success');
    expect(job.meta).toEqual({ team: 'web', tier: 2 });
    expect(job.warnings).toContainEqual(
      expect.objectContaining({ code: 'CONFIG_UNKNOWN_FIELD', field: 'owningTeam', file: 'packages/own/build.config.ts' }),
    );
    expect(ws.exists('packages/own/dist/index.js')).toBe(true);
  });

  it('under nx the same: the warning does not fail the target', () => {
    const r = ws.nx(['run', '@e/own:build', '--skip-nx-cache']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('owningTeam');
  });
});

describe('friendlyName: shown everywhere a package is, never an identity', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: { 'packages/web': { name: '@e/web', config: config("\n  friendlyName: 'Web storefront',"), files } },
    });
  });
  afterAll(() => ws?.dispose());

  it('list --json, the record (displayName), the terminal summary, status and the builds page', () => {
    const listed = doc(ws.cli(['list', '--json'])).projects;
    expect(listed).toEqual([expect.objectContaining({ name: '@e/web', displayName: 'Web storefront' })]);
    const built = ws.cli(['build', '@e/web']);
    expect(built.code, built.output).toBe(0);
    expect(built.stdout).toContain('@e/web (Web storefront)');
    const job = ws.latest('packages/web');
    expect(job).toMatchObject({ packageName: '@e/web', displayName: 'Web storefront' });
    const status = doc(ws.cli(['status', '@e/web', '--json']));
    expect(status).toMatchObject({ project: '@e/web', displayName: 'Web storefront' });
    expect(ws.cli(['status', '@e/web']).stdout).toContain('@e/web "Web storefront"');
    // The friendly name does not name a project.
    expect(ws.cli(['status', 'Web storefront']).code).toBe(2);
    const report = ws.cli(['report', '--out', 'report.html']);
    expect(report.code, report.output).toBe(0);
    expect(ws.read('report.html')).toContain('<span class="display-name">Web storefront</span>');
  });
});

describe('safe clean: --dry-run deletes nothing, keep globs survive, nothing outside the package', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/k': {
          name: '@e/k',
          config: config(
            "\n  outputDir: 'dist',\n  clean: { command: 'node -e \"require(\\'fs\\').writeFileSync(\\'cleaned.txt\\', \\'x\\')\"', keep: ['dist/.gitkeep', 'dist/assets/**'] },",
          ),
          files,
        },
        'packages/escape': { name: '@e/escape', config: config("\n  clean: { keep: ['../k/dist/**'] },"), files },
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('clean --dry-run lists what would go and deletes nothing (no hook runs)', () => {
    expect(ws.cli(['build', '@e/k']).code).toBe(0);
    ws.write('packages/k/dist/.gitkeep', '');
    ws.write('packages/k/dist/assets/logo.svg', '<svg/>');
    ws.write('packages/k/dist/sub/x.txt', 'x');
    const r = ws.cli(['clean', '@e/k', '--dry-run', '--json']);
    expect(r.code, r.output).toBe(0);
    const out = doc(r);
    expect(out.dryRun).toBe(true);
    expect(out.removed).toEqual(expect.arrayContaining(['dist/index.js', 'dist/sub']));
    expect(out.removed).not.toContain('dist/.gitkeep');
    expect(out.removed).not.toContain('dist/assets');
    expect(ws.exists('packages/k/dist/index.js')).toBe(true);
    expect(ws.exists('packages/k/dist/sub/x.txt')).toBe(true);
    expect(ws.exists('packages/k/cleaned.txt')).toBe(false);
    expect(ws.cli(['clean', '@e/k', '--dry-run']).stdout).toMatch(/^would remove: .*dist\/index\.js/m);
  });

  it('clean removes the outputs but the kept files, and runs the command', () => {
    const r = ws.cli(['clean', '@e/k', '--json']);
    expect(r.code, r.output).toBe(0);
    expect(ws.exists('packages/k/dist/index.js')).toBe(false);
    expect(ws.exists('packages/k/dist/sub')).toBe(false);
    expect(ws.read('packages/k/dist/.gitkeep')).toBe('');
    expect(ws.read('packages/k/dist/assets/logo.svg')).toBe('<svg/>');
    expect(ws.exists('packages/k/cleaned.txt')).toBe(true);
  });

  it('a keep glob leaving the package is a config error', () => {
    const r = ws.cli(['clean', '@e/escape', '--json']);
    expect(r.code).toBe(2);
    expect(doc(r).errors[0]).toMatchObject({ code: 'CONFIG_INVALID', field: 'clean.keep.0' });
  });
});

describe('cache.key and cache.maxAge', () => {
  let ws: TempWorkspace;
  const keyed = config("\n  cache: { key: { files: ['../../shared/flags.json'], env: ['FEATURE_X'], runtime: true }, maxAge: '7d' },");
  beforeAll(() => {
    ws = createWorkspace({ packages: { 'packages/c': { name: '@e/c', config: keyed, files } } });
    ws.write('shared/flags.json', '{"a":1}\n');
  });
  afterAll(() => ws?.dispose());

  const cached = (output: string) => /\[(local cache|existing outputs match the cache, left as is)\]/.test(output);
  const nxBuild = (env: Record<string, string> = {}) => {
    const r = ws.nx(['run', '@e/c:build'], env);
    expect(r.code, r.output).toBe(0);
    return cached(r.output);
  };
  const cliBuild = (env: Record<string, string> = {}) => {
    const r = ws.cli(['build', '@e/c', '--json'], env);
    expect(r.code, r.output).toBe(0);
    return doc(r).jobs[0].cache as string;
  };

  it('under nx: a key file outside the package and a key env variable each turn a hit into a miss; maxAge is described', () => {
    expect(nxBuild()).toBe(false);
    expect(nxBuild()).toBe(true);
    ws.write('shared/flags.json', '{"a":2}\n');
    expect(nxBuild()).toBe(false);
    expect(nxBuild()).toBe(true);
    expect(nxBuild({ FEATURE_X: 'on' })).toBe(false);
    expect(nxBuild({ FEATURE_X: 'on' })).toBe(true);
    const target = JSON.parse(ws.nx(['show', 'project', '@e/c', '--json']).stdout).targets.build;
    expect(target.inputs).toEqual(
      expect.arrayContaining([
        '{workspaceRoot}/shared/flags.json',
        { env: 'FEATURE_X' },
        expect.objectContaining({ runtime: expect.any(String) }),
      ]),
    );
    expect(target.metadata.description).toContain('cache.maxAge (7d)');
    expect(target.metadata.description).toContain('maxCacheSize');
  });

  it('the CLI: the same turn an up-to-date result into a build, and maxAge expires it (clock injected)', () => {
    cliBuild();
    expect(cliBuild()).toBe('up-to-date');
    ws.write('shared/flags.json', '{"a":3}\n');
    expect(cliBuild()).toBe('miss');
    expect(cliBuild()).toBe('up-to-date');
    expect(cliBuild({ FEATURE_X: 'on' })).toBe('miss');
    expect(cliBuild({ FEATURE_X: 'on' })).toBe('up-to-date');
    const inSixDays = new Date(Date.now() + 6 * 86_400_000).toISOString();
    const inEightDays = new Date(Date.now() + 8 * 86_400_000).toISOString();
    expect(cliBuild({ FEATURE_X: 'on', BUILD_SYSTEM_NOW: inSixDays })).toBe('up-to-date');
    const expired = ws.cli(['build', '@e/c'], { FEATURE_X: 'on', BUILD_SYSTEM_NOW: inEightDays });
    expect(expired.code, expired.output).toBe(0);
    expect(expired.output).toContain('older than cache.maxAge (7d)');
    expect(ws.latest('packages/c').cache).toBe('miss');
  });
});

describe('incremental: false', () => {
  let ws: TempWorkspace;
  const tscConfig = (extra: string) => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: 'tsc', entry: 'src/index.ts', dts: true,${extra} });
`;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/full': { name: '@e/full', config: tscConfig(' incremental: false,'), files },
        'packages/inc': { name: '@e/inc', config: tscConfig(''), files },
      },
    });
  });
  afterAll(() => ws?.dispose());

  const buildInfos = (dir: string) => {
    const fg = require('fast-glob') as typeof import('fast-glob');
    return fg.sync('**/*.tsbuildinfo', { cwd: ws.path(dir, '.build-cache'), dot: true });
  };

  it('writes no tsc build info, builds in full every time, and says so in the record', () => {
    for (const force of [[], ['--force']]) {
      const r = ws.cli(['build', '@e/full', ...force]);
      expect(r.code, r.output).toBe(0);
      expect(buildInfos('packages/full')).toEqual([]);
      expect(ws.latest('packages/full')).toMatchObject({ status: 'success', cache: 'miss', incremental: false });
      expect(ws.exists('packages/full/dist/index.js')).toBe(true);
      expect(ws.exists('packages/full/dist/index.d.ts')).toBe(true);
    }
    // The default keeps tsc's build info between builds.
    const inc = ws.cli(['build', '@e/inc']);
    expect(inc.code, inc.output).toBe(0);
    expect(buildInfos('packages/inc').length).toBeGreaterThan(0);
    expect(ws.latest('packages/inc').incremental).toBe(true);
  });
});

describe('builderOptions typed per builder', () => {
  let ws: TempWorkspace;
  const typed = (builder: string, options: string) => `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({ builder: '${builder}', entry: 'src/index.ts', builderOptions: ${options} });
`;
  beforeAll(() => {
    ws = createWorkspace({
      packages: {
        'packages/bad': { name: '@e/bad', config: typed('esbuild', '{ jsx: 42 }'), files },
        'packages/wrong-builder': { name: '@e/wrong', config: typed('tsc', "{ jsx: 'automatic' }"), files },
        'packages/good': {
          name: '@e/good',
          config: `import { defineBuildConfig } from '@repo/build-system';
export default defineBuildConfig({
  builder: 'esbuild',
  entry: 'src/index.ts',
  builderOptions: { jsx: 'automatic', keepNames: true },
  environments: { development: { builderOptions: { legalComments: 'none' } } },
});
`,
          files,
        },
        'packages/tsc': { name: '@e/tsc', config: typed('tsc', '{ compilerOptions: { strict: true } }'), files },
        'packages/default': { name: '@e/default', config: config('\n  builderOptions: { splitting: true },'), files },
      },
    });
    const tsconfig = {
      compilerOptions: { module: 'esnext', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
    };
    for (const dir of ['bad', 'wrong-builder'])
      ws.write(`packages/${dir}/tsconfig.json`, JSON.stringify({ ...tsconfig, files: ['build.config.ts'] }));
    // The valid ones in one program: one tsc run.
    ws.write(
      'tsconfig.valid.json',
      JSON.stringify({ ...tsconfig, files: ['good', 'tsc', 'default'].map((d) => `packages/${d}/build.config.ts`) }),
    );
  });
  afterAll(() => ws?.dispose());

  const typecheck = (dir: string, project = 'tsconfig.json') =>
    ws.node([join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], dir === '.' ? ws.root : ws.path('packages', dir));

  it('`{ builder: "esbuild", builderOptions: { jsx: 42 } }` fails tsc --noEmit, naming jsx', () => {
    const r = typecheck('bad');
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/build\.config\.ts\(2,\d+\): error TS2345/);
    expect(r.output).toContain("'builderOptions.jsx' are incompatible");
  });

  it("another builder's option is a type error too", () => {
    const r = typecheck('wrong-builder');
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('jsx');
  });

  it('valid options type-check, per environment and with the default builder', () => {
    const r = typecheck('.', 'tsconfig.valid.json');
    expect(r.code, r.output).toBe(0);
  });
});
