import type { Tree } from '@nx/devkit';

const NAME = 'NX_ISOLATE_PLUGINS';
const SETTING = `${NAME}=false`;
const COMMENT = [
  '# @repo/build-system (nx add --inProcessPlugins): Nx loads plugins inside its own process and the daemon,',
  '# not one worker process per plugin: faster cached runs and graphs, but a plugin that crashes or leaks',
  '# takes Nx down with it. Delete these lines to isolate plugins again (README.md, "Plugins in-process").',
];

/** `NAME=value` with optional `export`, spaces and quotes, as dotenv reads it; undefined for any other line. */
function assignedValue(line: string): string | undefined {
  const m = new RegExp(`^\\s*(?:export\\s+)?${NAME}\\s*=\\s*(.*?)\\s*$`).exec(line);
  if (!m) return undefined;
  const raw = m[1].replace(/\s+#.*$/, '');
  return /^(['"`]).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
}

/**
 * Writes `NX_ISOLATE_PLUGINS=false` to the workspace `.env`, with a comment saying what it
 * trades. Other lines stay as they are; a different value of the variable is replaced in place.
 * Returns whether `.env` changed.
 */
export function loadPluginsInProcess(tree: Tree): boolean {
  const current = tree.exists('.env') ? (tree.read('.env', 'utf-8') ?? '') : '';
  const eol = current.includes('\r\n') ? '\r\n' : '\n';
  const lines = current.split(/\r?\n/);
  // dotenv keeps the last assignment of a name.
  const at = lines.findLastIndex((l) => assignedValue(l) !== undefined);
  if (at >= 0 && assignedValue(lines[at]) === 'false') return false;
  if (at >= 0) {
    lines.splice(at, 1, ...COMMENT, SETTING);
    tree.write('.env', lines.join(eol));
    return true;
  }
  const prefix = current.length === 0 || current.endsWith('\n') ? current : current + eol;
  const gap = prefix.length ? eol : '';
  tree.write('.env', `${prefix}${gap}${[...COMMENT, SETTING].join(eol)}${eol}`);
  return true;
}
