import { BUILT_IN_ENVIRONMENTS } from '../config/define';
import { RUN_ID_ENV } from '../core/notices';
import { parseNxRunArgs, type NxRunRequest } from './nx-argv';
import { normalizePluginOptions, PLUGIN_NAME, type BuildSystemPluginOptions } from './options';

interface PreTasksContextLike {
  id?: string;
  workspaceRoot: string;
  argv?: string[];
}

/** A project's targets as the graph has them (the part this hook reads). */
export interface GraphProjects {
  [name: string]: { data: { targets?: Record<string, { executor?: string; configurations?: Record<string, unknown> }> } };
}

/**
 * preTasksExecution, before Nx runs anything:
 * - `nx build app -c staging` where app's build.config.* declares no `staging` environment
 *   fails here, naming it. Nx would run the default configuration instead (it drops a
 *   configuration a target lacks), which builds production, or serves it from the cache.
 * - the run's id goes to the build tasks (env), so a notice they share (the bun fallback) is
 *   shown once per run, not once per package and again on every cache replay.
 */
export async function beforeBuildTasks(rawOptions: BuildSystemPluginOptions | undefined, context: PreTasksContextLike): Promise<void> {
  if (context.id) process.env[RUN_ID_ENV] = context.id;
  const request = parseNxRunArgs(context.argv ?? []);
  const configuration = request?.configuration;
  if (!request || !configuration || (BUILT_IN_ENVIRONMENTS as readonly string[]).includes(configuration)) return;
  const { buildTargetName } = normalizePluginOptions(rawOptions);
  if (!request.targets.includes(buildTargetName)) return;
  let projects: GraphProjects;
  try {
    // Only here (a configuration that is not built in): graph time never loads it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { readCachedProjectGraph } = require('@nx/devkit') as typeof import('@nx/devkit');
    projects = readCachedProjectGraph().nodes as unknown as GraphProjects;
  } catch {
    return; // no graph to check against: the build itself still validates
  }
  const problem = unknownConfiguration(projects, request, buildTargetName);
  if (problem) throw new Error(problem);
}

/**
 * Why the command must not run, or undefined. A project named on the command line must have
 * the configuration on its build target; a command that picks the projects itself (run-many,
 * affected) needs at least one of ours to have it (the others build their default, as Nx does
 * for dependencies too). Pure.
 */
export function unknownConfiguration(projects: GraphProjects, request: NxRunRequest, buildTargetName: string): string | undefined {
  const configuration = request.configuration!;
  const ours = (name: string) => projects[name]?.data.targets?.[buildTargetName]?.executor === `${PLUGIN_NAME}:build`;
  const has = (name: string) => Boolean(projects[name]?.data.targets?.[buildTargetName]?.configurations?.[configuration]);
  const listed = (name: string) =>
    Object.keys(projects[name]?.data.targets?.[buildTargetName]?.configurations ?? {})
      .map((c) => JSON.stringify(c))
      .join(' | ');
  const named = (request.projects ?? []).filter((p) => !/[*!,]|^tag:/.test(p) && projects[p]);
  if (named.length && named.length === (request.projects ?? []).length) {
    const missing = named.filter((p) => ours(p) && !has(p));
    if (!missing.length) return undefined;
    return missing
      .map(
        (p) =>
          `[CONFIG_INVALID] unknown environment "${configuration}" for ${p}: its build config declares no such environment (expected ${listed(p)}); Nx would build its default configuration instead`,
      )
      .join('\n');
  }
  const candidates = Object.keys(projects).filter(ours);
  if (!candidates.length || candidates.some(has)) return undefined;
  return `[CONFIG_INVALID] unknown environment "${configuration}": no project's build config declares it (expected one of ${[...new Set(candidates.flatMap((p) => Object.keys(projects[p].data.targets![buildTargetName].configurations ?? {})))].map((c) => JSON.stringify(c)).join(' | ')})`;
}
