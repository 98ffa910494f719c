import { describe, expect, it } from 'vitest';
import { parseNxRunArgs } from './nx-argv';
import { unknownConfiguration, type GraphProjects } from './pre-tasks';

const argv = (line: string) => ['node', 'nx', ...line.split(' ').filter(Boolean)];

describe('parseNxRunArgs (pure)', () => {
  it.each([
    ['build app -c staging', { configuration: 'staging', targets: ['build'], projects: ['app'] }],
    ['b app --configuration=staging', { configuration: 'staging', targets: ['build'], projects: ['app'] }],
    ['build -c staging app', { configuration: 'staging', targets: ['build'], projects: ['app'] }],
    ['run app:build:staging', { configuration: 'staging', targets: ['build'], projects: ['app'] }],
    ['run app:build --configuration staging', { configuration: 'staging', targets: ['build'], projects: ['app'] }],
    ['run-many -t build,test -p a,b -c staging', { configuration: 'staging', targets: ['build', 'test'], projects: ['a', 'b'] }],
    ['run-many --targets=build -c=staging', { configuration: 'staging', targets: ['build'], projects: undefined }],
    ['affected -t build --base main -c staging', { configuration: 'staging', targets: ['build'], projects: undefined }],
    ['build app --prod', { configuration: 'production', targets: ['build'], projects: ['app'] }],
    ['build app', { configuration: undefined, targets: ['build'], projects: ['app'] }],
  ])('nx %s', (line, expected) => {
    expect(parseNxRunArgs(argv(line))).toEqual(expected);
  });
});

describe('unknownConfiguration (pure)', () => {
  const target = (configurations: string[], executor = '@repo/build-system:build') => ({
    executor,
    configurations: Object.fromEntries(configurations.map((c) => [c, {}])),
  });
  const projects: GraphProjects = {
    app: { data: { targets: { build: target(['development', 'ci', 'production', 'staging']) } } },
    lib: { data: { targets: { build: target(['development', 'ci', 'production']) } } },
    other: { data: { targets: { build: target([], 'nx:run-commands') } } },
  };
  const ask = (configuration: string, projectNames?: string[]) =>
    unknownConfiguration(projects, { configuration, targets: ['build'], projects: projectNames }, 'build');

  it('a named project of ours without the configuration is refused, naming it and what it has', () => {
    expect(ask('staging', ['lib'])).toContain('unknown environment "staging" for lib');
    expect(ask('staging', ['lib'])).toContain('"development" | "ci" | "production"');
    expect(ask('staging', ['app'])).toBeUndefined();
    expect(ask('staging', ['app', 'lib'])).toContain('for lib');
  });
  it('projects that are not ours are left to Nx', () => {
    expect(ask('staging', ['other'])).toBeUndefined();
  });
  it('a command that picks projects needs one of ours to have it', () => {
    expect(ask('staging')).toBeUndefined();
    expect(ask('stagign')).toContain("no project's build config declares it");
  });
});
