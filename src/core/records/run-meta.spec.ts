import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitCommit } from './run-meta';

const dir = mkdtempSync(join(tmpdir(), 'bs-git-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@example.test', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' }).trim();

describe('gitCommit (read from .git, no git process)', () => {
  it('follows HEAD to a loose ref, a packed ref, a detached HEAD and a linked worktree; null outside git and before the first commit', () => {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'packages', 'a'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    expect(gitCommit(repo)).toBeNull();
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'one');
    const one = git(repo, 'rev-parse', 'HEAD');
    expect(gitCommit(join(repo, 'packages', 'a'))).toBe(one);
    git(repo, 'pack-refs', '--all');
    expect(gitCommit(repo)).toBe(one);
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'two');
    git(repo, 'worktree', 'add', '-q', '--detach', join(dir, 'wt'), one);
    expect([gitCommit(repo), gitCommit(join(dir, 'wt'))]).toEqual([git(repo, 'rev-parse', 'HEAD'), one]);
    git(join(dir, 'wt'), 'checkout', '-q', '-b', 'side');
    git(join(dir, 'wt'), 'commit', '-q', '--allow-empty', '-m', 'three');
    expect(gitCommit(join(dir, 'wt'))).toBe(git(join(dir, 'wt'), 'rev-parse', 'HEAD'));
    expect(gitCommit(tmpdir())).toBeNull();
  });
});
