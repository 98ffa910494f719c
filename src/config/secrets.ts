/**
 * Which values are secret, known before a config is validated: the names from the raw
 * export's `secretEnv` (or, for a config that did not load, from its source), the values from
 * the process env and every `env` of the raw export. A validation or load error may quote any
 * of them, so they are masked from the first line a build prints.
 */

/** Values of the raw export's `secretEnv` names: the process env's, and its own `env`s' (top level and each environment's). */
export function secretValuesOfRaw(raw: unknown, processEnv: NodeJS.ProcessEnv = process.env): string[] {
  if (!raw || typeof raw !== 'object') return [];
  const r = raw as { secretEnv?: unknown; env?: unknown; environments?: unknown };
  const names = Array.isArray(r.secretEnv) ? r.secretEnv.filter((n): n is string => typeof n === 'string') : [];
  const perEnvironment =
    r.environments && typeof r.environments === 'object'
      ? Object.values(r.environments).map((e) => (e as { env?: unknown } | null)?.env)
      : [];
  const values: unknown[] = names.map((n) => processEnv[n]);
  for (const env of [r.env, ...perEnvironment])
    if (env && typeof env === 'object') for (const n of names) values.push((env as Record<string, unknown>)[n]);
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/**
 * Secret names written in a config's source (`secretEnv: ['A', "B"]`), for a config that did
 * not load: its error may quote a value (`throw new Error('bad token ' + process.env.A)`).
 */
export function secretNamesInSource(source: string): string[] {
  const names: string[] = [];
  for (const list of source.matchAll(/\bsecretEnv\b\s*[:=]\s*\[([^\]]*)\]/g)) {
    for (const s of list[1].matchAll(/(['"`])([^'"`\\]+)\1/g)) names.push(s[2]);
  }
  return [...new Set(names)];
}
