import { join } from 'node:path';
import { formatFiles, generateFiles, joinPathFragments, logger, readNxJson, type GeneratorCallback, type Tree } from '@nx/devkit';
import { findBinary, installCommand } from '../../utils/find-tool';
import { builderFacts } from '../../config/builders';
import { CONFIG_FILE_NAMES } from '../../config/define';
import { isOwnConfigSource } from '../../config/find';
import { normalizePluginOptions, PLUGIN_NAME } from '../../plugin/options';
import { initGenerator } from '../init/generator';
import { isPluginRegistered, registeredPluginOptions } from '../init/lib/plugin-entry';
import { normalizeOptions, type NormalizedConfigOptions } from './lib/normalize-options';
import { updatePackageJson } from './lib/package-json';
import { findProject, type TargetProject } from './lib/project';
import type { ConfigGeneratorSchema } from './schema';

/**
 * `nx g @repo/build-system:config <project>`: a typed build.config.ts, the plugin registered
 * (init) if it is not, and package.json pointing at what the build will write.
 * Everything goes through the tree, so --dry-run writes nothing.
 */
export async function configGenerator(tree: Tree, schema: ConfigGeneratorSchema): Promise<GeneratorCallback> {
  const project = findProject(tree, schema.project);
  if ('error' in project) throw new Error(project.error);
  const root = project.root;
  const inRoot = (p: string) => (root === '.' ? p : joinPathFragments(root, p));

  const normalized = normalizeOptions(schema, {
    exists: (p) => tree.exists(inRoot(p)),
    bunAvailable: Boolean(findBinary('bun', [join(tree.root, root), tree.root])),
  });
  if (!normalized.ok) throw new Error(normalized.error);
  const options = normalized.value;

  const existing = CONFIG_FILE_NAMES.map(inRoot).filter((f) => tree.exists(f));
  if (existing.length && !options.force) {
    const source = tree.read(existing[0], 'utf-8') ?? '';
    const foreign = isOwnConfigSource(source) ? '' : ' (it does not look like a @repo/build-system config)';
    throw new Error(`${existing[0]} already exists${foreign}. Not overwriting it; pass --force to replace it.`);
  }
  for (const entry of Array.isArray(options.entry) ? options.entry : [options.entry]) {
    if (!tree.exists(inRoot(entry)))
      logger.warn(`${inRoot(entry)} does not exist yet: the build fails with ENTRY_NOT_FOUND until it does.`);
  }

  // package.json first: if it cannot be updated, nothing else is written either.
  if (!options.skipPackageJson) {
    const change = updatePackageJson(tree, root, project.name, options);
    if (change.error) throw new Error(change.error);
    for (const m of change.messages) (m.level === 'warn' ? logger.warn : logger.info)(m.text);
  }

  // A leftover build.config.mjs beside the new .ts would be confusing (the .ts wins): remove it.
  for (const f of existing) {
    if (f !== inRoot('build.config.ts')) {
      tree.delete(f);
      logger.warn(`Removed ${f}: --force replaces it with build.config.ts.`);
    }
  }
  generateFiles(tree, join(__dirname, 'files'), root, {
    tmpl: '',
    builder: options.builder,
    entryLiteral: literal(options.entry),
    outputDir: options.outputDir,
    formatLiteral: options.format.length === 1 ? literal(options.format[0]) : literal(options.format),
    dts: options.dts,
  });

  if (!isPluginRegistered(readNxJson(tree))) await initGenerator(tree, { skipFormat: true });

  warnShadowingTarget(tree, project);
  warnMissingTools(tree, root, options);

  if (!options.skipFormat) await formatFiles(tree);
  const { buildTargetName } = normalizePluginOptions(registeredPluginOptions(readNxJson(tree)));
  // Runs only when the changes were written (not under --dry-run).
  return () => logger.info(`Next: nx run ${project.name}:${buildTargetName}`);
}

/** An explicit target with its own executor or command replaces the inferred one (Nx merges by name). */
function warnShadowingTarget(tree: Tree, project: TargetProject) {
  const { buildTargetName } = normalizePluginOptions(registeredPluginOptions(readNxJson(tree)));
  const target = project.targets[buildTargetName];
  const executor = target?.executor ?? (target?.command || target?.options?.command ? 'nx:run-commands' : undefined);
  if (target && executor && executor !== `${PLUGIN_NAME}:build`) {
    const where = tree.exists(joinPathFragments(project.root, 'project.json'))
      ? joinPathFragments(project.root, 'project.json')
      : joinPathFragments(project.root, 'package.json');
    logger.warn(
      `${where} defines a "${buildTargetName}" target (${executor}); it takes precedence over the "${buildTargetName}" target inferred from build.config.ts. ` +
        `Remove it (or rename it) to build with @repo/build-system.`,
    );
  }
  const pkgFile = joinPathFragments(project.root, 'package.json');
  if (tree.exists(pkgFile)) {
    try {
      const scripts = (JSON.parse(tree.read(pkgFile, 'utf-8') ?? '{}') as { scripts?: Record<string, string> }).scripts ?? {};
      if (scripts[buildTargetName] !== undefined) {
        logger.warn(
          `${pkgFile} has a "${buildTargetName}" script ("${scripts[buildTargetName]}"); Nx turns it into a "${buildTargetName}" target that takes precedence over the inferred one. ` +
            `Remove or rename the script to build with @repo/build-system.`,
        );
      }
    } catch {
      /* invalid JSON was reported by the package.json update */
    }
  }
}

function warnMissingTools(tree: Tree, root: string, options: NormalizedConfigOptions) {
  const has = (name: string) => declares(tree, 'package.json', name) || declares(tree, joinPathFragments(root, 'package.json'), name);
  const install = (packages: readonly string[]) => installCommand(packages, (f) => tree.exists(f));
  // Usable when its packages are declared, or its fallback's (bun builds with esbuild without a bun binary).
  const facts = builderFacts(options.builder)!;
  const choices = [facts.packages, ...(facts.fallback ? [builderFacts(facts.fallback)!.packages] : [])];
  if (!choices.some((packages) => packages.every(has))) {
    const needed = choices.map((packages) => packages.join(' and ')).join(' or ');
    const missing = facts.packages.filter((p) => !has(p));
    logger.warn(
      `builder "${options.builder}" needs ${needed} in the workspace devDependencies: install ${missing.length === 1 ? 'it' : 'them'} before building: ${install(missing)}`,
    );
  }
  if (options.dts && options.builder !== 'tsc' && !has('typescript')) {
    logger.warn(`dts: true runs the workspace's TypeScript: add "typescript" to the workspace devDependencies: ${install(['typescript'])}`);
  }
}

function declares(tree: Tree, file: string, dep: string): boolean {
  if (!tree.exists(file)) return false;
  try {
    const pkg = JSON.parse(tree.read(file, 'utf-8') ?? '{}') as Record<string, Record<string, string> | undefined>;
    return ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].some((k) => pkg[k]?.[dep] !== undefined);
  } catch {
    return false;
  }
}

/** A TypeScript literal in the style of the template (single quotes). */
function literal(value: string | string[]): string {
  const one = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return Array.isArray(value) ? `[${value.map(one).join(', ')}]` : one(value);
}

export default configGenerator;
