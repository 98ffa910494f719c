import { readNxJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { initGenerator } from '../../src/generators/init/generator';

/**
 * The variables a .env sets, as Nx's dotenv loader reads the lines these tests write: `KEY=value`,
 * an optional `export`, quotes stripped, `#` comments, CRLF or LF; a later line wins.
 */
function parse(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const quoted = /^(["'])(.*)\1$/.exec(m[2]);
    vars[m[1]] = quoted ? quoted[2] : m[2].replace(/\s+#.*$/, '');
  }
  return vars;
}

/** `nx add @repo/build-system --inProcessPlugins` (the init generator's option). */
describe('init --inProcessPlugins', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.delete('.oxfmtrc.json');
    writeJson(tree, 'package.json', { name: 'ws', private: true });
  });
  const env = () => tree.read('.env', 'utf-8')!;

  it('writes NX_ISOLATE_PLUGINS=false to a new .env, with a comment, and registers the plugin as without it', async () => {
    await initGenerator(tree, { inProcessPlugins: true });
    expect(parse(env())).toEqual({ NX_ISOLATE_PLUGINS: 'false' });
    expect(env()).toMatch(/^# @repo\/build-system \(nx add --inProcessPlugins\): Nx loads plugins inside its own process/);
    expect(env().endsWith('\nNX_ISOLATE_PLUGINS=false\n')).toBe(true);
    expect(readNxJson(tree)!.plugins).toContainEqual(expect.objectContaining({ plugin: '@repo/build-system/plugin' }));
  });

  it('keeps the other lines of an existing .env, byte for byte, and its CRLF line endings', async () => {
    tree.write('.env', 'API_URL=https://example.test\r\n# a comment\r\nTOKEN="a b"');
    await initGenerator(tree, { inProcessPlugins: true });
    expect(env().startsWith('API_URL=https://example.test\r\n# a comment\r\nTOKEN="a b"\r\n\r\n# @repo/build-system')).toBe(true);
    expect(env()).not.toMatch(/[^\r]\n/);
    expect(parse(env())).toEqual({ API_URL: 'https://example.test', TOKEN: 'a b', NX_ISOLATE_PLUGINS: 'false' });
  });

  it('is idempotent: a second run changes nothing', async () => {
    tree.write('.env', 'A=1\n');
    await initGenerator(tree, { inProcessPlugins: true });
    const once = env();
    await initGenerator(tree, { inProcessPlugins: true });
    expect(env()).toBe(once);
    expect(once.match(/NX_ISOLATE_PLUGINS/g)).toHaveLength(1);
  });

  it.each(['NX_ISOLATE_PLUGINS=false', 'export NX_ISOLATE_PLUGINS = "false"', "NX_ISOLATE_PLUGINS='false' # set by hand"])(
    'leaves %j as it is',
    async (line) => {
      tree.write('.env', `A=1\n${line}\n`);
      await initGenerator(tree, { inProcessPlugins: true });
      expect(env()).toBe(`A=1\n${line}\n`);
    },
  );

  it('replaces another value of the variable in place (the last one, which dotenv keeps)', async () => {
    tree.write('.env', 'NX_ISOLATE_PLUGINS=true\nA=1\nNX_ISOLATE_PLUGINS=true\nB=2\n');
    await initGenerator(tree, { inProcessPlugins: true });
    expect(parse(env())).toEqual({ NX_ISOLATE_PLUGINS: 'false', A: '1', B: '2' });
    expect(env()).toMatch(/^NX_ISOLATE_PLUGINS=true\nA=1\n# @repo\/build-system .*\n#.*\n#.*\nNX_ISOLATE_PLUGINS=false\nB=2\n$/);
  });

  it('without the option, .env is neither created nor changed', async () => {
    await initGenerator(tree, {});
    expect(tree.exists('.env')).toBe(false);
    tree.write('.env', 'A=1\n');
    await initGenerator(tree, { inProcessPlugins: false });
    expect(env()).toBe('A=1\n');
  });
});
