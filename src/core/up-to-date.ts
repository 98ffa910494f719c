import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { parseDuration } from '../config/duration';
import { toolPackages } from '../config/builders';
import { outsideInputFiles, splitInclude, workspaceFiles } from '../config/cache-include';
import { envNamesIn } from '../config/env-reads';
import { fastGlob } from '../utils/glob';
import { stripComments } from '../utils/strip-comments';
import { ownTsconfigPath, toPosix, type ResolvedBuildConfig } from '../config/resolve';
import { packageVersion } from '../utils/version';
import { sha256File } from './artifacts';
import { computeFingerprintFiles } from './fingerprint';
import type { UpToDateAnswer } from './pipeline';
import { isBuildJob, RETAINED_JOBS, type RecordStore } from './records/store';
import type { Artifact, BuildJob } from './records/types';
import { tsconfigChainText } from '../utils/tsconfig-read';
import { packageVersionAt } from '../utils/package-json';

/**
 * The CLI's own up-to-date check, for builds without Nx (docs/records-and-cli.md): a package is
 * not rebuilt when what its outputs were built from is unchanged since its last successful
 * build and the outputs still match that record's checksums. Under Nx it is never asked: Nx's
 * hash and cache decide there.
 */

/** What a build's outputs depend on, one hash per kind, so a rebuild can say what changed. */
export interface UpToDateParts {
  /** The package's own files (outputs, .build-cache, node_modules and nested packages aside), narrowed by `cache`. */
  sources: string;
  /** The resolved config (environment overrides applied; hooks by their source text). */
  config: string;
  /** The environment's name and the values of `env`, `secretEnv` and what the config's source reads (`process.env.X`). */
  environment: string;
  /** The builder requested and in effect, the versions of the packages it runs, this plugin's version. */
  builder: string;
  /** The outputs of the workspace packages it depends on, as their last successful builds recorded them. */
  dependencies: string;
}

const PART_LABELS: Record<keyof UpToDateParts, string> = {
  sources: 'sources changed',
  config: 'the build config changed',
  environment: 'the environment changed',
  builder: 'the builder or its version changed',
  dependencies: "a dependency's outputs changed",
};

/** The key recorded in `BuildJob.upToDateKey`: one hash of the parts. */
export function upToDateKey(parts: UpToDateParts): string {
  return `v1:${sha256(stableJson(parts))}`;
}

/** The last successful build, as the decision needs it. */
export type LastSuccess = Pick<BuildJob, 'id' | 'upToDateKey' | 'artifacts' | 'metadata'>;

export interface UpToDateDecisionInput {
  parts: UpToDateParts;
  lastSuccess?: LastSuccess;
  /** The current sha256 (`sha256:<hex>`) of each output the last success recorded; undefined when missing. */
  outputs: Record<string, string | undefined>;
  force: boolean;
  /** `cache.maxAge`: outputs built longer ago than this are out of date (`now` and `builtAt` in ms). */
  expiry?: { maxAge: string; maxAgeMs: number; builtAt: number; now: number };
}

/** Whether the package is up to date, and if not, why. Pure. */
export function decideUpToDate(input: UpToDateDecisionInput): { upToDate: boolean; reasons: string[] } {
  const { parts, lastSuccess, outputs, force } = input;
  if (force) return { upToDate: false, reasons: ['--force'] };
  if (!lastSuccess) return { upToDate: false, reasons: ['no successful build yet'] };
  if (!lastSuccess.upToDateKey)
    return { upToDate: false, reasons: ['the last successful build has no up-to-date key (it ran under Nx or an older version)'] };
  const reasons: string[] = [];
  if (lastSuccess.upToDateKey !== upToDateKey(parts)) {
    const before = partsOf(lastSuccess);
    const changed = (Object.keys(PART_LABELS) as (keyof UpToDateParts)[]).filter((k) => before?.[k] !== parts[k]);
    reasons.push(...(before ? changed.map((k) => PART_LABELS[k]) : []));
    if (!reasons.length) reasons.push('the inputs changed');
  }
  const missing = lastSuccess.artifacts.filter((a) => outputs[a.path] === undefined).map((a) => a.path);
  const modified = lastSuccess.artifacts.filter((a) => outputs[a.path] !== undefined && outputs[a.path] !== a.checksum).map((a) => a.path);
  if (missing.length) reasons.push(`output ${listed(missing)} missing`);
  if (modified.length) reasons.push(`output ${listed(modified)} modified`);
  const { expiry } = input;
  if (expiry && expiry.now - expiry.builtAt > expiry.maxAgeMs) reasons.push(`the outputs are older than cache.maxAge (${expiry.maxAge})`);
  return { upToDate: reasons.length === 0, reasons };
}

function partsOf(job: LastSuccess): UpToDateParts | undefined {
  const p = job.metadata?.upToDateParts as Partial<UpToDateParts> | undefined;
  return p && typeof p === 'object' && (Object.keys(PART_LABELS) as (keyof UpToDateParts)[]).every((k) => typeof p[k] === 'string')
    ? (p as UpToDateParts)
    : undefined;
}

function listed(paths: string[]): string {
  return `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` (+${paths.length - 5} more)` : ''}`;
}

export interface UpToDateRequest {
  config: ResolvedBuildConfig;
  /** The builder in effect. */
  builder: string;
  store: RecordStore;
  /** Workspace-relative paths of the workspace packages it depends on, transitively. */
  dependencyPaths: string[];
  force: boolean;
  processEnv?: NodeJS.ProcessEnv;
}

/** What `cache.maxAge` measures from: when the outputs were built (through the up-to-date records since). */
function builtAt(job: BuildJob): number {
  const at = job.metadata?.builtAt;
  return Date.parse(typeof at === 'string' ? at : (job.endTime ?? job.startTime));
}

/** The clock of the expiry check: `BUILD_SYSTEM_NOW` (an ISO date or milliseconds) stands in for it in tests. */
function now(env: NodeJS.ProcessEnv): number {
  const fake = env.BUILD_SYSTEM_NOW;
  const parsed = fake ? (/^\d+$/.test(fake) ? Number(fake) : Date.parse(fake)) : NaN;
  return Number.isFinite(parsed) ? parsed : Date.now();
}

/** The answer for the pipeline, with the parts to record; never throws (a check that fails means a build). */
export async function checkUpToDate(req: UpToDateRequest): Promise<UpToDateAnswer> {
  let parts: UpToDateParts;
  try {
    parts = await computeParts(req);
  } catch (err) {
    return { key: '', reasons: [`could not check: ${(err as Error).message}`] };
  }
  const key = upToDateKey(parts);
  const lastSuccess = req.force ? undefined : await lastSuccessfulBuild(req.store, req.config.packagePath);
  const outputs: Record<string, string | undefined> = {};
  for (const a of lastSuccess?.artifacts ?? []) outputs[a.path] = await currentChecksum(join(req.config.packageRoot, a.path));
  const maxAge = req.config.cache.maxAge;
  const maxAgeMs = maxAge ? parseDuration(maxAge) : undefined;
  const expiry =
    maxAge && maxAgeMs !== undefined && lastSuccess
      ? { maxAge, maxAgeMs, builtAt: builtAt(lastSuccess), now: now(req.processEnv ?? process.env) }
      : undefined;
  const decision = decideUpToDate({ parts, lastSuccess, outputs, force: req.force, expiry });
  // The parts go into the record too: the next check says which of them changed.
  return { key, metadata: { upToDateParts: parts }, reasons: decision.reasons, ...(decision.upToDate ? { current: lastSuccess } : {}) };
}

async function computeParts(req: UpToDateRequest): Promise<UpToDateParts> {
  const { config } = req;
  const env = req.processEnv ?? process.env;
  const secrets = Object.fromEntries(config.secretEnv.map((name) => [name, env[name] ?? null]));
  // What the config itself reads from the environment (a closure's value is not in its source text).
  const read = Object.fromEntries(envReadByConfig(config).map((name) => [name, env[name] ?? null]));
  return {
    sources: sha256(stableJson(await sourceFiles(config))),
    config: sha256(stableJson(configForKey(config))),
    environment: sha256(stableJson({ environment: config.environment, env: config.env, secrets, read, ...keyedEnvironment(config, env) })),
    builder: sha256(
      stableJson({ requested: config.builder, builder: req.builder, tools: toolVersions(config, req.builder), plugin: packageVersion() }),
    ),
    dependencies: sha256(stableJson(await dependencyOutputs(req.store, req.dependencyPaths))),
  };
}

/** Content hashes of the files the build reads: the package's, narrowed by `cache`, plus declared files outside it and the tsconfig chain. */
async function sourceFiles(config: ResolvedBuildConfig): Promise<Record<string, string>> {
  const all = await computeFingerprintFiles(config.packageRoot, [config.outputDir]);
  const { own } = splitInclude(config.cache.include ?? [], config.packagePath);
  const exclude = config.cache.exclude ?? [];
  let files = Object.keys(all);
  if (own.length || exclude.length) {
    const fg = fastGlob();
    const opts = { cwd: config.packageRoot, dot: true, onlyFiles: true, followSymbolicLinks: false, ignore: ['**/node_modules/**'] };
    const included = own.length ? new Set(await fg(own, opts)) : undefined;
    const excluded = new Set(exclude.length ? await fg(exclude, opts) : []);
    // The config, package.json and tsconfigs are inputs whatever `cache` says, as in the inferred target.
    const always = (f: string) =>
      f === toPosix(relative(config.packageRoot, config.configFile ?? '')) || f === 'package.json' || /^tsconfig[^/]*\.json$/.test(f);
    files = files.filter((f) => always(f) || ((!included || included.has(f)) && !excluded.has(f)));
  }
  const out: Record<string, string> = Object.fromEntries(files.map((f) => [f, all[f]]));
  const hashOf = (f: string) => sha256(readFileSync(join(config.workspaceRoot, f)));
  const outsideFiles = await outsideInputFiles(config);
  for (const f of outsideFiles.include) out[`{workspaceRoot}/${f}`] = hashOf(f);
  // `cache.key.files`: read by the build in ways no scan sees; they may leave the package.
  const ownKeyGlobs = splitInclude(config.cache.key?.files ?? [], config.packagePath).own.map((g) => posix.join(config.packagePath, g));
  for (const f of [...(await workspaceFiles(config.workspaceRoot, ownKeyGlobs)), ...outsideFiles.keyFiles]) out[`{key}/${f}`] = hashOf(f);
  // Declarations and tsc builds read the whole tsconfig chain, which may extend files outside the package.
  if (config.dts || config.builder === 'tsc') out['{tsconfig chain}'] = sha256(tsconfigChainText(ownTsconfigPath(config)));
  return out;
}

/** `cache.key.env` values and, with `cache.key.runtime`, the Node version and platform. */
function keyedEnvironment(config: ResolvedBuildConfig, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const key = config.cache.key;
  if (!key) return {};
  return {
    ...(key.env?.length ? { keyEnv: Object.fromEntries(key.env.map((name) => [name, env[name] ?? null])) } : {}),
    ...(key.runtime ? { runtime: `${process.version} ${process.platform} ${process.arch}` } : {}),
  };
}

function envReadByConfig(config: ResolvedBuildConfig): string[] {
  if (!config.configFile) return [];
  try {
    return envNamesIn(stripComments(readFileSync(config.configFile, 'utf8')));
  } catch {
    return [];
  }
}

/** Left out of the config part: covered by another part (env, package.json) or different per checkout (absolute paths). */
const NOT_CONFIG = new Set(['workspaceRoot', 'packageRoot', 'configFile', 'packageJson', 'env', 'runtimeValidationSchema']);

function configForKey(config: ResolvedBuildConfig): Record<string, unknown> {
  const rest = Object.fromEntries(Object.entries(config).filter(([k]) => !NOT_CONFIG.has(k)));
  const configFile = config.configFile ? toPosix(relative(config.packageRoot, config.configFile)) : null;
  return { ...rest, configFile, runtimeValidationSchema: config.runtimeValidationSchema ? 'set' : null };
}

/** Installed versions of the packages the builder runs (resolved from the package, as the adapters load them). */
function toolVersions(config: ResolvedBuildConfig, builder: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of toolPackages(builder, config.dts, config.dts && config.dtsBundle)) {
    let version: string | null = null;
    try {
      const file = require.resolve(`${name}/package.json`, { paths: [config.packageRoot, config.workspaceRoot] });
      version = packageVersionAt(dirname(file)) ?? null;
    } catch {
      /* not installed, or no package.json export: the build says so */
    }
    out[name] = version;
  }
  return out;
}

/** Each dependency's outputs as its last successful build recorded them. */
async function dependencyOutputs(store: RecordStore, paths: string[]): Promise<Record<string, string[] | null>> {
  const out: Record<string, string[] | null> = {};
  for (const path of [...paths].sort()) {
    const last = await lastSuccessfulBuild(store, path);
    out[path] = last ? last.artifacts.map((a: Artifact) => `${a.path} ${a.checksum}`).sort() : null;
  }
  return out;
}

/** The newest record with status success (an up-to-date record included). */
export async function lastSuccessfulBuild(store: RecordStore, packagePath: string): Promise<BuildJob | undefined> {
  const latest = await store.latest(packagePath);
  if (isBuildJob(latest) && latest.status === 'success') return latest;
  // As far back as the JSON files go (a database keeps every build: it is not read whole).
  return (await store.history(packagePath, RETAINED_JOBS)).find((j) => isBuildJob(j) && j.status === 'success');
}

async function currentChecksum(file: string): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    return `sha256:${await sha256File(file)}`;
  } catch {
    return undefined;
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with sorted keys; functions by their source, so an edited hook function changes the key. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'function') return `function:${String(v)}`;
    if (v instanceof RegExp) return `regexp:${String(v)}`;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return v;
  });
}
