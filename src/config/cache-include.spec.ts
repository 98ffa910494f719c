import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outsideInputFiles } from './cache-include';

async function sortedOutsideFiles(...args: Parameters<typeof outsideInputFiles>) {
  const { include, keyFiles } = await outsideInputFiles(...args);
  return { include: include.sort(), keyFiles: keyFiles.sort() };
}

function workspace(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'outside-inputs-'));
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), f);
  }
  return root;
}

describe('outsideInputFiles', () => {
  const files = [
    'packages/a/src/index.ts',
    'packages/a/data.json',
    'shared/const.json',
    'shared/.hidden.json',
    'shared/node_modules/dep/x.json',
    'config/base.json',
    'config/other.txt',
  ];

  it('lists the files the include and key globs leaving the package match, workspace-relative', async () => {
    const workspaceRoot = workspace(files);
    const cache = {
      include: ['src/**', '../../shared/**/*.json'],
      key: { files: ['data.json', '{workspaceRoot}/config/*.json'] },
    };
    expect(await sortedOutsideFiles({ workspaceRoot, packagePath: 'packages/a', cache })).toEqual({
      include: ['shared/.hidden.json', 'shared/const.json'],
      keyFiles: ['config/base.json'],
    });
  });

  it('finds nothing when every glob stays in the package, or for a package at the workspace root', async () => {
    const workspaceRoot = workspace(files);
    const cache = { include: ['src/**', '../a/data.json'], key: { files: ['data.json'] } };
    expect(await outsideInputFiles({ workspaceRoot, packagePath: 'packages/a', cache })).toEqual({ include: [], keyFiles: [] });
    expect(await outsideInputFiles({ workspaceRoot, packagePath: '', cache: { include: ['shared/**'] } })).toEqual({
      include: [],
      keyFiles: [],
    });
  });
});
