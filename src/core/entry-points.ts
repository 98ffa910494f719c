import { posix } from 'node:path';

/**
 * The paths a package.json hands to its consumers (`main`, `module`, `types`, `typings`,
 * `bin`, every `exports` condition, nested and per subpath), and whether the build's outputs
 * hold them (docs/records-and-cli.md, "The check phase"). Pure: the file system comes in as
 * functions, so the rules are unit-tested as a table.
 */

export interface EntryPath {
  /** Field path as written in messages: `main`, `bin.cli`, `exports["."].import`. */
  field: string;
  /** The same path as keys, for locating it in the file. */
  keys: (string | number)[];
  /** The value as written. */
  value: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `['exports', '.', 'import']` → `exports["."].import`. */
export function fieldPath(keys: readonly (string | number)[]): string {
  return keys
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : IDENTIFIER.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`))
    .join('');
}

export function entryPointPaths(pkg: Record<string, unknown>): EntryPath[] {
  const out: EntryPath[] = [];
  const add = (keys: (string | number)[], value: unknown) => {
    if (typeof value === 'string' && value) out.push({ field: fieldPath(keys), keys, value });
  };
  for (const key of ['main', 'module', 'types', 'typings']) add([key], pkg[key]);
  if (typeof pkg.bin === 'string') add(['bin'], pkg.bin);
  else if (pkg.bin && typeof pkg.bin === 'object') for (const [name, v] of Object.entries(pkg.bin)) add(['bin', name], v);
  const walk = (keys: (string | number)[], value: unknown) => {
    if (typeof value === 'string') add(keys, value);
    else if (Array.isArray(value)) value.forEach((v, i) => walk([...keys, i], v));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk([...keys, k], v);
  };
  walk(['exports'], pkg.exports);
  return out;
}

export interface PackageFiles {
  /** outputDir, posix, relative to the package root. */
  outputDir: string;
  /** Every file below outputDir after the build, posix, relative to the package root. */
  outputs: readonly string[];
  /** Whether a path (relative to the package root) is a file. */
  isFile(rel: string): boolean;
}

export interface EntryProblem {
  entry: EntryPath;
  message: string;
}

/** Where the legacy fields let Node and TypeScript add an extension or `/index`. */
const LEGACY_CANDIDATES: Record<string, (p: string) => string[]> = {
  main: (p) => [p, `${p}.js`, `${p}.json`, `${p}.node`, `${p}/index.js`],
  types: (p) => [p, `${p}.d.ts`, `${p}/index.d.ts`],
  typings: (p) => [p, `${p}.d.ts`, `${p}/index.d.ts`],
};

/** Directories builds conventionally write to: a path there outside outputDir may be a leftover. */
const OUTPUT_LIKE_DIRS = new Set(['dist', 'build', 'lib', 'out']);
const stemOf = (p: string) => p.replace(/(\.d)?\.[cm]?[jt]sx?$/, '').replace(/\.(map|json)$/, '');

/** Each entry point that names nothing the build wrote, or a leftover of an earlier build. */
export function checkEntryPoints(pkg: Record<string, unknown>, files: PackageFiles): EntryProblem[] {
  const problems: EntryProblem[] = [];
  const outputs = new Set(files.outputs);
  const inOutputs = (p: string) => p === files.outputDir || p.startsWith(`${files.outputDir}/`);
  for (const entry of entryPointPaths(pkg)) {
    const p = posix.normalize(entry.value.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/\/+$/, '');
    // Outside the package (or the package itself): not the build's to check.
    if (posix.isAbsolute(p) || p === '..' || p.startsWith('../') || p === '.') continue;
    const shown = `./${p}`;
    if (p.includes('*')) {
      // Outside the outputs a pattern is the package's own business (sources, assets).
      if (inOutputs(p) && !files.outputs.some((f) => matchesPattern(p, f))) {
        problems.push({ entry, message: `package.json \`${entry.field}\` names ${shown}, which matches no file the build wrote` });
      }
      continue;
    }
    const candidates = (LEGACY_CANDIDATES[entry.keys[0] as string] ?? ((x: string) => [x]))(p);
    if (inOutputs(p)) {
      if (candidates.some((c) => outputs.has(c))) continue;
      const near = files.outputs.filter((o) => stemOf(o) === stemOf(p));
      problems.push({
        entry,
        message: `package.json \`${entry.field}\` names ${shown}, which the build did not write${near.length ? ` (it wrote ${near.map((n) => `./${n}`).join(', ')})` : ''}`,
      });
      continue;
    }
    if (!candidates.some((c) => files.isFile(c))) {
      problems.push({
        entry,
        message: `package.json \`${entry.field}\` names ${shown}, which does not exist (the build writes to ${files.outputDir}/)`,
      });
      continue;
    }
    const leftover = leftoverOf(p, files);
    if (leftover) {
      problems.push({
        entry,
        message: `package.json \`${entry.field}\` names ${shown}, outside outputDir "${files.outputDir}": a leftover of an earlier build (this build wrote ./${leftover})`,
      });
    }
  }
  return problems;
}

/** `dist/index.js` when the build now writes `lib/index.js` (or `lib/index.cjs`): what it wrote instead. */
function leftoverOf(p: string, files: PackageFiles): string | undefined {
  const parts = p.split('/');
  if (parts.length < 2 || !OUTPUT_LIKE_DIRS.has(parts[0]) || files.outputDir.split('/')[0] === parts[0]) return undefined;
  for (let k = 1; k < parts.length; k++) {
    const tail = stemOf(parts.slice(k).join('/'));
    const hit = files.outputs.find((o) => stemOf(o.slice(files.outputDir.length + 1)) === tail);
    if (hit) return hit;
  }
  return undefined;
}

/** Whether a file matches an `exports` target pattern (`dist/*.js`). */
function matchesPattern(pattern: string, file: string): boolean {
  const star = pattern.indexOf('*');
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1).replace(/\*/g, '');
  return file.length > prefix.length + suffix.length && file.startsWith(prefix) && file.endsWith(suffix);
}

export interface JsonPosition {
  line: number;
  column: number;
}

/**
 * Where each key of a JSON document is written (1-based line and column of its opening
 * quote), by its key path (`JSON.stringify(['exports', '.', 'import'])`). Array elements are
 * located at the element. Stops quietly at text that is not JSON.
 */
export function jsonKeyPositions(text: string): Map<string, JsonPosition> {
  const positions = new Map<string, JsonPosition>();
  let i = 0;
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') lineStarts.push(k + 1);
  const at = (offset: number): JsonPosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: (string | number)[]): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      for (;;) {
        ws();
        if (text[i] === '}') return void i++;
        if (text[i] !== '"') throw new Error('not JSON');
        const keyAt = i;
        const key = str();
        positions.set(JSON.stringify([...path, key]), at(keyAt));
        ws();
        if (text[i] !== ':') throw new Error('not JSON');
        i++;
        value([...path, key]);
        ws();
        if (text[i] === ',') i++;
      }
    } else if (c === '[') {
      i++;
      for (let n = 0; ; n++) {
        ws();
        if (text[i] === ']') return void i++;
        positions.set(JSON.stringify([...path, n]), at(i));
        value([...path, n]);
        ws();
        if (text[i] === ',') i++;
      }
    } else if (c === '"') {
      str();
    } else {
      const m = /^[^,\]}\s]+/.exec(text.slice(i, i + 64));
      if (!m) throw new Error('not JSON');
      i += m[0].length;
    }
  };
  try {
    value([]);
  } catch {
    /* what was found so far */
  }
  return positions;
}
