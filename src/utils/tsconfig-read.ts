import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { isFile } from './files';
import { stripComments } from './strip-comments';
import { buildError, type BuildError } from '../errors';

interface TsconfigJson {
  compilerOptions?: Record<string, unknown>;
  extends?: string | string[];
}

interface ChainLink {
  /** The file, or the `extends` specifier that did not resolve. */
  file: string;
  unresolved?: true;
  /** Undefined when the file is missing or unresolved. */
  text?: string;
  /** Undefined when the text is not JSON(C). */
  json?: TsconfigJson;
  /** For a link reached through `extends`: the tsconfig that names it, and the specifier. */
  from?: { file: string; spec: unknown };
}

/**
 * A tsconfig and every file it extends, nearest first: itself, then its `extends` entries
 * last to first (a later entry overrides an earlier one), each followed by its own chain.
 * Read without loading TypeScript; cycles and chains deeper than 16 are cut.
 */
function tsconfigChain(tsconfigPath: string, seen = new Set<string>(), from?: ChainLink['from']): ChainLink[] {
  if (seen.has(tsconfigPath) || seen.size > 16) return [];
  seen.add(tsconfigPath);
  let text: string;
  try {
    text = readFileSync(tsconfigPath, 'utf8');
  } catch {
    return [{ file: tsconfigPath, from }];
  }
  let json: TsconfigJson | undefined;
  try {
    json = JSON.parse(stripJsonComments(text)) as TsconfigJson;
  } catch {
    /* unreadable: its text alone counts */
  }
  const links: ChainLink[] = [{ file: tsconfigPath, text, json, from }];
  const ext = json?.extends;
  const parents: unknown[] = ext === undefined ? [] : Array.isArray(ext) ? [...ext].reverse() : [ext];
  for (const spec of parents) {
    const via = { file: tsconfigPath, spec };
    const file = typeof spec === 'string' ? resolveExtends(dirname(tsconfigPath), spec) : undefined;
    links.push(
      ...(file ? tsconfigChain(file, seen, via) : [{ file: `${String(spec)} (unresolved)`, unresolved: true as const, from: via }]),
    );
  }
  return links;
}

/** The files of a tsconfig chain (nearest first), missing ones included, unresolved specifiers not. */
export function tsconfigChainFiles(tsconfigPath: string, seen = new Set<string>()): string[] {
  return tsconfigChain(tsconfigPath, seen)
    .filter((l) => !l.unresolved)
    .map((l) => l.file);
}

/**
 * One compiler option as a tsconfig chain sets it (nearest wins): enough to choose a code
 * path before paying for the compiler. Undefined when unset or unreadable; TypeScript itself
 * stays the judge of the rest.
 */
export function readCompilerOption(tsconfigPath: string, option: string): unknown {
  for (const { json } of tsconfigChain(tsconfigPath)) {
    if (json?.compilerOptions && option in json.compilerOptions) return json.compilerOptions[option];
  }
  return undefined;
}

/**
 * `{ option: null }` for each option the chain sets, to unset it in a generated tsconfig that
 * extends it. Only those: TypeScript keeps a `null` in its build info and, comparing it with
 * the unset option it reads back, rebuilds everything on every incremental run.
 */
export function unsetInherited(tsconfigPath: string, options: readonly string[]): Record<string, null> {
  return Object.fromEntries(options.filter((o) => readCompilerOption(tsconfigPath, o) !== undefined).map((o) => [o, null]));
}

/**
 * The text of a tsconfig and of every file it extends: what a cache of compiler state must
 * be keyed on, since any option in the chain may change what tsc emits.
 */
export function tsconfigChainText(tsconfigPath: string): string {
  return tsconfigChain(tsconfigPath)
    .map((l) => `${l.file}\n${l.text ?? '(missing)'}\n`)
    .join('');
}

/**
 * `extends` entries of a tsconfig chain that name no file: tsc would stop with a bare TS5083
 * and an absolute path; this names the tsconfig and the field before anything runs.
 */
export function brokenExtends(tsconfigPath: string, workspaceRoot: string): BuildError[] {
  // A tsconfig that is not JSON is not followed: TypeScript reports it, located.
  return tsconfigChain(tsconfigPath)
    .filter((l) => l.from && (l.unresolved || !existsSync(l.file)))
    .map(({ from }) =>
      buildError('CONFIG_INVALID', `tsconfig extends ${JSON.stringify(from!.spec)}, which does not exist`, {
        phase: 'validate',
        file: relative(workspaceRoot, from!.file).split(sep).join('/'),
        field: 'extends',
        expected: 'a tsconfig file that exists (a relative path or a package)',
        found: JSON.stringify(from!.spec),
      }),
    );
}

/** As tsc resolves `extends`: a path (`.json` appended unless that file exists), or a package. */
function resolveExtends(fromDir: string, spec: string): string | undefined {
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const file = resolve(fromDir, spec);
    return isFile(file) || file.endsWith('.json') ? file : `${file}.json`;
  }
  for (const candidate of [spec, `${spec}.json`, `${spec}/tsconfig.json`]) {
    try {
      return require.resolve(candidate, { paths: [fromDir] });
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** JSON with comments and trailing commas (what tsconfig files are) to plain JSON. */
export function stripJsonComments(text: string): string {
  return stripComments(text).replace(/,(\s*[}\]])/g, '$1');
}
