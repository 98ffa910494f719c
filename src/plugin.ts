import type { CreateNodesV2 } from '@nx/devkit';
import { CONFIG_GLOB } from './config/define';
import { createNodesForConfigs } from './plugin/create-nodes';
import type { BuildSystemPluginOptions } from './plugin/options';
import { recordBuildTasks } from './plugin/post-tasks';
import { beforeBuildTasks } from './plugin/pre-tasks';

export type { BuildSystemPluginOptions } from './plugin/options';

/**
 * The Nx plugin: infers `build` and `clean` for every project with a build.config.*.
 * Exported as both createNodesV2 and createNodes so Nx 22–24 load it.
 */
export const createNodesV2: CreateNodesV2<BuildSystemPluginOptions> = [CONFIG_GLOB, createNodesForConfigs];
export const createNodes = createNodesV2;
export const name = '@repo/build-system';

/**
 * Records every build task Nx handled, cache hits included. Not exported at all when turned
 * off, so Nx skips the hook (and, with the daemon, the plugin worker's round trip for it).
 */
/**
 * Before Nx runs tasks: refuses `-c <name>` where the project's config declares no such
 * environment (Nx would build its default instead), and names the run for its build tasks.
 */
export const preTasksExecution = beforeBuildTasks;

export const postTasksExecution = process.env.BUILD_SYSTEM_RECORD_CACHE_HITS === 'false' ? undefined : recordBuildTasks;
