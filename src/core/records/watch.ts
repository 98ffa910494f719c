import { statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { BUILD_CACHE_DIR } from '../../config/define';

/**
 * Says when a package's records change (a build started, a phase moved, a record written by
 * another process); what changed is read back through the RecordStore. The JSON store's
 * watcher looks at the files; a database store can feed the same interface.
 */
export interface RecordWatcher {
  /** `listener` gets the workspace-relative path of a package whose records changed; returns the unsubscribe. */
  subscribe(listener: (packagePath: string) => void): () => void;
  /** The packages to watch (the workspace may gain or lose some while watched). */
  setPackages(packagePaths: readonly string[]): void;
  close(): void;
}

export interface JsonRecordWatcherOptions {
  /** How often files are compared when `fs.watch` is unavailable or missed a change. */
  pollMs?: number;
  /** Changes of one package closer together than this are told once. */
  debounceMs?: number;
}

interface Watched {
  watchers: Map<string, FSWatcher>;
  signature: string;
  timer?: NodeJS.Timeout;
}

/**
 * `fs.watch` on each package's `.build-cache` and `.build-cache/jobs` (latest.json and job
 * files are replaced by rename, which both report), with polling beside it: a directory that
 * appears later, a file system without events (network mounts, some containers) or an event
 * lost under load is still seen within `pollMs`.
 */
export class JsonRecordWatcher implements RecordWatcher {
  private readonly listeners = new Set<(packagePath: string) => void>();
  private readonly packages = new Map<string, Watched>();
  private readonly poller: NodeJS.Timeout;
  private readonly debounceMs: number;
  private closed = false;

  constructor(
    private readonly workspaceRoot: string,
    packagePaths: readonly string[],
    options: JsonRecordWatcherOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 40;
    this.setPackages(packagePaths);
    this.poller = setInterval(() => this.poll(), options.pollMs ?? 1000);
    this.poller.unref();
  }

  subscribe(listener: (packagePath: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setPackages(packagePaths: readonly string[]): void {
    const wanted = new Set(packagePaths);
    for (const [path, w] of this.packages) {
      if (wanted.has(path)) continue;
      this.unwatch(w);
      this.packages.delete(path);
    }
    for (const path of wanted) {
      if (this.packages.has(path)) continue;
      const w: Watched = { watchers: new Map(), signature: this.signature(path) };
      this.packages.set(path, w);
      this.ensureWatchers(path, w);
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poller);
    for (const w of this.packages.values()) this.unwatch(w);
    this.packages.clear();
    this.listeners.clear();
  }

  private dirs(path: string): string[] {
    const cache = join(this.workspaceRoot, path, BUILD_CACHE_DIR);
    return [cache, join(cache, 'jobs')];
  }

  private ensureWatchers(path: string, w: Watched): void {
    for (const dir of this.dirs(path)) {
      if (w.watchers.has(dir) || !isDirectory(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          // A log growing is not a record changing; the record is saved when a phase moves.
          if (name && !String(name).endsWith('.json')) return;
          this.changed(path);
        });
        // Removed directory, too many watches: polling carries on for it.
        watcher.on('error', () => {
          watcher.close();
          w.watchers.delete(dir);
        });
        w.watchers.set(dir, watcher);
      } catch {
        /* polling covers it */
      }
    }
  }

  private poll(): void {
    for (const [path, w] of this.packages) {
      this.ensureWatchers(path, w);
      if (w.signature !== this.signature(path)) this.changed(path);
    }
  }

  /** What a change of the records changes: latest.json's identity and the jobs directory's listing time. */
  private signature(path: string): string {
    const [cache, jobs] = this.dirs(path);
    const s = (file: string) => {
      const st = statSync(file, { throwIfNoEntry: false });
      return st ? `${st.ino}:${st.mtimeMs}:${st.size}` : '-';
    };
    return `${s(join(cache, 'latest.json'))}|${s(jobs)}`;
  }

  private changed(path: string): void {
    const w = this.packages.get(path);
    if (!w || this.closed || w.timer) return;
    w.timer = setTimeout(() => {
      w.timer = undefined;
      w.signature = this.signature(path);
      for (const listener of this.listeners) listener(path);
    }, this.debounceMs);
    w.timer.unref();
  }

  private unwatch(w: Watched): void {
    for (const watcher of w.watchers.values()) watcher.close();
    w.watchers.clear();
    if (w.timer) clearTimeout(w.timer);
  }
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
