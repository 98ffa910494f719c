import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { buildError, fail, ok, type Result } from '../errors';

/** The package.json fields the build system reads; any other key is kept as unknown. */
export interface PackageJson {
  name?: string;
  version?: string;
  type?: string;
  types?: string;
  typings?: string;
  main?: string;
  module?: string;
  exports?: unknown;
  workspaces?: unknown;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** A package.json read: its text and value, or why it could not be read. */
export type PackageJsonFile =
  { ok: true; text: string; value: PackageJson } | { ok: false; reason: 'missing' | 'unreadable' | 'not-an-object'; message: string };

/** The one reader of `<dir>/package.json`; the variants below are views of it. */
export function readPackageJsonFile(dir: string): PackageJsonFile {
  let text: string;
  let value: unknown;
  try {
    text = readFileSync(join(dir, 'package.json'), 'utf8');
    value = JSON.parse(text);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return { ok: false, reason: missing ? 'missing' : 'unreadable', message: (err as Error).message };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'not-an-object', message: 'package.json is not a JSON object' };
  }
  return { ok: true, text, value: value as PackageJson };
}

/** `<dir>/package.json`, undefined when it is missing or not a JSON object. */
export function readPackageJson(dir: string): PackageJson | undefined {
  const file = readPackageJsonFile(dir);
  return file.ok ? file.value : undefined;
}

/** `<dir>/package.json`, or a PACKAGE_JSON_INVALID error located at it (workspace-relative). */
export function readPackageJsonResult(dir: string, workspaceRoot: string): Result<PackageJson> {
  const read = readPackageJsonFile(dir);
  if (read.ok) return ok(read.value);
  const posix = (to: string) => relative(workspaceRoot, to).split(sep).join('/');
  const message = {
    missing: `no package.json in ${posix(dir) || '.'}`,
    unreadable: `package.json is not valid JSON: ${read.message}`,
    'not-an-object': read.message,
  }[read.reason];
  return fail(buildError('PACKAGE_JSON_INVALID', message, { file: posix(join(dir, 'package.json')) }));
}

/** The `version` of `<dir>/package.json` (a tool's installed version), undefined when it has none. */
export function packageVersionAt(dir: string): string | undefined {
  const version = readPackageJson(dir)?.version;
  return typeof version === 'string' ? version : undefined;
}
