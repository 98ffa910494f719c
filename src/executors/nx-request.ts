import { join } from 'node:path';
import type { ExecutorContext, ProjectGraphProjectNode } from '@nx/devkit';
import { noticesOfRun, RUN_ID_ENV } from '../core/notices';
import type { DeclaredInputs, InputDefinition, ProjectInputs } from '../core/undeclared-inputs';

/** What every executor derives from Nx's context: the workspace, the package, the task hash (from the task's env). */
export function fromNxContext(context: ExecutorContext, env: NodeJS.ProcessEnv = process.env) {
  const project = context.projectName ? context.projectsConfigurations?.projects[context.projectName] : undefined;
  if (!project) throw new Error(`@repo/build-system: project ${context.projectName ?? '(none)'} not found`);
  return {
    workspaceRoot: context.root,
    packageRoot: join(context.root, project.root),
    inputHash: env.NX_TASK_HASH ?? null,
    trigger: 'nx' as const,
    notices: noticesOfRun(env[RUN_ID_ENV]),
    metadata: {
      runner: 'nx',
      target: `${context.projectName}:${context.targetName}${context.configurationName ? `:${context.configurationName}` : ''}`,
    },
    declaredInputs: declaredInputsOf(context),
  };
}

/**
 * The task's inputs exactly as Nx hashes them: the target's `inputs` from the project graph
 * (whatever inferred them, nx.json's targetDefaults or project.json), nx.json's and the
 * projects' named inputs, and the transitive dependencies with the outputs of the targets
 * this one waits for. Read from the context, not recomputed: one source of truth.
 */
export function declaredInputsOf(context: ExecutorContext): DeclaredInputs | undefined {
  const graph = context.projectGraph;
  const name = context.projectName;
  const node = name ? graph?.nodes?.[name] : undefined;
  const target = context.targetName ? node?.data.targets?.[context.targetName] : undefined;
  if (!graph || !name || !node || !target) return undefined;
  const nxNamed = (context.nxJsonConfiguration?.namedInputs ?? {}) as Record<string, InputDefinition[]>;
  const inputsOf = (n: ProjectGraphProjectNode): ProjectInputs => ({
    name: n.name,
    root: n.data.root || '.',
    namedInputs: { ...nxNamed, ...((n.data.namedInputs ?? {}) as Record<string, InputDefinition[]>) },
  });
  const upstreamTargets = (target.dependsOn ?? []).flatMap((d) =>
    typeof d === 'string' ? (d.startsWith('^') ? [d.slice(1)] : []) : d.dependencies || d.projects === 'dependencies' ? [d.target] : [],
  );
  const dependencies = transitiveDependencies(graph.dependencies ?? {}, name)
    .map((dep) => graph.nodes[dep])
    .filter((n): n is ProjectGraphProjectNode => Boolean(n))
    .map((n) => ({ ...inputsOf(n), outputs: upstreamTargets.flatMap((t) => targetOutputs(n, t)) }));
  return {
    task: `${name}:${context.targetName}`,
    project: inputsOf(node),
    inputs: target.inputs as InputDefinition[] | undefined,
    dependencies,
    projects: Object.values(graph.nodes).map((n) => ({ name: n.name, root: n.data.root || '.' })),
  };
}

function transitiveDependencies(edges: Record<string, { target: string }[]>, from: string): string[] {
  const seen = new Set<string>([from]);
  const queue = [from];
  while (queue.length) {
    for (const { target } of edges[queue.shift()!] ?? []) {
      if (seen.has(target) || target.startsWith('npm:')) continue;
      seen.add(target);
      queue.push(target);
    }
  }
  seen.delete(from);
  return [...seen];
}

/** A target's outputs with `{options.x}` filled in from its options (dropped when unset). */
function targetOutputs(node: ProjectGraphProjectNode, targetName: string): string[] {
  const target = node.data.targets?.[targetName];
  const options = (target?.options ?? {}) as Record<string, unknown>;
  return (target?.outputs ?? []).flatMap((o) => {
    const filled = o.replace(/\{options\.([\w.-]+)\}/g, (_, key: string) =>
      typeof options[key] === 'string' ? (options[key] as string) : '\0',
    );
    return filled.includes('\0') ? [] : [filled];
  });
}

export interface CommonExecutorOptions {
  environment?: string;
  lockTimeoutMs?: number;
}
