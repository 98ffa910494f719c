import { join } from 'node:path';
import { readPackageJson } from './package-json';

let cached: string | undefined;

/** This package's version: part of the targets cache key and of the validated-config cache key. */
export function packageVersion(): string {
  if (cached) return cached;
  // dist/version.js and dist/<dir>/x.js both find the package root within two levels.
  for (const dir of [join(__dirname, '..'), join(__dirname, '..', '..')]) {
    const pkg = readPackageJson(dir);
    if (pkg?.name === '@repo/build-system') return (cached = pkg.version ?? '0.0.0');
  }
  return (cached = '0.0.0');
}
