import { joinPathFragments, type Tree } from '@nx/devkit';
import { NOT_SOURCE_DIRS } from '../../../config/define';
import { jsExtension, packageTypeOf } from '../../../config/outputs';
import { applyEntryFields, wantedEntryFields, withField } from '../../../config/package-fields';
import type { NormalizedConfigOptions } from './normalize-options';

type Json = Record<string, unknown>;

export interface PackageJsonChange {
  messages: { level: 'info' | 'warn'; text: string }[];
  error?: string;
}

const NPM_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/**
 * Points package.json at the build's outputs. Creates a minimal package.json for a
 * project.json-only project: the build reads the package name and dependencies from it.
 */
export function updatePackageJson(tree: Tree, projectRoot: string, projectName: string, opts: NormalizedConfigOptions): PackageJsonChange {
  const file = joinPathFragments(projectRoot, 'package.json');
  const messages: PackageJsonChange['messages'] = [];
  let pkg: Json;
  if (tree.exists(file)) {
    try {
      pkg = JSON.parse(tree.read(file, 'utf-8') ?? '');
    } catch (err) {
      return { messages, error: `${file} is not valid JSON (${(err as Error).message}); fix it or pass --skipPackageJson` };
    }
    if (!pkg || typeof pkg !== 'object' || Array.isArray(pkg)) return { messages, error: `${file} is not a JSON object` };
  } else {
    if (!NPM_NAME.test(projectName)) {
      return {
        messages,
        error: `${projectRoot} has no package.json and "${projectName}" is not a valid npm package name: create a package.json with a "name", or pass --skipPackageJson`,
      };
    }
    pkg = { name: projectName, version: '0.0.0', private: true };
    messages.push({ level: 'info', text: `Created ${file}: the build reads the package name and dependencies from it.` });
  }

  const esm = opts.format.includes('esm');
  const primary = opts.entries.find((e) => e.name === 'index') ?? opts.entries[0];
  const esmFile = (type: unknown) => `./${opts.outputDir}/${primary.name}${jsExtension('esm', packageTypeOf({ type }))}`;

  // ESM is `.mjs` outside a `"type": "module"` package (config/outputs.ts): it works either way,
  // but `"type": "module"` gives it the plain `.js` name when nothing else changes meaning.
  if (esm && pkg.type === undefined) {
    const jsFiles = plainJsFiles(tree, projectRoot, opts.outputDir);
    if (jsFiles.length === 0) {
      pkg = withField(pkg, 'type', 'module');
      messages.push({ level: 'info', text: `Set "type": "module" in ${file}: the ESM output is ${esmFile('module')}.` });
    } else {
      messages.push({
        level: 'info',
        text:
          `${file} has no "type": "module", so the ESM output is ${esmFile(undefined)}. Not setting it, because these .js files would change meaning: ` +
          `${jsFiles.slice(0, 5).join(', ')}${jsFiles.length > 5 ? ', …' : ''}.`,
      });
    }
  }

  const wanted = wantedEntryFields({
    entries: opts.entries,
    format: opts.format,
    outputDir: opts.outputDir,
    dts: opts.dts,
    packageType: packageTypeOf(pkg),
  });
  pkg = applyEntryFields(pkg, wanted, { outputDir: opts.outputDir, exportPackageJson: true }).pkg;

  tree.write(file, JSON.stringify(pkg, null, 2) + '\n');
  return { messages };
}

/**
 * `.js` files of the project that a `"type": "module"` would turn from CommonJS into ESM
 * (outputs, dependencies and nested packages aside).
 */
function plainJsFiles(tree: Tree, projectRoot: string, outputDir: string): string[] {
  const found: string[] = [];
  const skip = NOT_SOURCE_DIRS;
  const walk = (dir: string, rel: string) => {
    for (const child of tree.children(dir)) {
      const childRel = rel ? `${rel}/${child}` : child;
      const path = joinPathFragments(dir, child);
      if (tree.isFile(path)) {
        if (child.endsWith('.js')) found.push(childRel);
        continue;
      }
      if (skip.has(child) || childRel === outputDir) continue;
      if (tree.exists(joinPathFragments(path, 'package.json'))) continue;
      walk(path, childRel);
    }
  };
  walk(projectRoot === '.' ? '' : projectRoot, '');
  return found.sort();
}
