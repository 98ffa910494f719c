import type { Task } from '@nx/devkit';
import { describe, expect, it } from 'vitest';
import { inDependencyOrder, ownDotEnv, taskEnv } from './batch';

const task = (id: string, hash?: string) =>
  ({ id, target: { project: id, target: 'build' }, hash, overrides: {}, outputs: [], parallelism: true }) as unknown as Task;

/** A graph from `{ id: [dependencies] }`, dependencies in Nx 24's `{ id }` shape or as plain ids. */
function graph(deps: Record<string, string[]>, shape: 'object' | 'string' = 'object') {
  return {
    tasks: Object.fromEntries(Object.keys(deps).map((id) => [id, task(id)])),
    dependencies: Object.fromEntries(Object.entries(deps).map(([id, ds]) => [id, ds.map((d) => (shape === 'object' ? { id: d } : d))])),
  } as never;
}

/** Runs the batch with tasks that finish in `ms[id]` ms (default 1) and fail when listed; returns the event log. */
async function run(
  deps: Record<string, string[]>,
  { parallel = 3, failing = [] as string[], ms = {} as Record<string, number>, abortAfter = '', alone = [] as string[] } = {},
) {
  const events: string[] = [];
  const controller = new AbortController();
  let running = 0;
  let maxRunning = 0;
  const results = inDependencyOrder(
    graph(deps),
    parallel,
    controller.signal,
    async (t) => {
      events.push(`start ${t.id}`);
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((r) => setTimeout(r, ms[t.id] ?? 1));
      running--;
      if (t.id === abortAfter) controller.abort();
      return { success: !failing.includes(t.id) };
    },
    (t) => alone.includes(t.id),
  );
  for await (const { task: id, result } of results) events.push(`${result.success ? 'done' : 'failed'} ${id}`);
  return { events, maxRunning };
}

describe('inDependencyOrder', () => {
  it('starts a task only after every dependency in the batch succeeded', async () => {
    const { events } = await run({ a: [], b: ['a'], c: ['b', 'a'] });
    expect(events).toEqual(['start a', 'done a', 'start b', 'done b', 'start c', 'done c']);
  });

  it('runs independent tasks side by side, never more than `parallel`', async () => {
    const deps = { a: [], b: [], c: [], d: [], e: ['a', 'b', 'c', 'd'] };
    expect((await run(deps, { parallel: 2, ms: { a: 20, b: 20, c: 20, d: 20 } })).maxRunning).toBe(2);
    expect((await run(deps, { parallel: 3, ms: { a: 20, b: 20, c: 20, d: 20 } })).maxRunning).toBe(3);
    expect((await run(deps, { parallel: 1 })).maxRunning).toBe(1);
  });

  it('leaves out what depends on a failure, directly or not, and runs the rest', async () => {
    const { events } = await run({ a: [], b: ['a'], c: ['b'], d: [] }, { failing: ['a'] });
    expect(events.filter((e) => !e.startsWith('start')).sort()).toEqual(['done d', 'failed a']);
    expect(events).not.toContain('start b');
    expect(events).not.toContain('start c');
  });

  it('starts nothing once stopped; what runs finishes and is reported', async () => {
    const { events } = await run({ a: [], b: [], c: ['a'] }, { parallel: 1, abortAfter: 'a' });
    expect(events).toEqual(['start a', 'done a']);
  });

  it('runs a task that must be alone with nothing beside it, and starts nothing else before its turn', async () => {
    const ms = { a: 20, b: 20, c: 20, d: 20 };
    const { events, maxRunning } = await run({ a: [], b: [], c: [], d: [] }, { alone: ['b'], ms });
    expect(events.slice(0, 3)).toEqual(['start a', 'done a', 'start b']);
    expect(events.slice(3, 5)).toEqual(['done b', 'start c']);
    expect(maxRunning).toBe(2);
  });

  it('ignores dependencies outside the batch (Nx ran them before) and reads plain-id edges too', async () => {
    const events: string[] = [];
    const g = graph({ a: ['elsewhere'], b: ['a'] }, 'string');
    for await (const { task: id } of inDependencyOrder(g, 3, new AbortController().signal, async () => ({ success: true })))
      events.push(id);
    expect(events).toEqual(['a', 'b']);
  });
});

describe('ownDotEnv', () => {
  const base = { PATH: '/bin', HOME: '/root' };
  it('is false when only the task variables differ', () => {
    expect(ownDotEnv({ ...base, NX_TASK_HASH: '1', NX_TASK_TARGET_PROJECT: 'a', LERNA_PACKAGE_NAME: 'a' }, base)).toBe(false);
  });
  it('is true when the task sets, changes or drops a variable', () => {
    expect(ownDotEnv({ ...base, API_URL: 'x' }, base)).toBe(true);
    expect(ownDotEnv({ ...base, HOME: '/home' }, base)).toBe(true);
    expect(ownDotEnv({ PATH: '/bin' }, base)).toBe(true);
  });
});

describe('taskEnv', () => {
  it("gives the task Nx's NX_TASK_* variables, its own hash only when Nx sent one", () => {
    const context = { root: '/nonexistent', projectGraph: { nodes: {}, dependencies: {} } } as never;
    const withHash = taskEnv({ ...task('a', '123'), target: { project: 'a', target: 'build', configuration: 'ci' } }, context);
    expect(withHash).toMatchObject({
      NX_TASK_TARGET_PROJECT: 'a',
      NX_TASK_TARGET_TARGET: 'build',
      NX_TASK_TARGET_CONFIGURATION: 'ci',
      NX_TASK_HASH: '123',
    });
    const without = taskEnv(task('a'), context);
    expect('NX_TASK_HASH' in without).toBe(false);
    expect('NX_TASK_TARGET_CONFIGURATION' in without).toBe(false);
  });
});
