import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreateNodesContext, TargetConfiguration } from '@nx/devkit';
import { packageVersion } from '../utils/version';
import { writeFileAtomicSync } from '../utils/atomic-write';

type Targets = Record<string, TargetConfiguration>;

const LOCKFILES = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock'];

interface NxInternals {
  hashMultiGlobWithWorkspaceContext?: (root: string, groups: string[][]) => Promise<string[]>;
  hashWithWorkspaceContext?: (root: string, globs: string[]) => Promise<string>;
  workspaceDataDirectory?: string;
}

let internals: NxInternals | undefined;

/** Nx's native workspace-context hashing, loaded from the narrowest module that has it. */
function nxInternals(): NxInternals {
  if (internals) return internals;
  const load = (id: string): NxInternals => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(id) as NxInternals;
    } catch {
      return {};
    }
  };
  // The specific modules cost a few ms; `nx/src/devkit-internals` drags in ~40 ms more.
  internals = { ...load('nx/src/utils/cache-directory'), ...load('nx/src/utils/workspace-context') };
  if (!internals.hashMultiGlobWithWorkspaceContext && !internals.hashWithWorkspaceContext) internals = load('nx/src/devkit-internals');
  return internals;
}

/**
 * Bumped when the shape of a cache entry changes: entries written by an older plugin build of
 * the same version never match.
 */
const ENTRY_FORMAT = 3;

/**
 * One hash per project from Nx's workspace context (native, batched): the config file,
 * package.json (dts default, name) and the lockfile (installed builders), plus the options,
 * the environment the targets depend on and this plugin's version, so upgrading the plugin
 * recomputes targets. What the config imports and the tsconfig chain are checked per entry
 * (`watched`), since only reading the config tells which files they are.
 */
export async function hashProjects(roots: string[], configFiles: string[], extra: object, context: CreateNodesContext): Promise<string[]> {
  const lockfile = LOCKFILES.find((f) => existsSync(join(context.workspaceRoot, f)));
  const groups = roots.map((root, i) => {
    const prefix = root === '.' || root === '' ? '' : `${root}/`;
    // Exact paths only: a wildcard costs the native hasher a scan of every workspace file.
    return [configFiles[i], `${prefix}package.json`, ...(lockfile ? [lockfile] : [])];
  });
  const fileHashes = await hashFileGroups(context.workspaceRoot, groups);
  const salt = JSON.stringify({
    extra,
    version: packageVersion(),
    format: ENTRY_FORMAT,
    namedInputs: context.nxJsonConfiguration?.namedInputs ?? {},
  });
  return fileHashes.map((h, i) => sha1(`${h}\0${salt}\0${roots[i]}`));
}

/** One content hash per group of workspace-relative paths (exact paths: a missing one hashes as absent). */
export async function hashFileGroups(workspaceRoot: string, groups: string[][]): Promise<string[]> {
  if (groups.length === 0) return [];
  const nx = nxInternals();
  if (nx.hashMultiGlobWithWorkspaceContext) return nx.hashMultiGlobWithWorkspaceContext(workspaceRoot, groups);
  if (nx.hashWithWorkspaceContext) return Promise.all(groups.map((g) => nx.hashWithWorkspaceContext!(workspaceRoot, g)));
  return groups.map((g) => hashFilesDirectly(workspaceRoot, g));
}

function hashFilesDirectly(root: string, files: string[]): string {
  const h = createHash('sha1');
  for (const f of files) {
    try {
      h.update(f).update(readFileSync(join(root, f)));
    } catch {
      h.update(`${f}:missing`);
    }
  }
  return h.digest('hex');
}

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

/** Targets, and the files beyond the key whose content they were computed from. */
export interface CacheEntry {
  targets: Targets;
  /** Workspace-relative paths (imported helpers, the tsconfig chain). */
  watched: string[];
  /** `hashFileGroups` of `watched` when the targets were computed. */
  watchedHash: string;
}

/**
 * Targets computed in earlier graph computations, kept in memory (the daemon lives long) and
 * on disk under .nx/workspace-data, written once per computation.
 */
export class TargetsCache {
  private static instances = new Map<string, TargetsCache>();
  private entries: Record<string, CacheEntry>;
  private used = new Set<string>();
  private dirty = false;

  private constructor(private readonly file: string) {
    this.entries = readCache(file);
  }

  static for(workspaceRoot: string, options: object): TargetsCache {
    const dir = nxInternals().workspaceDataDirectory ?? join(workspaceRoot, '.nx', 'workspace-data');
    const file = join(dir, `build-system-${sha1(JSON.stringify(options)).slice(0, 12)}.hash`);
    let cache = TargetsCache.instances.get(file);
    if (!cache) TargetsCache.instances.set(file, (cache = new TargetsCache(file)));
    cache.used.clear();
    return cache;
  }

  /** The entry under `hash`; the caller still compares `watchedHash` with the files now. */
  get(hash: string): CacheEntry | undefined {
    const e = this.entries[hash];
    if (!e || typeof e !== 'object' || !e.targets || !Array.isArray(e.watched) || typeof e.watchedHash !== 'string') return undefined;
    this.used.add(hash);
    // Callers may mutate what Nx merges; hand out a copy.
    return JSON.parse(JSON.stringify(e)) as CacheEntry;
  }

  set(hash: string, entry: CacheEntry): void {
    this.entries[hash] = JSON.parse(JSON.stringify(entry)) as CacheEntry;
    this.used.add(hash);
    this.dirty = true;
  }

  /** Persists the entries used by this computation (so stale ones do not pile up). */
  save(): void {
    const unused = Object.keys(this.entries).filter((k) => !this.used.has(k));
    if (!this.dirty && unused.length === 0) return;
    for (const k of unused) delete this.entries[k];
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      writeFileAtomicSync(this.file, JSON.stringify(this.entries));
      this.dirty = false;
    } catch {
      /* a cache that cannot be written only costs time */
    }
  }
}

function readCache(file: string): Record<string, CacheEntry> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, CacheEntry>;
  } catch {
    return {};
  }
}
