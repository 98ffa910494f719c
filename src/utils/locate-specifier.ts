import { readFileSync } from 'node:fs';

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based, at the specifier's opening quote (where esbuild points). */
  column: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Where a module specifier is written in a source file, for builders whose messages name the
 * importer but not the position (rollup's unresolved imports, bun plugins, tsc output): the
 * first quoted occurrence after `from`, `import`, `require(` or `export`, else the first quoted
 * occurrence at all. Undefined when the file cannot be read or does not contain it.
 */
export function locateSpecifier(file: string, specifier: string, text?: string): SourcePosition | undefined {
  let source = text;
  if (source === undefined) {
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }
  const quoted = `(['"\`])${escape(specifier)}\\1`;
  const match =
    new RegExp(`(?:\\bfrom|\\bimport|\\brequire\\(|\\bexport)\\s*\\(?\\s*${quoted}`).exec(source) ?? new RegExp(quoted).exec(source);
  if (!match) return undefined;
  // The match ends with the quoted specifier: its opening quote is two quotes' width before.
  const offset = match.index + match[0].length - specifier.length - 2;
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}
