import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fg from 'fast-glob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandSimpleGlobs, listPackageFiles } from '../../src/utils/simple-glob';

describe('expandSimpleGlobs: the common artifact globs without a glob library', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'simple-glob-'));
    for (const f of [
      'dist/index.js',
      'dist/.hidden.js',
      'dist/sub/deep/a.d.ts',
      'dist/node_modules/x/i.js',
      'lib/b.cjs',
      'pkg-1.0.0.tgz',
      'src/index.ts',
      '.build-cache/jobs/j.json',
      'build/c.js',
    ]) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), f);
    }
    symlinkSync(join(root, 'src'), join(root, 'dist', 'link-to-src'));
    symlinkSync(join(root, 'src/index.ts'), join(root, 'dist', 'link-to-file.ts'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const viaFastGlob = (globs: string[], ignore: string[]) =>
    fg.sync(globs, { cwd: root, onlyFiles: true, dot: true, followSymbolicLinks: false, ignore }).sort();

  it('matches fast-glob for dir/**, *.ext and combinations, dotfiles in, node_modules and symlinks out', () => {
    for (const globs of [['dist/**'], ['dist/**', 'build/**', 'lib/**', '*.tgz'], ['dist/**/*'], ['missing/**']]) {
      expect(expandSimpleGlobs(root, globs, ['.build-cache']), globs.join()).toEqual(
        viaFastGlob(globs, ['.build-cache/**', '**/node_modules/**']),
      );
    }
  });

  it('leaves other shapes to fast-glob and never walks out of the package', () => {
    expect(expandSimpleGlobs(root, ['dist/*.js'])).toBeUndefined();
    expect(expandSimpleGlobs(root, ['{dist,lib}/**'])).toBeUndefined();
    expect(expandSimpleGlobs(root, ['../**'])).toEqual([]);
    // normalized, where fast-glob would echo the './'
    expect(expandSimpleGlobs(root, ['./lib/**'])).toEqual(['lib/b.cjs']);
    expect(expandSimpleGlobs(root, ['.build-cache/**'], ['.build-cache'])).toEqual([]);
  });

  it('listPackageFiles: every source file, outputs and caches aside', () => {
    expect(listPackageFiles(root, ['.build-cache', './dist/'])).toEqual(
      viaFastGlob(['**/*'], ['**/node_modules/**', '.build-cache/**', '.git/**', 'dist/**']),
    );
  });
});
