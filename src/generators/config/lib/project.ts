import { getProjects, joinPathFragments, type Tree } from '@nx/devkit';

export interface TargetProject {
  name: string;
  /** Project root relative to the workspace root, posix ('.' for a root project). */
  root: string;
  /** Explicit targets from project.json / package.json "nx" (not inferred ones). */
  targets: Record<string, { executor?: string; command?: string; options?: { command?: string } }>;
}

/** A project by name, or by directory (a directory holding a package.json or project.json). */
export function findProject(tree: Tree, nameOrDir: string): TargetProject | { error: string } {
  const projects = getProjects(tree);
  const byName = projects.get(nameOrDir);
  if (byName) return { name: nameOrDir, root: byName.root || '.', targets: (byName.targets ?? {}) as TargetProject['targets'] };
  const dir = joinPathFragments(nameOrDir.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/\/+$/, '') || '.';
  for (const [name, p] of projects) {
    if ((p.root || '.') === dir) return { name, root: dir, targets: (p.targets ?? {}) as TargetProject['targets'] };
  }
  const known = [...projects.keys()].sort();
  return {
    error:
      `Cannot find project "${nameOrDir}" (neither a project name nor a project directory).` +
      (known.length ? ` Projects: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}` : ' The workspace has no projects.'),
  };
}
