import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

/** This package's version: part of the targets cache key and of the validated-config cache key. */
export function packageVersion(): string {
  if (cached) return cached;
  // dist/version.js and dist/<dir>/x.js both find the package root within two levels.
  for (const candidate of [join(__dirname, '..', 'package.json'), join(__dirname, '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@repo/build-system') return (cached = pkg.version ?? '0.0.0');
    } catch {
      /* next */
    }
  }
  return (cached = '0.0.0');
}
