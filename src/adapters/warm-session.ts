/**
 * What builders keep alive between the builds of one watch session (docs/watch.md): an esbuild
 * context per package and format, rollup's module cache. The watch creates one session, passes
 * it to every build it runs (BuildRequest.session → AdapterContext.session) and disposes it when
 * it stops; a build without a session (nx build, build-system build) keeps nothing.
 *
 * Entries are keyed by what they are for (`esbuild:<packageRoot>:<format>`) and carry the
 * fingerprint of the options they were made with: an adapter whose options changed (an edited
 * config) replaces the entry rather than reuse it.
 */
export interface WarmEntry<T = unknown> {
  value: T;
  /** What the entry was made from (serialized options): reused only when they are the same. */
  fingerprint: string;
  /** Frees what the entry holds (an esbuild context): called when replaced and when the session ends. */
  dispose?: () => unknown;
}

export class WarmSession {
  private readonly entries = new Map<string, WarmEntry>();
  private disposed = false;

  /** The entry under `key` when it was made with `fingerprint`; a stale one is disposed and dropped. */
  async take<T>(key: string, fingerprint: string): Promise<T | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.fingerprint === fingerprint) return entry.value as T;
    await this.drop(key);
    return undefined;
  }

  /** Keeps `entry` for the next build; after the session ended, it is disposed at once. */
  async keep<T>(key: string, entry: WarmEntry<T>): Promise<void> {
    if (this.disposed) return void (await safely(entry.dispose));
    await this.drop(key);
    this.entries.set(key, entry as WarmEntry);
  }

  /** Forgets (and disposes) the entry under `key`: a builder whose state may be broken starts afresh next time. */
  async drop(key: string): Promise<void> {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    await safely(entry?.dispose);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Ends the session: every entry disposed; later `keep`s dispose theirs at once. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const keys = [...this.entries.keys()];
    await Promise.all(keys.map((k) => this.drop(k)));
  }
}

/** A dispose that fails (a service already gone) has nothing left to free. */
async function safely(dispose: (() => unknown) | undefined): Promise<void> {
  try {
    await dispose?.();
  } catch {
    /* already gone */
  }
}
