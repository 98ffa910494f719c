import { posix } from 'node:path';
import type { DtsExtension, JsExtension } from '../../config/outputs';

/**
 * Pure helpers for declaration files: what a source's declarations are called, and how the
 * relative specifiers inside them are rewritten so that they resolve under `node16`,
 * `nodenext` and `bundler` alike (docs/builders.md, "Declarations").
 */

const SOURCE_EXT = /\.(d\.)?([cm]?)([jt]sx?)$/;

/** `x.ts` → `x.d.ts`, `x.mts` → `x.d.mts`, `x.cjs` → `x.d.cts`; a declaration file stays itself. */
export function declarationPathOf(source: string): string {
  const m = SOURCE_EXT.exec(source);
  if (!m) return `${source}.d.ts`;
  if (m[1]) return source;
  return `${source.slice(0, -m[0].length)}.d.${m[2]}ts`;
}

/** `x.d.ts`, `x.d.mts`, `x.d.cts` → `x`; undefined for anything else. */
export function declarationStem(file: string): string | undefined {
  const m = /\.d\.[cm]?ts$/.exec(file);
  return m ? file.slice(0, -m[0].length) : undefined;
}

/**
 * Module specifiers in declaration text, outside comments and other strings: `from '…'`,
 * `import '…'`, `import('…')`, `require('…')` (in `import x = require('…')`) and
 * `declare module '…'`. Group 2 is the keyword, 3 the quote, 4 the specifier.
 */
const SPECIFIERS =
  /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bmodule\s+)(['"])([^'"\n]*)\3|(['"`])(?:\\[\s\S]|(?!\5)[^\\])*\5/g;

/** Replaces each relative specifier (`./…`, `../…`, `.`, `..`) for which `rewrite` returns a new one. */
export function rewriteRelativeSpecifiers(code: string, rewrite: (specifier: string) => string | undefined): string {
  return code.replace(SPECIFIERS, (whole, _comment, keyword: string | undefined, quote: string, spec: string) => {
    if (keyword === undefined || !/^\.\.?(\/|$)/.test(spec)) return whole;
    const next = rewrite(spec);
    return next === undefined ? whole : `${keyword}${quote}${next}${quote}`;
  });
}

/** Every relative specifier in declaration text (outside comments and other strings). */
export function relativeSpecifiers(code: string): string[] {
  const found: string[] = [];
  rewriteRelativeSpecifiers(code, (s) => (found.push(s), undefined));
  return found;
}

/** Every bare (package) specifier in declaration text. */
export function bareSpecifiers(code: string): string[] {
  const found: string[] = [];
  for (const m of code.matchAll(SPECIFIERS)) {
    if (m[2] !== undefined && !/^(\.\.?(\/|$)|\/)/.test(m[4]) && !/^\s*module/.test(m[2])) found.push(m[4]);
  }
  return found;
}

const WRITTEN_EXT = /\.(d\.[cm]?ts|[cm]?[jt]sx?)$/;

/**
 * A relative specifier of a per-file declaration, rewritten to what a consumer resolves under
 * every module resolution: the module file it stands for, with the extension the declarations
 * of this format sit beside (`./text.ts`, `./text` → `./text.js`; `./shapes` →
 * `./shapes/index.js`). `exists` says whether a declaration stem (posix, relative to the
 * declarations root, without `.d.ts`) was emitted. Undefined when the specifier names no
 * emitted declaration (a `.json` or `.css` import is left as written).
 */
export function perFileSpecifier(
  specifier: string,
  importer: string,
  js: JsExtension,
  exists: (stem: string) => boolean,
): string | undefined {
  const from = posix.dirname(importer);
  const stripped = specifier.replace(WRITTEN_EXT, '');
  const asFile = posix.normalize(posix.join(from, stripped));
  if (exists(asFile)) return withDotSlash(`${stripped}${js}`);
  if (stripped === specifier || specifier.endsWith('/')) {
    const asDir = posix.normalize(posix.join(from, specifier, 'index'));
    if (exists(asDir)) return withDotSlash(`${specifier.replace(/\/$/, '')}/index${js}`);
  }
  return undefined;
}

const withDotSlash = (s: string) => (s.startsWith('.') ? s : `./${s}`);

/**
 * Specifiers between bundled declaration chunks name the module the chunk stands for, never the
 * declaration file itself (`./chunks/types-x.d.mts` → `./chunks/types-x.mjs`): TypeScript maps
 * the module name to its declarations under every resolution mode, while importing a `.d.mts`
 * path is not valid everywhere.
 */
export function chunkSpecifiersToModules(code: string, dts: DtsExtension, js: JsExtension): string {
  return rewriteRelativeSpecifiers(code, (s) => (s.endsWith(dts) ? s.slice(0, -dts.length) + js : undefined));
}
