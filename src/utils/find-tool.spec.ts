import { describe, expect, it } from 'vitest';
import { installCommand } from './find-tool';

describe('installCommand (the fix a missing builder message gives)', () => {
  const only =
    (...files: string[]) =>
    (f: string) =>
      files.includes(f);
  it.each([
    [only(), 'npm install -D rollup esbuild'],
    [only('package-lock.json'), 'npm install -D rollup esbuild'],
    [only('pnpm-lock.yaml'), 'pnpm add -D -w rollup esbuild'],
    [only('pnpm-workspace.yaml'), 'pnpm add -D -w rollup esbuild'],
    [only('yarn.lock'), 'yarn add -D rollup esbuild'],
    [only('bun.lock'), 'bun add -d rollup esbuild'],
    [only('bun.lockb'), 'bun add -d rollup esbuild'],
  ])('%#: the workspace package manager by its lockfile', (has, expected) => {
    expect(installCommand(['rollup', 'esbuild'], has)).toBe(expected);
  });
});
