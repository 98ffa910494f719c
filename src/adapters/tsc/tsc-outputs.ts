import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { init, parse } from 'es-module-lexer';
import { dtsExtension, jsExtension, packageTypeOf, type JsExtension } from '../../config/outputs';
import { toPosix, workspacePath, type ResolvedBuildConfig } from '../../config/resolve';
import { buildError, type BuildError } from '../../errors';
import { perFileSpecifier, rewriteRelativeSpecifiers } from '../dts/dts-specifiers';
import { walkRelative } from '../../utils/files';
import { locateSpecifier } from '../../utils/locate-specifier';
import { installHint, requireTool } from '../../utils/find-tool';

/**
 * The tsc builder's outputs, written from what tsc emitted (docs/builders.md, "tsc"): tsc
 * keeps relative specifiers as written (`export * from './math'`), which Node cannot resolve
 * from an ES module, and it writes `.js` whatever the format. Each emitted module becomes one
 * file per format, named by config/outputs.ts, with every relative specifier naming the file
 * it loads (`./math.js`, `./dir/index.js`, `./math.cjs` from CommonJS), JSON imports given
 * their `type: 'json'` attribute, and each declaration file written once per format beside
 * its module (`.d.ts`/`.d.mts` with `.js`/`.mjs` specifiers, `.d.cts` with `.cjs` ones).
 */

/** What a relative specifier names among the emitted files. */
export type EmittedTarget = { kind: 'module'; stem: string } | { kind: 'file'; path: string };

const MODULE_SPECIFIER_EXT = /\.(tsx?|jsx?)$/;
const FIXED_SPECIFIER_EXT: Record<string, string> = { '.mts': '.mjs', '.mjs': '.mjs', '.cts': '.cjs', '.cjs': '.cjs' };

/** The emitted files (posix, relative to tsc's outDir) and the modules among them (stems of `.js` files). */
export class EmittedLayout {
  readonly modules: Set<string>;
  constructor(readonly files: ReadonlySet<string>) {
    this.modules = new Set([...files].filter(isEmittedModule).map((f) => f.slice(0, -'.js'.length)));
  }

  /** What `spec`, imported from the emitted file `from`, names; undefined when no emitted file. */
  resolve(from: string, spec: string): EmittedTarget | undefined {
    const p = posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\/+$/, '');
    if (p === '..' || p.startsWith('../')) return undefined;
    const ext = posix.extname(p);
    if (MODULE_SPECIFIER_EXT.test(ext) && this.modules.has(p.slice(0, -ext.length)))
      return { kind: 'module', stem: p.slice(0, -ext.length) };
    const fixed = FIXED_SPECIFIER_EXT[ext];
    if (fixed && this.files.has(p.slice(0, -ext.length) + fixed)) return { kind: 'file', path: p.slice(0, -ext.length) + fixed };
    if (this.files.has(p) && !isEmittedModule(p)) return { kind: 'file', path: p };
    if (this.modules.has(p)) return { kind: 'module', stem: p };
    const index = posix.join(p, 'index');
    if (this.modules.has(index)) return { kind: 'module', stem: index };
    return undefined;
  }
}

function isEmittedModule(file: string): boolean {
  return file.endsWith('.js') && !file.endsWith('.d.js');
}

const isRelative = (s: string) => s === '.' || s === '..' || s.startsWith('./') || s.startsWith('../');

/** `dir/a.js` importing `math.js` → `../math.js`; always starting with `./` or `../`. */
function specifierBetween(from: string, to: string): string {
  const rel = posix.relative(posix.dirname(from) || '.', to);
  return rel.startsWith('../') ? rel : `./${rel}`;
}

export interface RewriteOptions {
  /** The extension modules of this format are written with. */
  ext: JsExtension;
  /** Add `with { type: 'json' }` to JSON imports without attributes (static and dynamic, or static only). */
  jsonAttributes: 'all' | 'static' | 'none';
}

export interface Rewritten {
  code: string;
  /** Relative specifiers that name no emitted file. */
  unresolved: string[];
}

/**
 * Every relative specifier of `code` (the emitted file `from`) rewritten to the file it loads
 * in this format. Needs `await init` of es-module-lexer first (rewriteEmitted does it).
 * Throws what the lexer throws on text it cannot read.
 */
export function rewriteSpecifiers(code: string, from: string, layout: EmittedLayout, opts: RewriteOptions): Rewritten {
  const [imports] = parse(code);
  const edits: { at: number; end: number; text: string }[] = [];
  const unresolved: string[] = [];
  for (const imp of imports) {
    if (imp.n === undefined || imp.t === 3 || !isRelative(imp.n)) continue;
    const target = layout.resolve(from, imp.n);
    if (!target) {
      if (!unresolved.includes(imp.n)) unresolved.push(imp.n);
      continue;
    }
    const dynamic = imp.d >= 0;
    // A static import's s..e excludes the quotes; a dynamic one's is the whole string literal.
    const [start, end] = dynamic ? [imp.s + 1, imp.e - 1] : [imp.s, imp.e];
    const wanted = target.kind === 'module' ? specifierBetween(from, target.stem + opts.ext) : specifierBetween(from, target.path);
    if (code.slice(start, end) !== wanted) edits.push({ at: start, end, text: wanted });
    const json = target.kind === 'file' && target.path.endsWith('.json') && imp.a === -1;
    if (json && !dynamic && opts.jsonAttributes !== 'none') edits.push({ at: end + 1, end: end + 1, text: ` with { type: 'json' }` });
    if (json && dynamic && opts.jsonAttributes === 'all' && code[imp.e] === ')')
      edits.push({ at: imp.e, end: imp.e, text: `, { with: { type: 'json' } }` });
  }
  let out = code;
  for (const e of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return { code: out, unresolved };
}

export interface EmittedOutputs {
  config: ResolvedBuildConfig;
  /** Where tsc wrote (its outDir). */
  emittedDir: string;
  /** Where the build's outputs go (the staging directory). */
  outDir: string;
  /** The sources root tsc compiled from (its rootDir), to locate errors in sources. */
  sourcesRoot: string;
}

/** Writes every format's files from tsc's output; errors name the import Node could not resolve. */
export async function writeEmittedOutputs(o: EmittedOutputs): Promise<BuildError[]> {
  const { config } = o;
  const formats = config.format;
  const esmExt = jsExtension('esm', packageTypeOf(config.packageJson));
  const esbuild = formats.includes('cjs')
    ? requireTool<typeof import('esbuild')>('esbuild', [config.packageRoot, config.workspaceRoot])
    : undefined;
  if (formats.includes('cjs') && !esbuild) {
    return [
      buildError(
        'BUILDER_UNAVAILABLE',
        `format "cjs" with tsc needs esbuild installed (it converts the emitted ESM): ${installHint(['esbuild'], config.workspaceRoot)}`,
        { phase: 'build' },
      ),
    ];
  }
  await init;
  const files = [...walkRelative(o.emittedDir)].sort();
  const layout = new EmittedLayout(new Set(files));
  const errors: BuildError[] = [];
  const write = (rel: string, text: string) => {
    const file = join(o.outDir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  for (const rel of files) {
    const source = join(o.emittedDir, rel);
    if (rel.endsWith('.d.ts')) {
      const stem = rel.slice(0, -'.d.ts'.length);
      const text = readFileSync(source, 'utf8');
      if (formats.includes('esm')) write(stem + dtsExtension(esmExt), rewriteDeclaration(text, rel, layout, esmExt));
      if (formats.includes('cjs')) write(`${stem}.d.cts`, rewriteDeclaration(text, rel, layout, '.cjs'));
    } else if (isEmittedModule(rel)) {
      const stem = rel.slice(0, -'.js'.length);
      const code = readFileSync(source, 'utf8');
      let rewritten: Rewritten;
      try {
        rewritten = rewriteSpecifiers(code, rel, layout, { ext: esmExt, jsonAttributes: 'all' });
      } catch (err) {
        errors.push(
          buildError('BUILD_FAILED', `cannot read the imports of the emitted ${rel}: ${(err as Error).message}`, {
            phase: 'build',
            file: sourceFile(o, rel),
          }),
        );
        continue;
      }
      if (rewritten.unresolved.length) {
        errors.push(...rewritten.unresolved.map((spec) => unresolvedImport(o, rel, spec)));
        continue;
      }
      if (formats.includes('esm')) write(stem + esmExt, renameMapComment(rewritten.code, rel, stem + esmExt));
      if (formats.includes('cjs')) {
        const cjsSource = rewriteSpecifiers(code, rel, layout, { ext: '.cjs', jsonAttributes: 'none' }).code;
        const out = await esbuild!.transform(cjsSource, {
          format: 'cjs',
          loader: 'js',
          target: config.target,
          sourcefile: rel,
          supported: { 'dynamic-import': true },
        });
        write(`${stem}.cjs`, out.code);
      }
    } else if (rel.endsWith('.js.map') && layout.modules.has(rel.slice(0, -'.js.map'.length))) {
      // Maps belong to the ES module they were written for (CJS is converted without one).
      if (formats.includes('esm'))
        write(
          `${rel.slice(0, -'.js.map'.length)}${esmExt}.map`,
          movedSourceMap(readFileSync(source, 'utf8'), source, join(o.outDir, rel), esmExt),
        );
    } else {
      mkdirSync(dirname(join(o.outDir, rel)), { recursive: true });
      copyFileSync(source, join(o.outDir, rel));
    }
  }
  return errors;
}

/**
 * A declaration file for one format: every relative specifier (type-only re-exports and
 * `import('…')` types included, which a JavaScript lexer does not see) names the module whose
 * declarations tsc emitted, with this format's extension (`./x` → `./x.js`, `./dir` →
 * `./dir/index.cjs`), or the file it names (`./legacy.cjs`, `./data.json`); ESM declarations
 * give JSON imports their attribute, as the modules have it. Anything else is left as written.
 */
export function rewriteDeclaration(text: string, rel: string, layout: EmittedLayout, ext: JsExtension): string {
  const declared = (stem: string) => layout.files.has(`${stem}.d.ts`);
  const json = new Set<string>();
  const code = rewriteRelativeSpecifiers(text, (spec) => {
    const module = perFileSpecifier(spec, rel, ext, declared);
    if (module) return module;
    const target = layout.resolve(rel, spec);
    if (target?.kind !== 'file') return undefined;
    if (target.path.endsWith('.json')) json.add(spec);
    return specifierBetween(rel, target.path);
  });
  return ext === '.cjs' || json.size === 0 ? code : withJsonAttributes(code, json);
}

/** `from './data.json'` → `from './data.json' with { type: 'json' }`, for the given specifiers without attributes. */
function withJsonAttributes(code: string, specifiers: ReadonlySet<string>): string {
  return code.replace(/(\bfrom\s*(['"])([^'"\n]*)\2)(?!\s*(?:with|assert)\b)/g, (all, head: string, _q: string, spec: string) =>
    specifiers.has(spec) ? `${head} with { type: 'json' }` : all,
  );
}

/** `//# sourceMappingURL=x.js.map` → `x.mjs.map` when the module is renamed. */
function renameMapComment(code: string, from: string, to: string): string {
  if (from === to) return code;
  const base = posix.basename(from);
  return code.replace(/(\/\/# sourceMappingURL=)(\S+)(\s*)$/, (all, head: string, url: string, tail: string) =>
    url === `${base}.map` ? `${head}${posix.basename(to)}.map${tail}` : all,
  );
}

/** A map moved from tsc's outDir into the outputs: `file` renamed, `sources` relative to its new place. */
function movedSourceMap(text: string, fromFile: string, toJsFile: string, ext: JsExtension): string {
  try {
    const map = JSON.parse(text) as { file?: string; sources?: string[]; sourceRoot?: string };
    if (typeof map.file === 'string') map.file = map.file.replace(/\.js$/, ext);
    if (Array.isArray(map.sources) && !map.sourceRoot) {
      map.sources = map.sources.map((s) => (/^[a-z]+:/i.test(s) ? s : toPosix(relative(dirname(toJsFile), resolve(dirname(fromFile), s)))));
    }
    return JSON.stringify(map);
  } catch {
    return text;
  }
}

/** The source an emitted `x.js` came from (`x.ts`, `x.tsx`, `x.mts`, … or `x.js` itself). */
export function sourceOf(rootDir: string, emitted: string): string | undefined {
  const stem = join(rootDir, emitted.replace(/\.(c|m)?js$/, ''));
  const ext = /\.(c|m)?js$/.exec(emitted)?.[1] ?? '';
  for (const e of new Set([`.${ext}ts`, '.ts', '.tsx', `.${ext}js`, '.js', '.jsx'])) if (existsSync(stem + e)) return stem + e;
  return undefined;
}

function sourceFile(o: EmittedOutputs, rel: string): string | undefined {
  const source = sourceOf(o.sourcesRoot, rel);
  return source ? workspacePath(o.config, source) : undefined;
}

/** As TypeScript under `module: nodenext` would say (TS2835), located at the import in its source. */
function unresolvedImport(o: EmittedOutputs, rel: string, spec: string): BuildError {
  const source = sourceOf(o.sourcesRoot, rel);
  const at = source ? locateSpecifier(source, spec) : undefined;
  const inSources =
    source && existsSync(resolve(dirname(source), spec))
      ? ` (it names ${toPosix(relative(o.config.packageRoot, resolve(dirname(source), spec)))}, which tsc does not emit)`
      : '';
  return buildError(
    'BUILD_FAILED',
    `the import "${spec}" names no file the build writes${inSources}: Node cannot resolve it from the output (TS2835 under module nodenext); import a module of the package (./x, ./x.ts, ./dir) or a JSON file tsc emits`,
    { phase: 'build', file: source ? workspacePath(o.config, source) : undefined, line: at?.line, column: at?.column, found: spec },
  );
}
