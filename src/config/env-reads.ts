/**
 * Environment variables a config's source reads (`process.env.NAME` and its aliases), found
 * by reading the text, never by executing it: inputs of the inferred target
 * (config/config-dependencies.ts) and of the CLI's up-to-date check (core/up-to-date.ts).
 */

/**
 * Per-machine variables: a config may read them (a cache directory under HOME), but as inputs
 * they would give every machine its own hash and end remote cache sharing. Nx's own variables
 * (NX_TASK_HASH…) are set by the run itself.
 */
const MACHINE_ENV = new Set([
  'PATH',
  'HOME',
  'USERPROFILE',
  'USER',
  'USERNAME',
  'LOGNAME',
  'TMPDIR',
  'TEMP',
  'TMP',
  'PWD',
  'OLDPWD',
  'INIT_CWD',
  'SHELL',
  'HOSTNAME',
]);
const isMachineEnv = (name: string) => MACHINE_ENV.has(name) || name.startsWith('NX_') || name.startsWith('npm_');

/**
 * `process.env.NAME`, `process.env['NAME']`, `const { NAME } = process.env`, in code without
 * comments, and the same reads through an alias of `process.env` (`const env = process.env`,
 * `const { env } = process`, `import { env } from 'node:process'`).
 */
export function envNamesIn(code: string): string[] {
  const names = new Set<string>();
  for (const object of [String.raw`\bprocess\s*\.\s*env`, ...envAliasesIn(code).map((a) => String.raw`(?<![\w$.])${escapeRegExp(a)}`)]) {
    for (const n of propertyReadsOf(code, object)) names.add(n);
  }
  return [...names].filter((n) => !isMachineEnv(n)).sort();
}

/** Names read from the object `object` (a regex source): dotted, bracketed, destructured. */
function propertyReadsOf(code: string, object: string): string[] {
  const names: string[] = [];
  for (const m of code.matchAll(new RegExp(String.raw`${object}\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)`, 'g'))) names.push(m[1]);
  for (const m of code.matchAll(new RegExp(String.raw`${object}\s*(?:\?\.)?\s*\[\s*(['"\`])([A-Za-z_][\w]*)\1\s*\]`, 'g')))
    names.push(m[2]);
  for (const m of code.matchAll(new RegExp(String.raw`\{([^{}]*)\}\s*=\s*${object}\b(?!\s*(?:\?\.|\.|\[))`, 'g'))) {
    for (const part of m[1].split(',')) {
      const key = /^\s*(['"]?)([A-Za-z_$][\w$]*)\1\s*(?:[:=]|$)/.exec(part);
      if (key && !part.trim().startsWith('...')) names.push(key[2]);
    }
  }
  return names;
}

/** Local names bound to `process.env` itself (not to one of its values). */
export function envAliasesIn(code: string): string[] {
  const aliases = new Set<string>();
  const whole = String.raw`(?!\s*(?:\?\.|\.|\[))`;
  for (const m of code.matchAll(
    new RegExp(String.raw`\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=;]+)?=\s*process\s*\.\s*env\b${whole}`, 'g'),
  ))
    aliases.add(m[1]);
  const bound = (list: string, rename: RegExp) => {
    for (const part of list.split(',')) {
      const m = rename.exec(part.trim());
      if (m) aliases.add(m[1] ?? 'env');
    }
  };
  for (const m of code.matchAll(new RegExp(String.raw`\{([^{}]*)\}\s*=\s*process\b${whole}`, 'g')))
    bound(m[1], /^env(?:\s*:\s*([A-Za-z_$][\w$]*))?$/);
  for (const m of code.matchAll(/\bimport\s*\{([^}]*)\}\s*from\s*['"](?:node:)?process['"]/g))
    bound(m[1], /^env(?:\s+as\s+([A-Za-z_$][\w$]*))?$/);
  return [...aliases];
}

const escapeRegExp = (s: string) => s.replace(/[$.*+?^()[\]{}|\\]/g, '\\$&');
