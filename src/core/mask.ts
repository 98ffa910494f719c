/** Replaces every secret value with `***`. Values shorter than 3 characters are not masked: they would mask everything. */
export function createMasker(secrets: Iterable<string | undefined>): (text: string) => string {
  const values = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 3))].sort(
    (a, b) => b.length - a.length,
  );
  if (values.length === 0) return (text) => text;
  const pattern = new RegExp(values.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, '***');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The values of the listed secret keys, from the config's env and the process env. */
export function secretValues(keys: readonly string[], env: Record<string, string | undefined>, processEnv: NodeJS.ProcessEnv = process.env): string[] {
  return keys.flatMap((k) => [env[k], processEnv[k]]).filter((v): v is string => typeof v === 'string');
}
