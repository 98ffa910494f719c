import type { NxJsonConfiguration } from '@nx/devkit';
import type { BuildSystemPluginOptions } from '../../../plugin/options';

/** The specifier nx.json registers (package.json `exports["./plugin"]`). */
export const PLUGIN_SPECIFIER = '@repo/build-system/plugin';

/**
 * Every spelling under which the plugin may already be registered. Only PLUGIN_SPECIFIER
 * loads: the package's main entry has no createNodesV2 (it is what every build.config.ts
 * imports, kept light), and `dist/…` paths are not in its `exports`.
 */
const KNOWN_SPECIFIERS = new Set([
  PLUGIN_SPECIFIER,
  '@repo/build-system',
  '@repo/build-system/dist/plugin',
  '@repo/build-system/dist/plugin.js',
]);

type PluginEntry = NonNullable<NxJsonConfiguration['plugins']>[number];

/** The plugin's entry in nx.json, string or object form, under any known specifier. */
export function findPluginEntry(nxJson: NxJsonConfiguration | null | undefined): PluginEntry | undefined {
  return (nxJson?.plugins ?? []).find((p) => KNOWN_SPECIFIERS.has(typeof p === 'string' ? p : p?.plugin));
}

/** Registered under the specifier Nx loads (otherwise init has work to do). */
export function isPluginRegistered(nxJson: NxJsonConfiguration | null | undefined): boolean {
  const entry = findPluginEntry(nxJson);
  return entry !== undefined && correctedPluginEntry(entry) === undefined;
}

/** The options of the registered entry (a string entry has the defaults). */
export function registeredPluginOptions(nxJson: NxJsonConfiguration | null | undefined): BuildSystemPluginOptions {
  const entry = findPluginEntry(nxJson);
  return entry && typeof entry === 'object' ? ((entry.options ?? {}) as BuildSystemPluginOptions) : {};
}

/** The registered entry rewritten to the one specifier Nx can load, options kept; undefined if it is that already. */
export function correctedPluginEntry(entry: PluginEntry): PluginEntry | undefined {
  if (typeof entry === 'string') return entry === PLUGIN_SPECIFIER ? undefined : PLUGIN_SPECIFIER;
  return entry.plugin === PLUGIN_SPECIFIER ? undefined : { ...entry, plugin: PLUGIN_SPECIFIER };
}
