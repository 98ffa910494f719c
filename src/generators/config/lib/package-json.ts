import { joinPathFragments, type Tree } from '@nx/devkit';
import { BUILD_CACHE_DIR } from '../../../config/define';
import type { Format } from '../../../config/schema';
import type { NormalizedConfigOptions } from './normalize-options';

type Json = Record<string, unknown>;

/** One public entry point of the package and the files the build writes for it. */
export interface EntryFiles {
  /** `.` or `./cli`. */
  subpath: string;
  esm?: string;
  cjs?: string;
  dts?: string;
}

const EXTENSIONS: Record<Format, string> = { esm: '.js', cjs: '.cjs' };

/**
 * The files the build writes for each entry (DESIGN.md §3: ESM `<name>.js`, CJS
 * `<name>.cjs`, declarations `<name>.d.ts`, all under outputDir). The entry named `index`
 * (else the first) is the package's `.`; the others are subpaths named after their output.
 */
export function entryFiles(opts: Pick<NormalizedConfigOptions, 'entries' | 'format' | 'outputDir' | 'dts'>): EntryFiles[] {
  const primary = opts.entries.find((e) => e.name === 'index') ?? opts.entries[0];
  const ordered = [primary, ...opts.entries.filter((e) => e !== primary)];
  return ordered.map((e) => {
    const file = (ext: string) => `./${opts.outputDir}/${e.name}${ext}`;
    return {
      subpath: e === primary ? '.' : `./${e.name.replace(/\/index$/, '')}`,
      ...(opts.format.includes('esm') ? { esm: file(EXTENSIONS.esm) } : {}),
      ...(opts.format.includes('cjs') ? { cjs: file(EXTENSIONS.cjs) } : {}),
      ...(opts.dts ? { dts: file('.d.ts') } : {}),
    };
  });
}

/** The conditions of one export: `types` first (TypeScript reads the first match). */
export function exportConditions(f: EntryFiles): Json {
  const out: Json = {};
  if (f.dts) out.types = f.dts;
  if (f.esm && f.cjs) {
    out.import = f.esm;
    out.require = f.cjs;
  } else {
    // One format: `default` lets both import and require (Node 20.19+ require(esm)) find it.
    out.default = f.esm ?? f.cjs;
  }
  return out;
}

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
      return { messages, error: `${projectRoot} has no package.json and "${projectName}" is not a valid npm package name: create a package.json with a "name", or pass --skipPackageJson` };
    }
    pkg = { name: projectName, version: '0.0.0', private: true };
    messages.push({ level: 'info', text: `Created ${file}: the build reads the package name and dependencies from it.` });
  }

  const files = entryFiles(opts);
  const primary = files[0];
  const esmJs = opts.format.includes('esm');

  if (esmJs && pkg.type !== 'module') {
    if (pkg.type === 'commonjs') {
      messages.push({
        level: 'warn',
        text: `${file} declares "type": "commonjs", so Node loads the ESM output ${primary.esm} as CommonJS and fails. Set "type": "module" (renaming CommonJS .js files to .cjs), or use --format cjs.`,
      });
    } else {
      const jsFiles = plainJsFiles(tree, projectRoot, opts.outputDir);
      if (jsFiles.length === 0) {
        pkg = withField(pkg, 'type', 'module');
        messages.push({ level: 'info', text: `Set "type": "module" in ${file}: the ESM output is ${primary.esm}, and without it Node treats .js files as CommonJS.` });
      } else {
        messages.push({
          level: 'warn',
          text:
            `${file} has no "type": "module", so Node loads the ESM output ${primary.esm} as CommonJS. Not changing it, because these .js files would change meaning: ` +
            `${jsFiles.slice(0, 5).join(', ')}${jsFiles.length > 5 ? ', …' : ''}. Rename them to .cjs and set "type": "module", or use --format cjs.`,
        });
      }
    }
  }

  pkg = withField(pkg, 'main', primary.cjs ?? primary.esm);
  if (primary.esm) pkg = withField(pkg, 'module', primary.esm);
  else if (typeof pkg.module === 'string') pkg = withoutField(pkg, 'module');
  if (primary.dts) {
    pkg = withField(pkg, 'types', primary.dts);
    if ('typings' in pkg) pkg = withField(pkg, 'typings', primary.dts);
  } else {
    // A `types` left pointing into outputDir would name a file the build no longer writes.
    for (const key of ['types', 'typings']) {
      if (typeof pkg[key] === 'string' && isUnder(pkg[key] as string, opts.outputDir)) pkg = withoutField(pkg, key);
    }
  }
  pkg = withField(pkg, 'exports', mergeExports(pkg.exports, files));

  if (Array.isArray(pkg.files) && !pkg.files.some((f) => typeof f === 'string' && isUnder(f, opts.outputDir, true))) {
    pkg = withField(pkg, 'files', [...pkg.files, opts.outputDir]);
  }

  tree.write(file, JSON.stringify(pkg, null, 2) + '\n');
  return { messages };
}

/**
 * Our subpaths replace theirs; other subpaths (a `./package.json`, say) are kept. A
 * top-level string or conditions object describes only `.`, so it is replaced whole.
 */
export function mergeExports(existing: unknown, files: EntryFiles[]): Json {
  const isSubpathMap = existing && typeof existing === 'object' && !Array.isArray(existing) && Object.keys(existing).every((k) => k.startsWith('.'));
  const out: Json = isSubpathMap ? { ...(existing as Json) } : {};
  for (const f of files) out[f.subpath] = exportConditions(f);
  out['./package.json'] ??= './package.json';
  // `.` first, then the other entries, then whatever else was there.
  const ordered: Json = {};
  for (const f of files) ordered[f.subpath] = out[f.subpath];
  for (const [k, v] of Object.entries(out)) if (!(k in ordered)) ordered[k] = v;
  return ordered;
}

function isUnder(path: string, dir: string, allowDirItself = false): boolean {
  const p = path.replace(/^\.\//, '').replace(/\/\*\*(\/\*)?$/, '').replace(/\/+$/, '');
  return p.startsWith(`${dir}/`) || (allowDirItself && p === dir);
}

const FIELD_ORDER = ['name', 'version', 'private', 'description', 'license', 'type', 'main', 'module', 'types', 'typings', 'exports', 'files'];

/** Sets a field in place, or inserts a new one after the fields that conventionally precede it. */
function withField(pkg: Json, key: string, value: unknown): Json {
  if (key in pkg) return { ...pkg, [key]: value };
  const before = new Set(FIELD_ORDER.slice(0, FIELD_ORDER.indexOf(key)));
  const keys = Object.keys(pkg);
  let at = 0;
  keys.forEach((k, i) => {
    if (before.has(k)) at = i + 1;
  });
  const out: Json = {};
  keys.slice(0, at).forEach((k) => (out[k] = pkg[k]));
  out[key] = value;
  keys.slice(at).forEach((k) => (out[k] = pkg[k]));
  return out;
}

function withoutField(pkg: Json, key: string): Json {
  const { [key]: _removed, ...rest } = pkg;
  return rest;
}

/**
 * `.js` files of the project that a `"type": "module"` would turn from CommonJS into ESM
 * (outputs, dependencies and nested packages aside).
 */
export function plainJsFiles(tree: Tree, projectRoot: string, outputDir: string): string[] {
  const found: string[] = [];
  const skip = new Set(['node_modules', BUILD_CACHE_DIR, '.git', '.nx']);
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
