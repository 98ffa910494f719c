import { join } from 'node:path';
import { getProjects, joinPathFragments, type Tree } from '@nx/devkit';
import { CONFIG_FILE_NAMES } from '../../config/define';
import { isOwnConfigSource } from '../../config/find';
import { formatLike, packageJsonInStep, syncConfigFromStatic, type SyncConfig } from '../../config/package-fields';
import { readStaticConfig } from '../../config/static-config';
import { loadProjectConfig } from '../../core/load-project-config';

/** What Nx expects back from a sync generator (nx/src/utils/sync-generators). */
export type SyncResult = void | { outOfSyncMessage?: string; outOfSyncDetails?: string[] };

/**
 * `@repo/build-system:sync`: package.json `main`/`module`/`types`/`exports` of every project
 * with a build.config.* brought in step with what its build writes (config/package-fields.ts,
 * the function `build-system sync` and the config generator use). Registered on the inferred
 * build target, so `nx sync` applies it and `nx sync:check` fails in CI when it would change
 * something. A config that does not load is left to the build, which reports it.
 */
export async function syncGenerator(tree: Tree): Promise<SyncResult> {
  const details: string[] = [];
  for (const [, project] of getProjects(tree)) {
    const root = project.root || '.';
    const inRoot = (p: string) => (root === '.' ? p : joinPathFragments(root, p));
    const configFile = CONFIG_FILE_NAMES.map(inRoot).find((f) => tree.exists(f));
    const pkgFile = inRoot('package.json');
    const source = configFile ? (tree.read(configFile, 'utf-8') ?? '') : '';
    if (!configFile || !tree.exists(pkgFile) || !isOwnConfigSource(source)) continue;
    const text = tree.read(pkgFile, 'utf-8') ?? '';
    let pkg: Record<string, unknown>;
    try {
      pkg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      continue;
    }
    const config = await configOf(tree, root, source, pkg);
    if (!config) continue;
    const next = packageJsonInStep(config, pkg);
    if (!next?.changed.length) continue;
    tree.write(pkgFile, formatLike(text, next.pkg));
    details.push(`${pkgFile}: ${next.changed.join(', ')}`);
  }
  if (!details.length) return;
  return {
    outOfSyncMessage: 'package.json entry points (main/module/types/exports) are out of step with build.config.ts',
    outOfSyncDetails: details,
  };
}

/**
 * A plain-data config is read from the tree (what the config generator writes, and what a
 * dry run sees); any other is loaded and validated from disk, as the build loads it.
 */
async function configOf(tree: Tree, root: string, source: string, pkg: Record<string, unknown>): Promise<SyncConfig | undefined> {
  const raw = readStaticConfig(source);
  const fromTree = raw && syncConfigFromStatic(raw, pkg);
  if (fromTree) return fromTree;
  const loaded = await loadProjectConfig({ workspaceRoot: tree.root, packageRoot: join(tree.root, root), environment: 'production' });
  return loaded.ok ? loaded.value : undefined;
}

export default syncGenerator;
