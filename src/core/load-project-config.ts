import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findConfigFile } from '../config/find';
import { loadConfigModule } from '../config/load';
import { resolveBuildConfig, toPosix, type ResolvedBuildConfig } from '../config/resolve';
import { buildError, fail, type Result } from '../errors';

export interface ConfigRequest {
  workspaceRoot: string;
  packageRoot: string;
  environment: string;
  /** Options given inline (adapter executors in project.json) instead of a build.config.* file. */
  inlineConfig?: Record<string, unknown>;
  processEnv?: NodeJS.ProcessEnv;
}

/** Finds, loads and resolves a package's config: everything the `validate` phase needs. */
export async function loadProjectConfig(req: ConfigRequest): Promise<Result<ResolvedBuildConfig>> {
  const base = { packageRoot: req.packageRoot, workspaceRoot: req.workspaceRoot, environment: req.environment, processEnv: req.processEnv };
  if (req.inlineConfig) {
    // Inline options live in project.json: errors name it, as they name a build.config.ts.
    const projectJson = join(req.packageRoot, 'project.json');
    return resolveBuildConfig({ ...base, raw: req.inlineConfig, configFile: existsSync(projectJson) ? projectJson : undefined });
  }
  const file = findConfigFile(req.packageRoot);
  if (!file) {
    const where = toPosix(relative(req.workspaceRoot, req.packageRoot)) || '.';
    return fail(buildError('CONFIG_NOT_FOUND', `no build.config.{ts,mts,cts,mjs,js,cjs} in ${where}`, { phase: 'validate', file: where }));
  }
  const loaded = await loadConfigModule(file, { environment: req.environment }, req.workspaceRoot);
  if (!loaded.ok) return loaded;
  return resolveBuildConfig({ ...base, raw: loaded.value.raw, configFile: file });
}
