import { describe, expect, it } from 'vitest';
import { expandInputs, globToRegExp, howToDeclare, inputMatcher, undeclaredReads, type DeclaredInputs } from './undeclared-inputs';

const namedInputs = {
  default: ['{projectRoot}/**/*'],
  production: ['default', '!{projectRoot}/**/*.test.ts'],
};
const lib = { name: '@t/lib', root: 'packages/lib', namedInputs };
const declared = (inputs?: DeclaredInputs['inputs'], dependencies: DeclaredInputs['dependencies'] = []): DeclaredInputs => ({
  task: '@t/app:build',
  project: { name: '@t/app', root: 'packages/app', namedInputs },
  inputs,
  dependencies,
  projects: [
    { name: '@t/app', root: 'packages/app' },
    { name: '@t/lib', root: 'packages/lib' },
    { name: '@t/other', root: 'packages/other' },
  ],
});
// What the plugin infers for a package (infer-targets.ts), trimmed to the file inputs.
const inferred = [
  'production',
  '^production',
  '{projectRoot}/build.config.ts',
  '{workspaceRoot}/tools/preset.ts',
  '!{projectRoot}/.build-cache/**/*',
  '!{projectRoot}/dist/**/*',
  { env: 'API_URL' },
];

describe('globToRegExp', () => {
  it.each([
    ['packages/a/**/*', 'packages/a/src/x.ts', true],
    ['packages/a/**/*', 'packages/a/x.ts', true],
    ['packages/a/**/*', 'packages/ab/x.ts', false],
    ['packages/a/*.ts', 'packages/a/src/x.ts', false],
    ['packages/a/**/*.{ts,tsx}', 'packages/a/src/x.tsx', true],
    ['packages/a/**/*.{ts,tsx}', 'packages/a/src/x.js', false],
    ['**/*', '.eslintrc', true],
    ['tools/preset.ts', 'tools/preset.ts', true],
    ['tools/preset.ts', 'tools/preset.tsx', false],
    ['packages/lib/dist', 'packages/lib/dist/index.d.ts', true],
    ['src/[ab].ts', 'src/b.ts', true],
  ])('%s matches %s: %s', (glob, file, expected) => {
    expect(globToRegExp(glob).test(file)).toBe(expected);
  });
});

describe('expandInputs', () => {
  it("splits a target's inputs into the project's filesets and its dependencies' inputs, as Nx does", () => {
    expect(
      expandInputs(
        [...inferred, { fileset: '{workspaceRoot}/x', dependencies: true }, { input: 'production', projects: ['other'] }],
        namedInputs,
      ),
    ).toEqual({
      filesets: [
        '{projectRoot}/**/*',
        '!{projectRoot}/**/*.test.ts',
        '{projectRoot}/build.config.ts',
        '{workspaceRoot}/tools/preset.ts',
        '!{projectRoot}/.build-cache/**/*',
        '!{projectRoot}/dist/**/*',
      ],
      dependencyInputs: ['production'],
      dependencyFilesets: ['{workspaceRoot}/x'],
    });
  });
});

describe('inputMatcher', () => {
  it("covers the project's own files minus exclusions, the added workspace files, and dependencies' inputs and outputs", () => {
    const covered = inputMatcher(declared(inferred, [{ ...lib, outputs: ['{projectRoot}/dist'] }]));
    expect(covered('packages/app/src/index.ts')).toBe(true);
    expect(covered('packages/app/src/index.test.ts')).toBe(false);
    expect(covered('tools/preset.ts')).toBe(true);
    expect(covered('tools/other.ts')).toBe(false);
    expect(covered('packages/lib/src/index.ts')).toBe(true);
    // ^production leaves the dependency's tests out; its build outputs are covered by its own hash.
    expect(covered('packages/lib/src/index.test.ts')).toBe(false);
    expect(covered('packages/lib/dist/index.d.ts')).toBe(true);
    expect(covered('packages/other/src/index.ts')).toBe(false);
  });

  it("without inputs, Nx's default: every file of the project and of its dependencies", () => {
    const covered = inputMatcher(declared(undefined, [{ ...lib, outputs: [] }]));
    expect(covered('packages/app/src/index.test.ts')).toBe(true);
    expect(covered('packages/lib/anything')).toBe(true);
    expect(covered('shared/const.ts')).toBe(false);
  });

  it('a root project: {projectRoot} is the workspace root', () => {
    const covered = inputMatcher({ ...declared(['{projectRoot}/src/**/*']), project: { name: 'root', root: '.', namedInputs } });
    expect(covered('src/a.ts')).toBe(true);
    expect(covered('lib/a.ts')).toBe(false);
  });
});

describe('undeclaredReads', () => {
  it('leaves out node_modules and the build state; keeps files outside the workspace', () => {
    const reads = [
      '/ws/packages/app/src/index.ts',
      '/ws/shared/const.ts',
      '/ws/node_modules/typescript/lib/lib.es5.d.ts',
      '/ws/packages/app/.build-cache/state/tsc/lib.es5.d.ts',
      '/elsewhere/x.ts',
      '/ws/shared/const.ts',
    ];
    expect(undeclaredReads(reads, '/ws', 'packages/app', (f) => f.startsWith('packages/app/'))).toEqual([
      '/elsewhere/x.ts',
      'shared/const.ts',
    ]);
  });
});

describe('howToDeclare', () => {
  const config = { packagePath: 'packages/app', cache: {} };
  const d = declared(inferred, [{ ...lib, outputs: [] }]);
  it('a file outside any project: cache.include with its path from the package', () => {
    expect(howToDeclare('shared/const.ts', config, d).hint).toMatch(/add '\.\.\/\.\.\/shared\/const\.ts' to `cache\.include`/);
  });
  it("another project's file: make it a dependency", () => {
    expect(howToDeclare('packages/other/src/x.ts', config, d).hint).toMatch(
      /belongs to project @t\/other: add @t\/other to package\.json dependencies/,
    );
  });
  it('a file of the package left out: by cache.include, by a cache.exclude pattern, or by the named input', () => {
    const file = 'packages/app/src/fixture.test.ts';
    expect(
      howToDeclare(file, { ...config, cache: { include: ['src/**/*.ts', '../../shared/x.ts'], exclude: ['**/*.test.ts'] } }, d),
    ).toEqual({ hint: "`cache.include` does not list it: add 'src/fixture.test.ts'", field: 'cache.include' });
    expect(howToDeclare(file, { ...config, cache: { include: ['../../shared/x.ts'], exclude: ['**/*.test.ts'] } }, d)).toEqual({
      hint: "`cache.exclude` leaves it out ('**/*.test.ts'): narrow that pattern",
      field: 'cache.exclude',
    });
    expect(howToDeclare(file, config, d).hint).toMatch(/named input .*\(`production` in nx\.json\) leaves it out/);
  });
  it('outside the workspace: nothing can declare it', () => {
    expect(howToDeclare('/elsewhere/x.ts', config, d)).toEqual({ hint: expect.stringMatching(/outside the workspace/) });
  });
});
