import { createHash } from 'node:crypto';
import type { Artifact } from '../records/types';

/**
 * Names of uploaded objects: `<name>-<version>-<hash>.tgz` for the tarball, and
 * `<name>-<version>-<hash>/<path>` for each file. The hash is of the outputs themselves (their
 * paths and sha256s), so the same outputs get the same names whether Nx ran the build or not,
 * and different outputs never overwrite each other.
 */

/** npm pack's file name for a package name: `@acme/utils` → `acme-utils`. */
export function safePackageName(name: string): string {
  return name
    .replace(/^@/, '')
    .replace(/\//g, '-')
    .replace(/[^A-Za-z0-9._-]/g, '_');
}

/** 12 hex characters of the sha256 of the sorted `path NUL checksum` lines. */
export function outputsHash(artifacts: readonly Pick<Artifact, 'path' | 'checksum'>[]): string {
  const lines = artifacts.map((a) => `${a.path}\0${a.checksum}\n`).sort();
  return createHash('sha256').update(lines.join('')).digest('hex').slice(0, 12);
}

export function objectStem(
  packageName: string,
  version: string | undefined,
  artifacts: readonly Pick<Artifact, 'path' | 'checksum'>[],
): string {
  return `${safePackageName(packageName)}-${version || '0.0.0'}-${outputsHash(artifacts)}`;
}
