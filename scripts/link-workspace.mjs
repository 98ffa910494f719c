// Makes a workspace directory use this repository's node_modules without installing:
// node_modules/<pkg> symlinks to ours, @repo/build-system links to this repo (built dist/),
// and each workspace package is linked under its name, as npm workspaces would.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export function linkWorkspace(workspaceRoot, packageDirs = []) {
  const source = join(repoRoot, 'node_modules');
  const target = join(workspaceRoot, 'node_modules');
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(source)) {
    if (name === '.cache' || name === '.package-lock.json') continue;
    // Scopes and .bin are real directories of links, so a test that removes one entry (say
    // .bin/bun) changes its own workspace only, never this repository's node_modules.
    if (name.startsWith('@') || name === '.bin') {
      mkdirSync(join(target, name), { recursive: true });
      for (const sub of readdirSync(join(source, name))) link(join(source, name, sub), join(target, name, sub));
    } else {
      link(join(source, name), join(target, name));
    }
  }
  mkdirSync(join(target, '@repo'), { recursive: true });
  link(repoRoot, join(target, '@repo', 'build-system'));
  for (const dir of packageDirs) {
    const pkg = JSON.parse(readFileSync(join(workspaceRoot, dir, 'package.json'), 'utf8'));
    const at = join(target, ...pkg.name.split('/'));
    mkdirSync(dirname(at), { recursive: true });
    link(join(workspaceRoot, dir), at);
  }
}

function link(from, to) {
  if (existsSync(to) || isLink(to)) rmSync(to, { recursive: true, force: true });
  symlinkSync(relative(dirname(to), from), to, 'junction');
}

function isLink(p) {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Packages of a workspace: every directory under `packages/` with a package.json. */
export function workspacePackageDirs(workspaceRoot, base = 'packages') {
  const dir = join(workspaceRoot, base);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => existsSync(join(dir, n, 'package.json')))
    .map((n) => `${base}/${n}`);
}
