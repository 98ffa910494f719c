import { stripComments } from '../utils/strip-comments';

/**
 * Reads a build.config.* without executing it when it is plain data:
 *
 *     import { defineBuildConfig } from '@repo/build-system';
 *     export default defineBuildConfig({ builder: 'esbuild', format: ['esm', 'cjs'] });
 *
 * (what the config generator writes). Graph time needs only data fields, and transpiling
 * hundreds of configs is what makes config-loading plugins slow on a cold cache. Anything
 * beyond literals — a variable, a call, a template, a function, a spread — returns undefined
 * and the caller loads the file for real.
 */
export function readStaticConfig(source: string): Record<string, unknown> | undefined {
  const body = stripImports(stripComments(source));
  if (body === undefined) return undefined;
  const m = /^export\s+(?:default\s+(?:defineBuildConfig\s*\(\s*)?|const\s+buildConfig\s*=\s*(?:defineBuildConfig\s*\(\s*)?)/.exec(body);
  if (!m) return undefined;
  const wrapped = m[0].includes('defineBuildConfig');
  const parser = new LiteralParser(body, m[0].length);
  const value = parser.value();
  if (value === FAIL || typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (wrapped && !parser.eat(')')) return undefined;
  parser.eat(';');
  return parser.atEnd() ? (value as Record<string, unknown>) : undefined;
}

const FAIL = Symbol('not a literal');

/** Removes our own import; any other import means the config may depend on code: bail. */
function stripImports(src: string): string | undefined {
  let rest = src.trim();
  for (;;) {
    const m = /^import\s+(?:type\s+)?\{[^}]*\}\s+from\s+(['"])([^'"]+)\1\s*;?/.exec(rest);
    if (!m) break;
    if (m[2] !== '@repo/build-system') return undefined;
    rest = rest.slice(m[0].length).trim();
  }
  return /^import\b/.test(rest) ? undefined : rest;
}

class LiteralParser {
  constructor(
    private readonly s: string,
    private i: number,
  ) {}

  private ws() {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  eat(ch: string): boolean {
    this.ws();
    if (this.s[this.i] === ch) {
      this.i++;
      return true;
    }
    return false;
  }

  atEnd(): boolean {
    this.ws();
    return this.i >= this.s.length;
  }

  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"' || c === "'") return this.string();
    const lit = /^(true|false|null|-?\d+(?:\.\d+)?)(?![\w$])/.exec(this.s.slice(this.i, this.i + 32));
    if (!lit) return FAIL;
    this.i += lit[0].length;
    return lit[1] === 'true' ? true : lit[1] === 'false' ? false : lit[1] === 'null' ? null : Number(lit[1]);
  }

  private string(): string | typeof FAIL {
    const q = this.s[this.i++];
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== q) {
      const c = this.s[this.i++];
      if (c === '\n') return FAIL;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '/': '/' };
      if (!(e in simple)) return FAIL;
      out += simple[e];
    }
    if (this.s[this.i++] !== q) return FAIL;
    return out;
  }

  private array(): unknown[] | typeof FAIL {
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      if (this.eat(']')) return out;
      const v = this.value();
      if (v === FAIL) return FAIL;
      out.push(v);
      if (!this.eat(',')) return this.eat(']') ? out : FAIL;
    }
  }

  private object(): Record<string, unknown> | typeof FAIL {
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      if (this.eat('}')) return out;
      this.ws();
      let key: string | typeof FAIL;
      if (this.s[this.i] === '"' || this.s[this.i] === "'") key = this.string();
      else {
        const m = /^[A-Za-z_$][\w$]*/.exec(this.s.slice(this.i, this.i + 128));
        if (!m) return FAIL;
        key = m[0];
        this.i += key.length;
      }
      if (key === FAIL || key === '__proto__' || !this.eat(':')) return FAIL;
      const v = this.value();
      if (v === FAIL) return FAIL;
      out[key] = v;
      if (!this.eat(',')) return this.eat('}') ? out : FAIL;
    }
  }
}
