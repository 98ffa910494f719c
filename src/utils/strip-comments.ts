/**
 * Source text with `//` and `/* *\/` comments removed, string literals ('…', "…", `…`) kept
 * as they are. Serves both TypeScript config files (build.config.*) and JSONC (tsconfig).
 */
export function stripComments(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'" || c === '`') {
      const start = i;
      for (i++; i < src.length && src[i] !== c; i++) if (src[i] === '\\') i++;
      out += src.slice(start, i + 1);
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end === -1) return out;
      i = end + 1;
    } else out += c;
  }
  return out;
}
