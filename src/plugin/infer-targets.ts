import type { TargetConfiguration } from '@nx/devkit';
import { builderFacts, builderInEffect, toolPackages } from '../config/builders';
import { splitInclude } from '../config/cache-include';
import { BUILD_CACHE_DIR, BUILT_IN_ENVIRONMENTS } from '../config/define';
import { PLUGIN_NAME, type TargetOptions } from './options';

/**
 * The fields of a config the graph needs, read without validation: graph time must stay
 * cheap, and an invalid config must still get a target (which then fails, naming the problem).
 */
export interface GraphConfig {
  builder: string;
  outputDir: string;
  cache?: { include?: string[]; exclude?: string[] };
  /** `cache.key`: what else changes the hash. */
  cacheKey: { files: string[]; env: string[]; runtime: boolean };
  /** `cache.maxAge` as written: the CLI's up-to-date expiry; said in the target's description. */
  maxAge?: string;
  envKeys: string[];
  dts: boolean;
  /** Declarations, when on, are bundled (rollup and rollup-plugin-dts write them): no `dts: { bundle: false }`. */
  dtsBundle: boolean;
  /** Keys of `environments`, sorted. */
  environments: string[];
  name?: string;
  /** Every `tsconfig` the config sets (common and per environment). */
  tsconfigs: string[];
}

export function readGraphConfig(raw: unknown): GraphConfig {
  const c = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const cache = (c.cache && typeof c.cache === 'object' ? c.cache : {}) as Record<string, unknown>;
  const key = (cache.key && typeof cache.key === 'object' ? cache.key : {}) as Record<string, unknown>;
  const envs = (c.environments && typeof c.environments === 'object' ? c.environments : {}) as Record<string, { env?: object }>;
  const envKeys = new Set<string>([
    ...Object.keys((c.env as object) ?? {}),
    ...(strings(c.secretEnv) ?? []),
    ...Object.values(envs).flatMap((e) => Object.keys(e?.env ?? {})),
  ]);
  const dtsValues = [c.dts, ...Object.values(envs).map((e) => (e as { dts?: unknown })?.dts)].filter(dtsOn);
  return {
    builder: typeof c.builder === 'string' ? c.builder : 'esbuild',
    outputDir: typeof c.outputDir === 'string' ? c.outputDir.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '') : 'dist',
    cache: { include: strings(cache.include), exclude: strings(cache.exclude) },
    cacheKey: { files: strings(key.files) ?? [], env: strings(key.env) ?? [], runtime: key.runtime === true },
    ...(typeof cache.maxAge === 'string' ? { maxAge: cache.maxAge } : {}),
    envKeys: [...envKeys].sort(),
    dts: dtsValues.length > 0,
    // Bundled (the default) unless every `dts` the config sets says `{ bundle: false }`.
    dtsBundle: dtsValues.length === 0 || dtsValues.some((d) => (d as { bundle?: unknown }).bundle !== false),
    environments: Object.keys(envs).sort(),
    name: typeof c.name === 'string' ? c.name : undefined,
    tsconfigs: [
      ...new Set(
        [c.tsconfig, ...Object.values(envs).map((e) => (e as { tsconfig?: unknown })?.tsconfig)].filter(
          (t): t is string => typeof t === 'string' && t.length > 0,
        ),
      ),
    ].sort(),
  };
}

/** `dts: true` or `dts: { … }` (an object turns declarations on, `bundle` chooses their shape). */
const dtsOn = (d: unknown): boolean => d === true || (typeof d === 'object' && d !== null);

export interface InferContext {
  configFileName: string;
  namedInputs: Record<string, unknown>;
  /** Packages present in the workspace's lockfile/installation; others cannot be inputs. */
  installedTools: ReadonlySet<string>;
  /** Whether a bun binary exists; without it `builder: 'bun'` builds with esbuild. */
  bunAvailable: boolean;
  packageHasTypes: boolean;
  /** What the config's source says the build reads beyond the package (config/config-dependencies.ts). */
  dependencies?: { files: string[]; env: string[] };
  /** Workspace-relative package root (posix): places `cache.include` paths that leave the package. */
  projectRoot?: string;
}

export function inferTargets(config: GraphConfig, options: TargetOptions, ctx: InferContext): Record<string, TargetConfiguration> {
  // bun is the one builder with a binary to look for.
  const builder = builderInEffect(config.builder, () => ctx.bunAvailable);
  const base = 'production' in ctx.namedInputs ? 'production' : 'default';
  const included = splitInclude(config.cache?.include ?? [], ctx.projectRoot);
  const include = [...(included.own.length ? included.own.map((g) => `{projectRoot}/${g}`) : [base]), ...included.outside];
  const exclude = (config.cache?.exclude ?? []).map((g) => `!{projectRoot}/${g}`);
  const keyFiles = splitInclude(config.cacheKey.files, ctx.projectRoot);
  const declarations = config.dts || ctx.packageHasTypes;
  const externalDependencies = toolPackages(builder, declarations, declarations && config.dtsBundle).filter((t) =>
    ctx.installedTools.has(t),
  );
  const inputs: TargetConfiguration['inputs'] = [
    ...include,
    `^${base}`,
    `{projectRoot}/${ctx.configFileName}`,
    '{projectRoot}/package.json',
    '{projectRoot}/tsconfig*.json',
    ...(ctx.dependencies?.files ?? []),
    ...keyFiles.own.map((g) => `{projectRoot}/${g}`),
    ...keyFiles.outside,
    ...exclude,
    `!{projectRoot}/${BUILD_CACHE_DIR}/**/*`,
    `!{projectRoot}/${config.outputDir}/**/*`,
    ...(externalDependencies.length ? [{ externalDependencies }] : []),
    ...[...new Set([...config.envKeys, ...config.cacheKey.env, ...(ctx.dependencies?.env ?? [])])].sort().map((env) => ({ env })),
    // The Node version and platform the build runs on (`cache.key.runtime`).
    ...(config.cacheKey.runtime ? [{ runtime: "node -p \"process.version + ' ' + process.platform + ' ' + process.arch\"" }] : []),
  ];
  const fallback = builder !== config.builder;
  const binary = builderFacts(config.builder)?.binary;
  const retention = config.maxAge
    ? `. cache.maxAge (${config.maxAge}) expires only the build-system CLI's up-to-date results: Nx's own cache retention (maxCacheSize in nx.json) decides how long Nx keeps this target's cache entries`
    : '';
  const description = `Builds the package with ${builder}${fallback ? ` (${binary} is not installed here: falling back to ${builder})` : ''}${retention}`;
  const technologies = [builder === 'tsc' ? 'typescript' : builder];
  return {
    [options.buildTargetName]: {
      executor: `${PLUGIN_NAME}:build`,
      // `builder` is informational for the executor, but as part of the target it is in Nx's
      // hash: a bun build and its esbuild fallback never share a cache entry.
      options: { builder },
      cache: true,
      dependsOn: [`^${options.buildTargetName}`],
      inputs,
      outputs: [`{projectRoot}/${config.outputDir}`],
      // package.json entry points follow the config (`nx sync`, `nx sync:check`).
      syncGenerators: [`${PLUGIN_NAME}:sync`],
      // One configuration per environment: the built-in ones and any the config declares.
      configurations: Object.fromEntries(
        [...new Set([...BUILT_IN_ENVIRONMENTS, ...config.environments])].map((environment) => [environment, { environment }]),
      ),
      metadata: {
        description,
        technologies,
        builder,
        requestedBuilder: config.builder,
        help: {
          command: `npx build-system status <project>`,
          example: { options: { environment: 'production' } },
        },
      } as TargetConfiguration['metadata'],
    },
    [options.watchTargetName]: {
      executor: `${PLUGIN_NAME}:watch`,
      // Runs until stopped: Nx starts what depends on it (a dev server) without waiting for it to end.
      continuous: true,
      cache: false,
      options: {},
      configurations: Object.fromEntries(
        [...new Set([...BUILT_IN_ENVIRONMENTS, ...config.environments])].map((environment) => [environment, { environment }]),
      ),
      metadata: {
        description: `Builds the package and its workspace dependencies with ${builder}, then rebuilds on every change`,
        technologies,
      },
    },
    [options.cleanTargetName]: {
      executor: `${PLUGIN_NAME}:clean`,
      cache: false,
      options: {},
      metadata: { description: `Removes ${config.outputDir} and build state`, technologies },
    },
  };
}
