import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * One compiler option as a tsconfig chain sets it (nearest `extends` wins), read without
 * loading TypeScript: enough to choose a code path before paying for the compiler.
 * Returns undefined when unset or unreadable; TypeScript itself stays the judge of the rest.
 */
export function readCompilerOption(tsconfigPath: string, option: string, seen = new Set<string>()): unknown {
  if (seen.has(tsconfigPath) || seen.size > 16) return undefined;
  seen.add(tsconfigPath);
  let json: { compilerOptions?: Record<string, unknown>; extends?: string | string[] };
  try {
    json = JSON.parse(stripJsonComments(readFileSync(tsconfigPath, 'utf8')));
  } catch {
    return undefined;
  }
  if (json.compilerOptions && option in json.compilerOptions) return json.compilerOptions[option];
  // Later entries of an `extends` array override earlier ones.
  const parents = json.extends === undefined ? [] : Array.isArray(json.extends) ? [...json.extends].reverse() : [json.extends];
  for (const parent of parents) {
    const file = resolveExtends(dirname(tsconfigPath), parent);
    if (!file) continue;
    const value = readCompilerOption(file, option, seen);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * The text of a tsconfig and of every file it extends, in order: what a cache of compiler
 * state must be keyed on, since any option in the chain may change what tsc emits.
 */
export function tsconfigChainText(tsconfigPath: string, seen = new Set<string>()): string {
  if (seen.has(tsconfigPath) || seen.size > 16) return '';
  seen.add(tsconfigPath);
  let text: string;
  try {
    text = readFileSync(tsconfigPath, 'utf8');
  } catch {
    return `${tsconfigPath}: missing\n`;
  }
  let parents: string[] = [];
  try {
    const ext = (JSON.parse(stripJsonComments(text)) as { extends?: string | string[] }).extends;
    parents = ext === undefined ? [] : Array.isArray(ext) ? ext : [ext];
  } catch {
    /* unreadable: its text alone is the key */
  }
  let out = `${tsconfigPath}\n${text}\n`;
  for (const parent of parents) {
    const file = resolveExtends(dirname(tsconfigPath), parent);
    out += file ? tsconfigChainText(file, seen) : `${parent}: unresolved\n`;
  }
  return out;
}

function resolveExtends(fromDir: string, spec: string): string | undefined {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const file = resolve(fromDir, spec);
    return file.endsWith('.json') ? file : `${file}.json`;
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
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i === -1) break;
      i++;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}
