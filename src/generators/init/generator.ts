import { formatFiles, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { PLUGIN_NAME } from '../../plugin/options';

export interface InitGeneratorSchema {
  buildTargetName?: string;
  cleanTargetName?: string;
  skipFormat?: boolean;
}

export const PLUGIN_MODULE = `${PLUGIN_NAME}/plugin`;
const PRODUCTION_EXCLUDES = [
  '!{projectRoot}/**/?(*.)+(spec|test).[jt]s?(x)?(.snap)',
  '!{projectRoot}/tsconfig.spec.json',
  '!{projectRoot}/**/__tests__/**',
];

/** Whether nx.json already registers the plugin (string or object form, either entry point). */
export function isPluginRegistered(tree: Tree): boolean {
  const plugins = readNxJson(tree)?.plugins ?? [];
  return plugins.some((p) => {
    const name = typeof p === 'string' ? p : p.plugin;
    return name === PLUGIN_MODULE || name === PLUGIN_NAME;
  });
}

/**
 * `nx add @repo/build-system`: registers the plugin, ignores `.build-cache`, and adds a
 * `production` named input without tests when the workspace has none. Idempotent.
 *
 * Registration edits nx.json through readNxJson/updateNxJson rather than the devkit's
 * `addPlugin`: that helper moved between Nx 22 and 24, and needs a project graph only to pick
 * target names that do not collide — ours are options with documented defaults.
 */
export async function initGenerator(tree: Tree, options: InitGeneratorSchema = {}) {
  const nxJson = readNxJson(tree) ?? {};
  let changed = false;
  if (!isPluginRegistered(tree)) {
    nxJson.plugins = [
      ...(nxJson.plugins ?? []),
      { plugin: PLUGIN_MODULE, options: { buildTargetName: options.buildTargetName ?? 'build', cleanTargetName: options.cleanTargetName ?? 'clean' } },
    ];
    changed = true;
  }
  nxJson.namedInputs ??= {};
  if (!nxJson.namedInputs.default) {
    nxJson.namedInputs.default = ['{projectRoot}/**/*'];
    changed = true;
  }
  if (!nxJson.namedInputs.production) {
    nxJson.namedInputs.production = ['default', ...PRODUCTION_EXCLUDES];
    changed = true;
  }
  if (changed) updateNxJson(tree, nxJson);
  ignoreBuildCache(tree);
  if (!options.skipFormat) await formatFiles(tree);
}

function ignoreBuildCache(tree: Tree) {
  const current = tree.exists('.gitignore') ? tree.read('.gitignore', 'utf-8')! : '';
  const lines = current.split(/\r?\n/).map((l) => l.trim());
  if (lines.some((l) => ['.build-cache', '.build-cache/', '**/.build-cache', '/.build-cache'].includes(l))) return;
  const sep = current === '' || current.endsWith('\n') ? '' : '\n';
  tree.write('.gitignore', `${current}${sep}\n# @repo/build-system records, logs and build state\n.build-cache\n`);
}

export default initGenerator;
