import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { packageNameOf } from '../../utils/node-resolve';

/**
 * The module specifiers a TypeScript source names, found without loading TypeScript (the oxc
 * declarations path, docs/builders.md "With isolatedDeclarations"): what TypeScript's
 * `preProcessFile(source, true, true).importedFiles` reports, plus `export * as ns from`.
 *
 * - `import … from 'x'`, `import 'x'`, `import type … from 'x'`, `export … from 'x'`
 * - `import x = require('x')`, `require('x')`, `import('x')` (in a type too)
 * - `declare module 'x' { … }` in a module (an augmentation; in a script it declares a module)
 *
 * A small scanner, not a parser: comments, strings, template literals and regular expressions
 * are skipped as such, so a specifier-looking text inside them is not one.
 */
export function moduleSpecifiers(source: string): string[] {
  const tokens = scan(source);
  const found: string[] = [];
  const augmentations: string[] = [];
  let isModule = false;
  const at = (i: number) => tokens[i] as Token | undefined;
  const isString = (i: number) => at(i)?.kind === 'string';
  const is = (i: number, value: string) => at(i)?.kind !== 'string' && at(i)?.value === value;
  // `x.import(…)`, `x.from '…'` are members; `...import('x')` is a spread.
  const isMember = (i: number) => is(i - 1, '.') && !is(i - 2, '.');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind !== 'word' || isMember(i)) continue;
    if (t.value === 'import' && !is(i + 1, '.') && !is(i + 1, '(') && t.depth === 0) isModule = true;
    if (t.value === 'export' && t.depth === 0) isModule = true;
    if (t.value === 'import' && isString(i + 1)) found.push(tokens[i + 1].value);
    else if ((t.value === 'import' || t.value === 'require') && is(i + 1, '(') && isString(i + 2) && is(i + 3, ')')) {
      found.push(tokens[i + 2].value);
    } else if (t.value === 'from' && isString(i + 1)) found.push(tokens[i + 1].value);
    else if (t.value === 'module' && is(i - 1, 'declare') && isString(i + 1)) augmentations.push(tokens[i + 1].value);
  }
  return isModule ? [...found, ...augmentations] : found;
}

interface Token {
  kind: 'word' | 'string' | 'punct';
  value: string;
  /** Braces open around it (template substitutions not counted). */
  depth: number;
}

/** After these, a `/` starts a regular expression rather than a division. */
const BEFORE_REGEX_WORDS = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);
const AFTER_OPERAND_PUNCT = new Set([')', ']']);

function scan(src: string): Token[] {
  const tokens: Token[] = [];
  // What each open `{` is: a block or object (code), or a template literal's `${`.
  const braces: ('code' | 'template')[] = [];
  let depth = 0;
  let i = 0;
  const push = (kind: Token['kind'], value: string) => tokens.push({ kind, value, depth });
  const regexAllowed = () => {
    const prev = tokens[tokens.length - 1];
    if (!prev) return true;
    if (prev.kind === 'string') return false;
    if (prev.kind === 'word') return BEFORE_REGEX_WORDS.has(prev.value);
    return !AFTER_OPERAND_PUNCT.has(prev.value);
  };
  /** The rest of a template literal from `i` (after its backtick or a `}`): to its end, or into a `${`. */
  const template = () => {
    for (; i < src.length; i++) {
      const c = src[i];
      if (c === '\\') i++;
      else if (c === '`') {
        i++;
        push('string', '`');
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        braces.push('template');
        return;
      }
    }
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      i = end === -1 ? src.length : end;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end === -1 ? src.length : end + 2;
    } else if (c === "'" || c === '"') {
      // A string ends at its quote, or at the line's end when unterminated (JSX text, say).
      let value = '';
      let j = i + 1;
      for (; j < src.length && src[j] !== c && src[j] !== '\n'; j++) {
        if (src[j] === '\\') j++;
        else value += src[j];
      }
      push('string', value);
      i = j + 1;
    } else if (c === '`') {
      i++;
      template();
    } else if (c === '{') {
      braces.push('code');
      depth++;
      push('punct', c);
      i++;
    } else if (c === '}') {
      i++;
      if (braces.pop() === 'template') template();
      else {
        depth = Math.max(0, depth - 1);
        push('punct', c);
      }
    } else if (c === '/' && regexAllowed()) {
      i = regexEnd(src, i);
      push('punct', '/re/');
    } else if (/[\w$\u0080-\uffff#]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[\w$\u0080-\uffff]/.test(src[j])) j++;
      push('word', src.slice(i, j));
      i = j;
    } else if (/\s/.test(c)) i++;
    else {
      push('punct', c);
      i++;
    }
  }
  return tokens;
}

/**
 * Where a regular expression literal starting at `start` ends (after its flags). One that does
 * not close on its line was a division: only its `/` is consumed.
 */
function regexEnd(src: string, start: number): number {
  let inClass = false;
  for (let j = start + 1; j < src.length; j++) {
    const c = src[j];
    if (c === '\n') return start + 1;
    if (c === '\\') j++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) {
      let k = j + 1;
      while (k < src.length && /\w/.test(src[k])) k++;
      return k;
    }
  }
  return start + 1;
}

/** The files a relative import of `base` (resolved, absolute) may stand for, in the order tsc tries them. */
export function relativeImportCandidates(base: string): string[] {
  const js = /\.(m|c)?jsx?$/.exec(base);
  if (js) {
    const stem = base.slice(0, -js[0].length);
    const m = js[1] ?? '';
    return [`${stem}.${m}ts`, `${stem}.${m}tsx`, `${stem}.d.${m}ts`];
  }
  if (/\.(m|c)?tsx?$/.test(base)) return [base];
  return [`${base}.ts`, `${base}.tsx`, `${base}.d.ts`, join(base, 'index.ts'), join(base, 'index.tsx'), join(base, 'index.d.ts')];
}

/** Whether an import stays an import of the bundle: a node builtin (platform node), or a package named external. */
export function isExternalSpecifier(spec: string, o: { external: string[]; builtinsExternal: boolean }): boolean {
  if (spec.startsWith('node:') || builtinModules.includes(spec)) return o.builtinsExternal;
  const name = packageNameOf(spec);
  return o.external.includes(name);
}

/** A source the declarations are written from: its path, text, and path below the root directory. */
export interface ReachedSource {
  file: string;
  source: string;
  rel: string;
}

/**
 * The sources `roots` reach through the imports `follow` names (absolute paths), breadth first,
 * as tsc's program would hold them. Declaration files are read for types, never written from;
 * a source outside `rootDir` is handed to `outsideRoot` (tsc's TS6059) instead.
 */
export function reachableSources(
  roots: string[],
  rootDir: string,
  follow: (source: string, file: string) => string[],
  outsideRoot: (file: string) => void,
): ReachedSource[] {
  const reached: ReachedSource[] = [];
  const queue = roots.map((f) => resolve(f));
  const seen = new Set(queue);
  while (queue.length) {
    const file = queue.shift()!;
    if (/\.d\.[mc]?ts$/.test(file)) continue;
    const source = readFileSync(file, 'utf8');
    const rel = relative(rootDir, file);
    if (rel.startsWith('..')) {
      outsideRoot(file);
      continue;
    }
    reached.push({ file, source, rel });
    for (const dep of follow(source, file)) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      queue.push(dep);
    }
  }
  return reached;
}

/** tsc's TS6059 for a source outside `rootDir`, worded as tsc words it. */
export function outsideRootDirMessage(file: string, rootDir: string): string {
  return `TS6059: File '${file}' is not under 'rootDir' '${rootDir}'. 'rootDir' is expected to contain all source files.`;
}

/** Where a source's declarations go: `dir/a.ts` → `<outDir>/dir/a.d.ts` (`.mts` → `.d.mts`, `.cts` → `.d.cts`, `.tsx` → `.d.ts`). */
export function declarationFileFor(outDir: string, rel: string): string {
  return join(
    outDir,
    rel.replace(/\.(m|c)?tsx?$/, (_, m = '') => `.d.${m}ts`),
  );
}

/**
 * The TypeScript files a module's imports and re-exports name, as tsc would follow them: relative
 * ones, and packages that are not external whose imports resolve (by `resolvePackage`, the
 * path's own resolution) to TypeScript source in the workspace (a private package whose exports
 * point at its sources, a `paths` alias).
 */
export function followedImports(
  source: string,
  file: string,
  o: { external: string[]; builtinsExternal: boolean },
  resolvePackage: (specifier: string, importer: string) => string | undefined,
): string[] {
  const found: string[] = [];
  for (const spec of moduleSpecifiers(source)) {
    if (spec.startsWith('.')) {
      const hit = relativeImportCandidates(resolve(dirname(file), spec)).find((c) => existsSync(c));
      if (hit) found.push(hit);
    } else if (!isExternalSpecifier(spec, o)) {
      const hit = resolvePackage(spec, file);
      if (hit && /\.[cm]?tsx?$/.test(hit) && !/\.d\.[cm]?tsx?$/.test(hit) && !/[\\/]node_modules[\\/]/.test(hit)) found.push(resolve(hit));
    }
  }
  return found;
}
