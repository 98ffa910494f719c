import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';

/** What every executor derives from Nx's context: the workspace, the package, the task hash. */
export function fromNxContext(context: ExecutorContext) {
  const project = context.projectName ? context.projectsConfigurations?.projects[context.projectName] : undefined;
  if (!project) throw new Error(`@repo/build-system: project ${context.projectName ?? '(none)'} not found`);
  return {
    workspaceRoot: context.root,
    packageRoot: join(context.root, project.root),
    inputHash: process.env.NX_TASK_HASH ?? null,
    metadata: { runner: 'nx', target: `${context.projectName}:${context.targetName}${context.configurationName ? `:${context.configurationName}` : ''}` },
  };
}

export interface CommonExecutorOptions {
  environment?: string;
  lockTimeoutMs?: number;
}
