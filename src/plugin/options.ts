/** Options of the plugin entry in nx.json. */
export interface BuildSystemPluginOptions {
  buildTargetName?: string;
  cleanTargetName?: string;
  /** The continuous target that rebuilds on change (docs/watch.md); default `watch`. */
  watchTargetName?: string;
  /**
   * How long the graph waits for one config to load (default: BUILD_SYSTEM_CONFIG_TIMEOUT_MS,
   * else 30 s). A config that takes longer gets default targets and a warning.
   */
  configTimeoutMs?: number;
  /** Name of the environment variable holding the records database URL (default BUILD_SYSTEM_DATABASE_URL); never the URL itself. */
  databaseUrlEnv?: string;
}

/** The options that shape the targets (and key their cache). */
export type TargetOptions = Required<Pick<BuildSystemPluginOptions, 'buildTargetName' | 'cleanTargetName' | 'watchTargetName'>>;

export function normalizePluginOptions(options: BuildSystemPluginOptions | undefined): TargetOptions {
  return {
    buildTargetName: options?.buildTargetName ?? 'build',
    cleanTargetName: options?.cleanTargetName ?? 'clean',
    watchTargetName: options?.watchTargetName ?? 'watch',
  };
}

export const PLUGIN_NAME = '@repo/build-system';
