import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CreateNodesContext, CreateNodesResult, TargetConfiguration } from '@nx/devkit';
import { allToolPackages } from '../config/builders';
import { isOwnConfigSource } from '../config/find';
import { configTimeoutFromEnv, isConfigTimeout, loadConfigModule } from '../config/load';
import { readStaticConfig } from '../config/static-config';
import { ok } from '../errors';
import { findBinary } from '../utils/find-tool';
import { inferTargets, readGraphConfig } from './infer-targets';
import { normalizePluginOptions, type BuildSystemPluginOptions } from './options';
import { scanConfigDependencies } from '../config/config-dependencies';
import { TargetsCache, hashFileGroups, hashProjects, type CacheEntry } from './targets-cache';
import { readPackageJson } from '../utils/package-json';
import { declaresTypes } from '../config/resolve/defaults';

type Targets = Record<string, TargetConfiguration>;
const LOAD_CONCURRENCY = 8;

/**
 * createNodesV2: one batch over every build.config.* in the workspace. Foreign configs
 * (unbuild's, same file name) are skipped by a static scan, never executed; targets are
 * cached under .nx/workspace-data keyed by a batched hash of each project's config inputs,
 * the lockfile, the options and the plugin's own version, and re-checked against the files
 * the config imports and the tsconfig chain it builds with.
 */
export async function createNodesForConfigs(
  configFiles: readonly string[],
  rawOptions: BuildSystemPluginOptions | undefined,
  context: CreateNodesContext,
): Promise<Array<readonly [string, CreateNodesResult]>> {
  const options = normalizePluginOptions(rawOptions);
  const timeoutMs = validTimeout(rawOptions?.configTimeoutMs) ?? configTimeoutFromEnv();
  const { workspaceRoot } = context;
  const candidates: { file: string; root: string; source: string }[] = [];
  for (const file of configFiles) {
    const root = dirname(file);
    const abs = join(workspaceRoot, root);
    if (!existsSync(join(abs, 'package.json')) && !existsSync(join(abs, 'project.json'))) continue;
    // Two configs in one package: the documented order decides (build.config.ts first).
    if (candidates.some((c) => c.root === root)) continue;
    let source: string;
    try {
      source = readFileSync(join(workspaceRoot, file), 'utf8');
    } catch {
      continue;
    }
    if (!isOwnConfigSource(source)) {
      if (process.env.NX_VERBOSE_LOGGING === 'true')
        console.debug(`[@repo/build-system] skipping ${file}: not a @repo/build-system config`);
      continue;
    }
    candidates.push({ file, root, source });
  }
  if (candidates.length === 0) return [];

  const installedTools = detectInstalledTools(workspaceRoot);
  const bunAvailable = Boolean(findBinary('bun', [workspaceRoot]));
  const environment = { tools: [...installedTools].sort(), bunAvailable };
  const cache = TargetsCache.for(workspaceRoot, options);
  const hashes = await hashProjects(
    candidates.map((c) => c.root),
    candidates.map((c) => c.file),
    { options, environment },
    context,
  );
  const namedInputs = (context.nxJsonConfiguration?.namedInputs ?? {}) as Record<string, unknown>;

  const results: Array<readonly [string, CreateNodesResult]> = new Array(candidates.length);
  try {
    // An entry is only as fresh as the files its config imports and its tsconfig chain: one
    // batched hash of those tells which entries still hold.
    const cached: Array<CacheEntry | undefined> = hashes.map((h) => cache.get(h));
    const held = cached.flatMap((e, i) => (e ? [i] : []));
    const nowHashes = await hashFileGroups(
      workspaceRoot,
      held.map((i) => cached[i]!.watched),
    );
    held.forEach((i, k) => {
      if (nowHashes[k] !== cached[i]!.watchedHash) cached[i] = undefined;
    });

    const fresh: { index: number; targets: Targets; watched: string[] }[] = [];
    await forEachLimited(candidates, LOAD_CONCURRENCY, async (c, i) => {
      let targets = cached[i]?.targets;
      if (!targets) {
        // Plain-data configs are read without executing them (no transpile on a cold cache).
        const literal = readStaticConfig(c.source);
        const loaded = literal
          ? ok({ file: c.file, raw: literal })
          : await loadConfigModule(join(workspaceRoot, c.file), { environment: 'production' }, workspaceRoot, { timeoutMs });
        // The graph does not wait on a config that never settles: its project gets the default
        // targets now (running them reports the error), the others are not held up.
        if (!loaded.ok && loaded.errors.some(isConfigTimeout)) {
          console.warn(
            `[@repo/build-system] ${c.file} did not finish loading within ${timeoutMs} ms: ${c.root} gets default targets until it does (plugin option configTimeoutMs, or BUILD_SYSTEM_CONFIG_TIMEOUT_MS)`,
          );
        }
        const graphConfig = readGraphConfig(loaded.ok ? loaded.value.raw : undefined);
        // Read from source, never executed: imported helpers, process.env reads, tsconfig chain.
        const dependencies = scanConfigDependencies(workspaceRoot, c.root, c.file, c.source, graphConfig.tsconfigs);
        targets = inferTargets(graphConfig, options, {
          configFileName: basename(c.file),
          namedInputs,
          installedTools,
          bunAvailable,
          packageHasTypes: packageDeclaresTypes(join(workspaceRoot, c.root)),
          dependencies,
          projectRoot: c.root,
        });
        // A config that does not load still gets its targets (running them reports the load
        // error), but is not cached: the next graph computation tries again.
        if (loaded.ok) fresh.push({ index: i, targets, watched: dependencies.watched });
      }
      results[i] = [c.file, { projects: { [c.root]: { targets } } }] as const;
    });
    const freshHashes = await hashFileGroups(
      workspaceRoot,
      fresh.map((f) => f.watched),
    );
    fresh.forEach((f, k) => cache.set(hashes[f.index], { targets: f.targets, watched: f.watched, watchedHash: freshHashes[k] }));
  } finally {
    cache.save();
  }
  return results;
}

function validTimeout(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

function packageDeclaresTypes(root: string): boolean {
  const pkg = readPackageJson(root);
  return pkg !== undefined && declaresTypes(pkg);
}

/**
 * Builder packages the workspace has installed: only those can be `externalDependencies`
 * inputs (Nx rejects names missing from its graph).
 */
function detectInstalledTools(workspaceRoot: string): Set<string> {
  const found = new Set<string>();
  const pkg = readPackageJson(workspaceRoot);
  const declared = { ...pkg?.dependencies, ...pkg?.devDependencies, ...pkg?.optionalDependencies };
  for (const tool of allToolPackages())
    if (tool in declared && existsSync(join(workspaceRoot, 'node_modules', tool, 'package.json'))) found.add(tool);
  return found;
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export type { Targets };
