import type { NxJsonConfiguration } from '@nx/devkit';
import type { BuildSystemPluginOptions } from '../../../plugin/options';

/** The specifier nx.json registers (package.json `exports["./plugin"]`). */
export const PLUGIN_SPECIFIER = '@repo/build-system/plugin';

/** Every spelling under which the plugin may already be registered. */
const KNOWN_SPECIFIERS = new Set([PLUGIN_SPECIFIER, '@repo/build-system', '@repo/build-system/dist/plugin', '@repo/build-system/dist/plugin.js']);

type PluginEntry = NonNullable<NxJsonConfiguration['plugins']>[number];

/** The plugin's entry in nx.json, string or object form, under any known specifier. */
export function findPluginEntry(nxJson: NxJsonConfiguration | null | undefined): PluginEntry | undefined {
  return (nxJson?.plugins ?? []).find((p) => KNOWN_SPECIFIERS.has(typeof p === 'string' ? p : p?.plugin));
}

export function isPluginRegistered(nxJson: NxJsonConfiguration | null | undefined): boolean {
  return findPluginEntry(nxJson) !== undefined;
}

/** The options of the registered entry (a string entry has the defaults). */
export function registeredPluginOptions(nxJson: NxJsonConfiguration | null | undefined): BuildSystemPluginOptions {
  const entry = findPluginEntry(nxJson);
  return entry && typeof entry === 'object' ? ((entry.options ?? {}) as BuildSystemPluginOptions) : {};
}
