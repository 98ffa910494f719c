import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatLike, packageJsonInStep } from '../config/package-fields';
import { workspacePath } from '../config/resolve';
import { buildError, fail, ok, type Result } from '../errors';
import { loadProjectConfig } from './load-project-config';
import { readPackageJsonFile } from '../utils/package-json';

export interface PackageSyncResult {
  /** package.json, workspace-relative. */
  file: string;
  /** Fields that were (or, with `check`, would be) changed: `main`, `exports["./cli"]`, … */
  changed: string[];
  /** Whether package.json was written. */
  written: boolean;
  /** Set for a custom build: nothing to sync. */
  skipped?: string;
}

/**
 * Brings a package's package.json in step with its build config (`build-system sync`), or with
 * `check` only says what is out of step. Errors when the config does not load or package.json
 * does not parse.
 */
export async function syncPackageJson(req: {
  workspaceRoot: string;
  packageRoot: string;
  environment?: string;
  check?: boolean;
}): Promise<Result<PackageSyncResult>> {
  const loaded = await loadProjectConfig({
    workspaceRoot: req.workspaceRoot,
    packageRoot: req.packageRoot,
    environment: req.environment ?? 'production',
  });
  if (!loaded.ok) return loaded;
  const config = loaded.value;
  const path = join(req.packageRoot, 'package.json');
  const file = workspacePath(config, 'package.json');
  const read = readPackageJsonFile(req.packageRoot);
  if (!read.ok) return fail(buildError('PACKAGE_JSON_INVALID', `package.json cannot be read: ${read.message}`, { file }));
  const { text, value: pkg } = read;
  const next = packageJsonInStep(config, pkg);
  if (!next) return ok({ file, changed: [], written: false, skipped: 'a custom build: its command decides the outputs' });
  const write = !req.check && next.changed.length > 0;
  if (write) writeFileSync(path, formatLike(text, next.pkg));
  return ok({ file, changed: next.changed, written: write });
}
