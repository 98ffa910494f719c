import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CreateNodesContext, TargetConfiguration } from '@nx/devkit';
import { packageVersion } from '../version';

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
 * One hash per project from Nx's workspace context (native, batched): the config file,
 * package.json (dts default, name) and the lockfile (installed builders), plus the options,
 * the environment the targets depend on and this plugin's version, so upgrading the plugin
 * recomputes targets.
 */
export async function hashProjects(
  roots: string[],
  configFiles: string[],
  extra: object,
  context: CreateNodesContext,
): Promise<string[]> {
  const lockfile = LOCKFILES.find((f) => existsSync(join(context.workspaceRoot, f)));
  const groups = roots.map((root, i) => {
    const prefix = root === '.' || root === '' ? '' : `${root}/`;
    // Exact paths only: a wildcard costs the native hasher a scan of every workspace file.
    return [configFiles[i], `${prefix}package.json`, ...(lockfile ? [lockfile] : [])];
  });
  const nx = nxInternals();
  let fileHashes: string[];
  if (nx.hashMultiGlobWithWorkspaceContext) {
    fileHashes = await nx.hashMultiGlobWithWorkspaceContext(context.workspaceRoot, groups);
  } else if (nx.hashWithWorkspaceContext) {
    fileHashes = await Promise.all(groups.map((g) => nx.hashWithWorkspaceContext!(context.workspaceRoot, g)));
  } else {
    fileHashes = groups.map((g) => hashFilesDirectly(context.workspaceRoot, g));
  }
  const salt = JSON.stringify({ extra, version: packageVersion(), namedInputs: context.nxJsonConfiguration?.namedInputs ?? {} });
  return fileHashes.map((h, i) => sha1(`${h}\0${salt}\0${roots[i]}`));
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

/**
 * Targets computed in earlier graph computations, kept in memory (the daemon lives long) and
 * on disk under .nx/workspace-data, written once per computation.
 */
export class TargetsCache {
  private static instances = new Map<string, TargetsCache>();
  private entries: Record<string, Targets>;
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

  get(hash: string): Targets | undefined {
    const t = this.entries[hash];
    if (t) this.used.add(hash);
    // Callers may mutate what Nx merges; hand out a copy.
    return t ? (JSON.parse(JSON.stringify(t)) as Targets) : undefined;
  }

  set(hash: string, targets: Targets): void {
    this.entries[hash] = JSON.parse(JSON.stringify(targets)) as Targets;
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
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.entries));
      renameSync(tmp, this.file);
      this.dirty = false;
    } catch {
      /* a cache that cannot be written only costs time */
    }
  }
}

function readCache(file: string): Record<string, Targets> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Targets>;
  } catch {
    return {};
  }
}
