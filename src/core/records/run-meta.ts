import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { RunMeta } from './build-rows';

/** This machine and the commit checked out in the workspace (null outside git). */
export function runMeta(workspaceRoot: string): RunMeta {
  return { host: hostname(), commitSha: gitCommit(workspaceRoot) };
}

/**
 * The commit HEAD points at, read from the repository's files rather than by spawning git
 * (this runs once per build): `.git` may be a directory or, in a worktree or submodule, a
 * file naming one; a branch ref is a loose file or a line of `packed-refs` in the common dir.
 */
export function gitCommit(workspaceRoot: string): string | null {
  try {
    const gitDir = findGitDir(resolve(workspaceRoot));
    if (!gitDir) return null;
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (isObjectId(head)) return head;
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    if (!ref) return null;
    const commonDir = readCommonDir(gitDir);
    for (const dir of [gitDir, commonDir]) {
      const loose = readIfFile(join(dir, ref))?.trim();
      if (loose && isObjectId(loose)) return loose;
    }
    const packed = readIfFile(join(commonDir, 'packed-refs')) ?? '';
    for (const line of packed.split('\n')) {
      const [sha, name] = line.trim().split(' ');
      if (name === ref && isObjectId(sha)) return sha;
    }
    return null; // a branch with no commit yet
  } catch {
    return null;
  }
}

function findGitDir(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    const stat = statSync(dotGit, { throwIfNoEntry: false });
    if (stat?.isDirectory()) return dotGit;
    if (stat?.isFile()) {
      const target = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1].trim();
      if (target) return isAbsolute(target) ? target : resolve(dir, target);
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** A linked worktree keeps its HEAD in its own git dir and the shared refs in the `commondir` it names. */
function readCommonDir(gitDir: string): string {
  const common = readIfFile(join(gitDir, 'commondir'))?.trim();
  if (!common) return gitDir;
  return isAbsolute(common) ? common : resolve(gitDir, common);
}

function readIfFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const isObjectId = (s: string | undefined): s is string => typeof s === 'string' && /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(s);
