import { AsyncLocalStorage } from 'node:async_hooks';

export type OutputSink = (text: string) => void;

interface Route {
  sink?: OutputSink;
}

const routes = new AsyncLocalStorage<Route>();
let passingThrough = 0;
let installed = false;

/**
 * Runs `fn` with what it writes to process.stdout/stderr (a hook function's console.log, a
 * config printing at load time, and whatever they start and await) sent to the sink `fn`
 * sets through `route`, not to the terminal: the job's log masks secrets and records it.
 * Scoped by async context, so concurrent builds in one process each get their own output.
 */
export function captureOutput<T>(fn: (route: (sink: OutputSink) => void) => Promise<T>): Promise<T> {
  install();
  const route: Route = {};
  return routes.run(route, () => fn((sink) => (route.sink = sink)));
}

/** Writes to the real stdout/stderr from inside a capture (a sink showing its masked text). */
export function passThrough(write: () => void): void {
  passingThrough++;
  try {
    write();
  } finally {
    passingThrough--;
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const sink = passingThrough ? undefined : routes.getStore()?.sink;
      // eslint-disable-next-line prefer-rest-params
      if (!sink) return original.apply(this, arguments as unknown as Parameters<typeof original>);
      sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    } as typeof stream.write;
  }
}
