/** Options of the plugin entry in nx.json. */
export interface BuildSystemPluginOptions {
  buildTargetName?: string;
  cleanTargetName?: string;
}

export function normalizePluginOptions(options: BuildSystemPluginOptions | undefined): Required<BuildSystemPluginOptions> {
  return {
    buildTargetName: options?.buildTargetName ?? 'build',
    cleanTargetName: options?.cleanTargetName ?? 'clean',
  };
}

/** npm packages whose installed version is part of a builder's cache key. */
export const TOOL_PACKAGES: Record<string, string[]> = {
  esbuild: ['esbuild'],
  bun: ['bun'],
  tsc: ['typescript'],
  rollup: ['rollup', 'esbuild'],
  custom: [],
};

export const PLUGIN_NAME = '@repo/build-system';
