/**
 * What a watch builds next, as a pure decision (docs/watch.md): one build at a time; a package
 * changed while it builds is built once more after it (never twice, however many changes);
 * a package waits while one of its workspace dependencies is about to be rebuilt or building;
 * a successful rebuild queues the watched packages that depend on it.
 */
export interface QueuedBuild {
  name: string;
  /** Files that changed since its last build started, workspace-relative, sorted. */
  changedFiles: string[];
  /** Dependencies whose rebuild queued it, in the order they finished. */
  dependenciesRebuilt: string[];
}

export interface WatchedPackage {
  name: string;
  /** Workspace dependencies among the watched packages, transitively. */
  dependsOn: string[];
}

export class WatchQueue {
  private readonly order: string[];
  private readonly dependsOn: Map<string, Set<string>>;
  private readonly queued = new Map<string, { files: Set<string>; dependencies: string[] }>();
  private runningName: string | undefined;

  /** `packages` in dependency order (each after the packages it depends on). */
  constructor(packages: WatchedPackage[]) {
    this.order = packages.map((p) => p.name);
    this.dependsOn = new Map(packages.map((p) => [p.name, new Set(p.dependsOn)]));
  }

  get running(): string | undefined {
    return this.runningName;
  }

  /** Whether anything waits to be built. */
  get pending(): boolean {
    return this.queued.size > 0;
  }

  /** Files of a package changed (also while it builds: it is then built once more). */
  changed(name: string, files: string[]): void {
    if (!this.dependsOn.has(name)) return;
    const entry = this.entry(name);
    for (const f of files) entry.files.add(f);
  }

  /** The next build to start, taken off the queue; undefined while one runs or nothing is ready. */
  next(): QueuedBuild | undefined {
    if (this.runningName !== undefined) return undefined;
    const name = this.order.find((n) => this.queued.has(n) && ![...this.dependsOn.get(n)!].some((d) => this.queued.has(d)));
    if (name === undefined) return undefined;
    const entry = this.queued.get(name)!;
    this.queued.delete(name);
    this.runningName = name;
    return { name, changedFiles: [...entry.files].sort(), dependenciesRebuilt: entry.dependencies };
  }

  /** The running build ended: a success queues the watched packages that depend on it. */
  finished(name: string, success: boolean): void {
    if (this.runningName === name) this.runningName = undefined;
    if (!success) return;
    for (const dependent of this.order) {
      if (!this.dependsOn.get(dependent)!.has(name)) continue;
      const entry = this.entry(dependent);
      if (!entry.dependencies.includes(name)) entry.dependencies.push(name);
    }
  }

  private entry(name: string) {
    let entry = this.queued.get(name);
    if (!entry) this.queued.set(name, (entry = { files: new Set(), dependencies: [] }));
    return entry;
  }
}
