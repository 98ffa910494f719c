import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { esbuildAdapter } from '../../src/adapters/esbuild/adapter';
import { rollupAdapter } from '../../src/adapters/rollup/adapter';
import type { AdapterContext, AdapterResult, BuilderAdapter } from '../../src/adapters/types';
import { WarmSession } from '../../src/adapters/warm-session';
import { resolveBuildConfig } from '../../src/config/resolve';
import { formatError } from '../../src/errors';

/**
 * Adapters in a watch session (src/adapters/warm-session.ts), with the real builders: the state
 * kept by one build serves the next, an edited config starts afresh, and what is built follows
 * the sources whatever was kept.
 */

let root: string;
const pkg = () => join(root, 'packages', 'a');
let builds = 0;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bs-warm-'));
  // The builders resolve from the workspace: this repository's node_modules.
  symlinkSync(resolve(__dirname, '../../node_modules'), join(root, 'node_modules'));
  mkdirSync(join(pkg(), 'src'), { recursive: true });
  writeFileSync(join(pkg(), 'package.json'), JSON.stringify({ name: '@t/a', version: '1.0.0', type: 'module' }));
  writeFileSync(join(pkg(), 'src', 'index.ts'), "import { part } from './part';\nexport const a = part + ' one';\n");
  writeFileSync(join(pkg(), 'src', 'part.ts'), "export const part: string = 'part-A';\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** One build as the pipeline runs it: into a fresh staging directory of its own. */
async function build(adapter: BuilderAdapter, raw: Record<string, unknown>, session?: WarmSession) {
  const r = await resolveBuildConfig({ raw, packageRoot: pkg(), workspaceRoot: root, environment: 'production', processEnv: {} });
  if (!r.ok) throw new Error(r.errors.map(formatError).join('\n'));
  const outDir = join(pkg(), '.build-cache', 'staging', `job${++builds}`);
  mkdirSync(outDir, { recursive: true });
  const log = { info: () => {}, warn: () => {}, write: () => {} };
  const ctx: AdapterContext = {
    config: r.value,
    outDir,
    finalOutDir: join(pkg(), 'dist'),
    stateDir: join(pkg(), '.build-cache', 'state'),
    env: process.env,
    log,
    signal: new AbortController().signal,
    ...(session ? { session } : {}),
  };
  const result: AdapterResult = await adapter.build(ctx);
  const read = (f: string) => readFileSync(join(outDir, f), 'utf8');
  return { result, read };
}

describe.each([
  ['esbuild', esbuildAdapter, 'esbuild context (esm, cjs)'],
  ['rollup', rollupAdapter, 'rollup module cache'],
] as const)('%s in a watch session', (builder, adapter, state) => {
  const raw = { builder, entry: 'src/index.ts', format: ['esm', 'cjs'], sourcemap: true };

  it('keeps its state for the next build, which sees every edit, rename and deletion', async () => {
    const session = new WarmSession();
    try {
      const first = await build(adapter, raw, session);
      expect(first.result).toMatchObject({ errors: [], warm: { reused: false, state } });
      expect(first.read('index.js')).toContain('part-A');
      expect(session.size).toBeGreaterThan(0);

      writeFileSync(join(pkg(), 'src', 'index.ts'), "import { part } from './part';\nexport const a = part + ' two';\n");
      const edited = await build(adapter, raw, session);
      expect(edited.result).toMatchObject({ errors: [], warm: { reused: true, state } });
      expect(edited.read('index.js')).toContain(' two');
      expect(edited.read('index.cjs')).toContain(' two');

      writeFileSync(join(pkg(), 'src', 'renamed.ts'), "export const part: string = 'part-B';\n");
      writeFileSync(join(pkg(), 'src', 'index.ts'), "import { part } from './renamed';\nexport const a = part + ' two';\n");
      rmSync(join(pkg(), 'src', 'part.ts'));
      const renamed = await build(adapter, raw, session);
      expect(renamed.result.errors).toEqual([]);
      expect(renamed.read('index.js')).toContain('part-B');
      expect(renamed.read('index.js')).not.toContain('part-A');

      rmSync(join(pkg(), 'src', 'renamed.ts'));
      const deleted = await build(adapter, raw, session);
      expect(deleted.result.errors.length).toBeGreaterThan(0);
      expect(deleted.result.errors[0].file).toBe('packages/a/src/index.ts');

      writeFileSync(join(pkg(), 'src', 'renamed.ts'), "export const part: string = 'part-C';\n");
      const restored = await build(adapter, raw, session);
      expect(restored.result).toMatchObject({ errors: [], warm: { reused: true } });
      expect(restored.read('index.cjs')).toContain('part-C');
    } finally {
      await session.dispose();
    }
    expect(session.size).toBe(0);
  });

  it('writes what a build without a session writes, and starts afresh when the config changes', async () => {
    const session = new WarmSession();
    try {
      await build(adapter, raw, session);
      const warm = await build(adapter, raw, session);
      const cold = await build(adapter, raw);
      expect(cold.result.warm).toBeUndefined();
      for (const f of ['index.js', 'index.cjs', 'index.js.map']) expect(warm.read(f), f).toBe(cold.read(f));

      const changed = await build(adapter, { ...raw, define: { 'process.env.X': '"x"' } }, session);
      expect(changed.result.warm).toEqual({ reused: false, state });
      // One format fewer: nothing of the other stays alive.
      const esmOnly = await build(adapter, { ...raw, format: 'esm' }, session);
      expect(esmOnly.result.errors).toEqual([]);
      expect(session.size).toBe(1);
    } finally {
      await session.dispose();
    }
  });
});

describe('WarmSession', () => {
  it('disposes what it keeps when replaced, when stale, and when it ends; later entries at once', async () => {
    const disposed: string[] = [];
    const entry = (name: string) => ({ value: name, fingerprint: 'f1', dispose: () => void disposed.push(name) });
    const session = new WarmSession();
    await session.keep('k', entry('a'));
    expect(await session.take('k', 'f1')).toBe('a');
    await session.keep('k', entry('b'));
    expect(disposed).toEqual(['a']);
    expect(await session.take('k', 'f2')).toBeUndefined();
    expect(disposed).toEqual(['a', 'b']);
    await session.keep('k', entry('c'));
    await session.dispose();
    expect(disposed).toEqual(['a', 'b', 'c']);
    await session.keep('k', entry('d'));
    expect(disposed).toEqual(['a', 'b', 'c', 'd']);
    expect(session.size).toBe(0);
  });
});
