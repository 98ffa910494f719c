/**
 * What an `nx` command line asks to run, as far as choosing an environment goes: the
 * configuration (`-c staging`, `--configuration=staging`, `run app:build:staging`), the
 * targets, and the projects named explicitly. Nx itself drops a configuration a target does
 * not have and runs the default one instead, so the plugin reads it from the command line.
 */
export interface NxRunRequest {
  configuration?: string;
  targets: string[];
  /** Projects named on the command line; undefined when the command picks them (run-many without -p, affected). */
  projects?: string[];
}

/** Options that take a value as the next argument (the rest are flags or `--name=value`). */
const VALUE_OPTIONS = new Set([
  '-c',
  '--configuration',
  '-t',
  '--target',
  '--targets',
  '-p',
  '--projects',
  '--exclude',
  '--base',
  '--head',
  '--files',
  '--output-style',
  '--outputStyle',
  '--runner',
  '--nxBail',
]);
const MANY = new Set(['run-many', 'affected']);
const TARGET_ALIASES: Record<string, string> = { b: 'build', e: 'e2e', l: 'lint', s: 'serve', t: 'test' };

/** Pure: `argv` as `process.argv` (node, nx, ...args). Undefined for commands that run no tasks this way. */
export function parseNxRunArgs(argv: readonly string[]): NxRunRequest | undefined {
  const positionals: string[] = [];
  const values: Record<string, string[]> = {};
  let prod = false;
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (a === '--prod') prod = true;
    if (!a.startsWith('-')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (!VALUE_OPTIONS.has(name)) continue;
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value !== undefined) (values[canonical(name)] ??= []).push(value);
  }
  const list = (key: string) =>
    values[key]
      ?.flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean);
  const [command, ...rest] = positionals;
  if (!command) return undefined;
  let configuration = values.configuration?.at(-1) ?? (prod ? 'production' : undefined);
  if (command === 'run') {
    const [project, target, conf] = (rest[0] ?? '').split(':');
    if (!project || !target) return undefined;
    configuration = conf || configuration;
    return { configuration, targets: [target], projects: [project] };
  }
  if (MANY.has(command)) return { configuration, targets: list('targets') ?? [], projects: list('projects') };
  // `nx build app`: the target first, then the project (the one in the current directory when left out).
  const target = TARGET_ALIASES[command] ?? command;
  return { configuration, targets: [target], projects: rest[0] ? [rest[0]] : undefined };
}

function canonical(name: string): string {
  switch (name) {
    case '-c':
    case '--configuration':
      return 'configuration';
    case '-t':
    case '--target':
    case '--targets':
      return 'targets';
    case '-p':
    case '--projects':
      return 'projects';
    default:
      return name.replace(/^-+/, '');
  }
}
