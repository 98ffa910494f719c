import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/**
 * Builders are peer dependencies: the workspace picks their versions. Resolve from the
 * package, then the workspace, then the plugin's own install.
 */
export function resolveToolModule(name: string, from: string[]): string | undefined {
  for (const paths of [from, [__dirname]]) {
    try {
      return require.resolve(name, { paths });
    } catch {
      /* try the next */
    }
  }
  return undefined;
}

/**
 * An optional peer only where the workspace installed it (the package, then the workspace):
 * never the plugin's own copy, so installing it is the workspace's choice.
 */
export function resolveWorkspaceModule(name: string, from: string[]): string | undefined {
  try {
    return require.resolve(name, { paths: from });
  } catch {
    return undefined;
  }
}

export function requireTool<T>(name: string, from: string[]): T | undefined {
  const resolved = resolveToolModule(name, from);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return resolved ? (require(resolved) as T) : undefined;
}

/** A binary from `node_modules/.bin` of the package or any ancestor, then PATH. */
export function findBinary(name: string, startDirs: string[]): string | undefined {
  const exe = process.platform === 'win32' ? [`${name}.cmd`, `${name}.exe`, name] : [name];
  for (const start of startDirs) {
    let dir = start;
    for (;;) {
      for (const e of exe) {
        const candidate = join(dir, 'node_modules', '.bin', e);
        if (existsSync(candidate)) return candidate;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const e of exe) {
      const candidate = join(dir, e);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The command that installs `packages` as dev dependencies with the workspace's package
 * manager (told by its lockfile; `has` says whether a workspace-relative file exists).
 */
export function installCommand(packages: readonly string[], has: (file: string) => boolean): string {
  const list = packages.join(' ');
  if (has('pnpm-lock.yaml') || has('pnpm-workspace.yaml')) return `pnpm add -D -w ${list}`;
  if (has('yarn.lock')) return `yarn add -D ${list}`;
  if (has('bun.lock') || has('bun.lockb')) return `bun add -d ${list}`;
  return `npm install -D ${list}`;
}

/** `installCommand` for a workspace on disk. */
export function installHint(packages: readonly string[], workspaceRoot: string): string {
  return installCommand(packages, (f) => existsSync(join(workspaceRoot, f)));
}
