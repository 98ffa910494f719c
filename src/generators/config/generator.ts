import { formatFiles, generateFiles, getProjects, joinPathFragments, logger, readJson, writeJson, type Tree } from '@nx/devkit';
import { join, posix } from 'node:path';
import { initGenerator, isPluginRegistered } from '../init/generator';

export interface ConfigGeneratorSchema {
  project: string;
  builder?: 'bun' | 'esbuild' | 'tsc' | 'rollup' | 'custom';
  entry?: string;
  outputDir?: string;
  format?: string | string[];
  dts?: boolean;
  force?: boolean;
  skipFormat?: boolean;
}

const CONFIG_FILES = ['build.config.ts', 'build.config.mts', 'build.config.cts', 'build.config.mjs', 'build.config.js', 'build.config.cjs'];

export interface NormalizedConfigOptions {
  projectName: string;
  projectRoot: string;
  packageName: string;
  builder: NonNullable<ConfigGeneratorSchema['builder']>;
  entry: string;
  outputDir: string;
  formats: ('esm' | 'cjs')[];
  dts: boolean;
  force: boolean;
}

/** Options made complete once, early (pure except for reading the tree). */
export function normalizeConfigOptions(tree: Tree, options: ConfigGeneratorSchema): NormalizedConfigOptions {
  const { name, root } = findProject(tree, options.project);
  const formats = (Array.isArray(options.format) ? options.format : (options.format ?? 'esm').split(','))
    .map((f) => f.trim())
    .filter(Boolean);
  for (const f of formats) if (f !== 'esm' && f !== 'cjs') throw new Error(`--format: "${f}" is not a format; expected esm, cjs or esm,cjs`);
  const outputDir = (options.outputDir ?? 'dist').replace(/^\.\//, '').replace(/\/+$/, '');
  if (!outputDir || outputDir === '.' || outputDir.startsWith('..') || posix.isAbsolute(outputDir)) {
    throw new Error(`--outputDir: "${options.outputDir}" must be a directory inside the project, e.g. dist`);
  }
  const pkgPath = joinPathFragments(root, 'package.json');
  const packageName = tree.exists(pkgPath) ? (readJson(tree, pkgPath).name ?? name) : name;
  return {
    projectName: name,
    projectRoot: root,
    packageName,
    builder: options.builder ?? 'bun',
    entry: (options.entry ?? 'src/index.ts').replace(/^\.\//, ''),
    outputDir,
    formats: [...new Set(formats.length ? formats : ['esm'])] as ('esm' | 'cjs')[],
    dts: options.dts ?? true,
    force: options.force ?? false,
  };
}

/**
 * `nx g @repo/build-system:config <project>`: writes a typed build.config.ts, registers the
 * plugin if needed, and points package.json at the files the build will write.
 */
export async function configGenerator(tree: Tree, options: ConfigGeneratorSchema) {
  const o = normalizeConfigOptions(tree, options);
  const existing = CONFIG_FILES.map((f) => joinPathFragments(o.projectRoot, f)).find((f) => tree.exists(f));
  if (existing && !o.force) {
    throw new Error(`${existing} already exists; run again with --force to overwrite it`);
  }
  if (existing && existing !== joinPathFragments(o.projectRoot, 'build.config.ts')) tree.delete(existing);
  if (!isPluginRegistered(tree)) await initGenerator(tree, { skipFormat: true });

  if (!tree.exists(joinPathFragments(o.projectRoot, o.entry))) {
    logger.warn(`${joinPathFragments(o.projectRoot, o.entry)} does not exist yet: create it before building (or pass --entry)`);
  }
  const formatLiteral = o.formats.length === 1 ? `'${o.formats[0]}'` : `[${o.formats.map((f) => `'${f}'`).join(', ')}]`;
  generateFiles(tree, join(__dirname, 'files'), o.projectRoot, { ...o, formatLiteral, tmpl: '' });
  updatePackageJson(tree, o);
  warnIfShadowed(tree, o);
  if (!options.skipFormat) await formatFiles(tree);
}

/** The project root for a project name, or a path / package name found in the tree. */
function findProject(tree: Tree, query: string): { name: string; root: string } {
  try {
    const projects = getProjects(tree);
    const byName = projects.get(query);
    if (byName) return { name: query, root: byName.root };
    for (const [name, p] of projects) if (p.root === query.replace(/\/+$/, '')) return { name, root: p.root };
  } catch {
    /* fall through to package.json search */
  }
  const root = query.replace(/\/+$/, '');
  if (tree.exists(joinPathFragments(root, 'package.json')) || tree.exists(joinPathFragments(root, 'project.json'))) return { name: root, root };
  for (const dir of ['packages', 'libs', 'apps']) {
    for (const child of tree.exists(dir) ? tree.children(dir) : []) {
      const pkg = joinPathFragments(dir, child, 'package.json');
      if (tree.exists(pkg) && readJson(tree, pkg).name === query) return { name: query, root: joinPathFragments(dir, child) };
    }
  }
  throw new Error(`Cannot find project "${query}": pass a project name, a package name or a project directory`);
}

function updatePackageJson(tree: Tree, o: NormalizedConfigOptions) {
  const path = joinPathFragments(o.projectRoot, 'package.json');
  const created = !tree.exists(path);
  const pkg: Record<string, any> = created ? { name: o.packageName, version: '0.0.0', private: true } : readJson(tree, path);
  const base = o.entry.split('/').pop()!.replace(/\.(m|c)?[jt]sx?$/, '');
  const out = (ext: string) => `./${posix.join(o.outputDir, base + ext)}`;
  const esm = o.formats.includes('esm');
  const cjs = o.formats.includes('cjs');
  const conditions: Record<string, string> = {};
  if (o.dts) conditions.types = out('.d.ts');
  if (esm) conditions.import = out('.js');
  if (cjs) conditions.require = out('.cjs');
  conditions.default = esm ? out('.js') : out('.cjs');
  pkg.main = cjs ? out('.cjs') : out('.js');
  if (esm) pkg.module = out('.js');
  else delete pkg.module;
  if (o.dts) pkg.types = out('.d.ts');
  pkg.exports = { ...(typeof pkg.exports === 'object' && !Array.isArray(pkg.exports) && Object.keys(pkg.exports).some((k) => k.startsWith('.')) ? pkg.exports : {}), '.': conditions, './package.json': './package.json' };
  // dist/index.js is ESM: Node needs "type": "module" to load it as such. Only set when no other
  // .js file of the package would change meaning; otherwise say what to do.
  if (esm && pkg.type !== 'module') {
    const plainJs = listFiles(tree, o.projectRoot).filter((f) => f.endsWith('.js') && !f.includes('/node_modules/') && !f.startsWith(joinPathFragments(o.projectRoot, o.outputDir) + '/'));
    if (pkg.type === undefined && plainJs.length === 0) pkg.type = 'module';
    else logger.warn(`${path}: ESM output ${out('.js')} needs "type": "module" (not set: ${plainJs.length ? `${plainJs.length} .js file(s) in the package would change meaning` : `"type" is "${pkg.type}"`}). Consider format cjs, or renaming those files to .cjs.`);
  }
  writeJson(tree, path, pkg);
}

function listFiles(tree: Tree, dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const c of tree.children(d)) {
      const p = joinPathFragments(d, c);
      if (c === 'node_modules' || c === '.build-cache') continue;
      if (tree.isFile(p)) out.push(p);
      else visit(p);
    }
  };
  visit(dir);
  return out;
}

function warnIfShadowed(tree: Tree, o: NormalizedConfigOptions) {
  const projectJson = joinPathFragments(o.projectRoot, 'project.json');
  if (!tree.exists(projectJson)) return;
  const targets = readJson(tree, projectJson).targets ?? {};
  if (targets.build) {
    logger.warn(`${projectJson} declares a "build" target (${targets.build.executor ?? targets.build.command ?? 'custom'}): it overrides the inferred @repo/build-system target. Remove it to use build.config.ts.`);
  }
}

export default configGenerator;
