import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findConfigFile } from '../config/find';
import { loadConfigModule } from '../config/load';
import { resolveBuildConfig, toPosix, type ResolvedBuildConfig } from '../config/resolve';
import { secretNamesInSource, secretValuesOfRaw } from '../config/secrets';
import { loadAdapter } from '../adapters';
import { findBinary } from '../utils/find-tool';
import { builderFacts, builderInEffect } from '../config/builders';
import type { Builder } from '../config/schema';
import { buildError, fail, type BuildError, type Result } from '../errors';
import { createMasker, maskError, secretValues } from './mask';
import { captureOutput } from './output-capture';

export interface ConfigRequest {
  workspaceRoot: string;
  packageRoot: string;
  environment: string;
  /** Options given inline (adapter executors in project.json) instead of a build.config.* file. */
  inlineConfig?: Record<string, unknown>;
  processEnv?: NodeJS.ProcessEnv;
}

/** The resolved config, or its errors; either way the secret values known so far (errors never quote them). */
export type LoadedProjectConfig = Result<ResolvedBuildConfig> & { secrets: string[] };

/**
 * Finds, loads and resolves a package's config: everything the `validate` phase needs.
 * Secret values are known before validation (names from the raw export, or from the source
 * of a config that did not load; values from the process env and the export's `env`), so the
 * errors and whatever the config printed while loading come back masked.
 */
export async function loadProjectConfig(req: ConfigRequest): Promise<LoadedProjectConfig> {
  const processEnv = req.processEnv ?? process.env;
  let printed = '';
  const { result, secrets } = await captureOutput(async (route) => {
    route((text) => {
      if (printed.length < MAX_PRINTED) printed += text;
    });
    return loadAndResolve(req, processEnv);
  });
  const mask = createMasker(secrets);
  // Shown once the secrets are known; stderr, so a `--json` stdout stays one document.
  if (printed) process.stderr.write(mask(printed));
  if (result.ok) return { ...result, secrets };
  return { ok: false, errors: result.errors.map((e) => maskError(e, mask)), secrets };
}

const MAX_PRINTED = 1024 * 1024;

async function loadAndResolve(
  req: ConfigRequest,
  processEnv: NodeJS.ProcessEnv,
): Promise<{ result: Result<ResolvedBuildConfig>; secrets: string[] }> {
  const base = { packageRoot: req.packageRoot, workspaceRoot: req.workspaceRoot, environment: req.environment, processEnv: req.processEnv };
  if (req.inlineConfig) {
    // Inline options live in project.json: errors name it, as they name a build.config.ts.
    const projectJson = join(req.packageRoot, 'project.json');
    const result = await resolveBuildConfig({
      ...base,
      raw: req.inlineConfig,
      configFile: existsSync(projectJson) ? projectJson : undefined,
    });
    return { result, secrets: secretsOf(result, secretValuesOfRaw(req.inlineConfig, processEnv), processEnv) };
  }
  const file = findConfigFile(req.packageRoot);
  if (!file) {
    const where = toPosix(relative(req.workspaceRoot, req.packageRoot)) || '.';
    return {
      result: fail(
        buildError('CONFIG_NOT_FOUND', `no build.config.{ts,mts,cts,mjs,js,cjs} in ${where}`, { phase: 'validate', file: where }),
      ),
      secrets: [],
    };
  }
  const fromSource = secretNamesInSource(readSource(file)).map((n) => processEnv[n]);
  const loaded = await loadConfigModule(file, { environment: req.environment }, req.workspaceRoot);
  if (!loaded.ok) return { result: loaded, secrets: defined(fromSource) };
  const resolved = await resolveBuildConfig({ ...base, raw: loaded.value.raw, configFile: file });
  const result = resolved.ok ? resolved : fail(...resolved.errors, ...builderOptionErrors(loaded.value.raw, resolved.errors, req, file));
  return { result, secrets: secretsOf(result, [...defined(fromSource), ...secretValuesOfRaw(loaded.value.raw, processEnv)], processEnv) };
}

/**
 * The builder's builderOptions errors for a config that failed validation elsewhere: all its
 * problems at once, not the builderOptions ones only after the rest is fixed.
 */
function builderOptionErrors(raw: unknown, errors: BuildError[], req: ConfigRequest, configFile: string): BuildError[] {
  if (!raw || typeof raw !== 'object' || errors.some((e) => e.field === 'builder' || e.field?.startsWith('builderOptions'))) return [];
  const r = raw as { builder?: unknown; builderOptions?: unknown; environments?: Record<string, { builderOptions?: unknown } | undefined> };
  const requested = r.builder === undefined ? 'esbuild' : r.builder;
  if (typeof requested !== 'string' || !builderFacts(requested)) return [];
  const own = isPlainObject(r.builderOptions) ? r.builderOptions : {};
  const overrides = isPlainObject(r.environments) ? r.environments[req.environment]?.builderOptions : undefined;
  const builderOptions = { ...own, ...(isPlainObject(overrides) ? overrides : {}) };
  const builder = builderInEffect(requested, (b) => Boolean(findBinary(b, [req.packageRoot, req.workspaceRoot]))) as Builder;
  const adapter = loadAdapter(builder);
  return adapter ? adapter.validateBuilderOptions({ builderOptions, configFile, workspaceRoot: req.workspaceRoot }) : [];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function secretsOf(result: Result<ResolvedBuildConfig>, known: string[], processEnv: NodeJS.ProcessEnv): string[] {
  const resolved = result.ok ? secretValues(result.value.secretEnv, result.value.env, processEnv) : [];
  return [...new Set([...known, ...resolved])];
}

function readSource(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const defined = (values: (string | undefined)[]) => values.filter((v): v is string => typeof v === 'string' && v.length > 0);
