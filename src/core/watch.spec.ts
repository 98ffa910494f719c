import { describe, expect, it } from 'vitest';
import { ignored } from './watch';

describe('ignored: what under a package is not an input of its watch', () => {
  it('leaves out outputs, build state, dependencies, version control and editor temp files', () => {
    for (const rel of [
      'dist',
      'dist/index.js',
      'node_modules/x/index.js',
      '.build-cache/jobs/a.json',
      '.git/HEAD',
      'src/.index.ts.swp',
      'src/index.ts~',
      'src/4913',
      'src/.#index.ts',
    ]) {
      expect(ignored(rel, 'dist'), rel).toBe(true);
    }
  });

  it('watches sources, the config, tsconfig and package.json, and a folder merely named like the outputs', () => {
    for (const rel of ['src/index.ts', 'build.config.ts', 'tsconfig.json', 'package.json', 'distance/a.ts', 'src/dist/a.ts']) {
      expect(ignored(rel, 'dist'), rel).toBe(false);
    }
  });

  it('follows a nested outputDir', () => {
    expect(ignored('build/out/index.js', 'build/out')).toBe(true);
    expect(ignored('build/other.ts', 'build/out')).toBe(false);
  });
});
