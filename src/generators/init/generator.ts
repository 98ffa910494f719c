import {
  formatFiles,
  logger,
  readNxJson,
  updateNxJson,
  writeJson,
  type GeneratorCallback,
  type NxJsonConfiguration,
  type Tree,
} from '@nx/devkit';
import { normalizePluginOptions } from '../../plugin/options';
import { loadPluginsInProcess } from './lib/dotenv';
import { ignoreBuildCache } from './lib/gitignore';
import { addProductionInput } from './lib/named-inputs';
import { correctedPluginEntry, findPluginEntry, PLUGIN_SPECIFIER } from './lib/plugin-entry';
import type { InitGeneratorSchema } from './schema';

/**
 * `nx add @repo/build-system` / `nx g @repo/build-system:init`.
 *
 * Registration goes through readNxJson/updateNxJson rather than the devkit's `addPlugin`:
 * that helper lives at a different import path in each of Nx 22, 23 and 24, computes a
 * project graph from disk (wrong under --dry-run and in a virtual tree), and only recognises
 * an entry spelled exactly like the one it adds.
 */
export async function initGenerator(tree: Tree, schema: InitGeneratorSchema = {}): Promise<GeneratorCallback> {
  const hadNxJson = tree.exists('nx.json');
  const nxJson: NxJsonConfiguration = readNxJson(tree) ?? { $schema: './node_modules/nx/schemas/nx-schema.json' };
  let nxJsonChanged = false;

  const existing = findPluginEntry(nxJson);
  const corrected = existing && correctedPluginEntry(existing);
  if (existing && corrected) {
    const name = typeof existing === 'string' ? existing : existing.plugin;
    logger.warn(
      `@repo/build-system was registered in nx.json as "${name}", which Nx cannot load as the plugin (it would infer no targets): now "${PLUGIN_SPECIFIER}", options kept.`,
    );
    nxJson.plugins = nxJson.plugins!.map((p) => (p === existing ? corrected : p));
    nxJsonChanged = true;
  } else if (existing) {
    logger.info(`@repo/build-system is already registered in nx.json: leaving it as it is.`);
  } else {
    // The watch target keeps its default name unless nx.json says otherwise.
    const { buildTargetName, cleanTargetName } = normalizePluginOptions({
      buildTargetName: schema.buildTargetName,
      cleanTargetName: schema.cleanTargetName,
    });
    const options = { buildTargetName, cleanTargetName };
    nxJson.plugins = [...(nxJson.plugins ?? []), { plugin: PLUGIN_SPECIFIER, options }];
    nxJsonChanged = true;
  }

  if (addProductionInput(nxJson)) nxJsonChanged = true;
  // Writing an unchanged nx.json would still count as a change: a second run must report none.
  if (nxJsonChanged) {
    // updateNxJson only edits an existing file (and keeps `extends` working); a package.json-only workspace has none yet.
    if (hadNxJson) updateNxJson(tree, nxJson);
    else writeJson(tree, 'nx.json', nxJson);
  }

  ignoreBuildCache(tree);
  if (schema.inProcessPlugins) loadPluginsInProcess(tree);

  if (!schema.skipFormat) await formatFiles(tree);
  return () => {};
}

export default initGenerator;
