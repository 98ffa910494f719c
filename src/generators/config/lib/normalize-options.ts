import { posix } from 'node:path';
import { SCAFFOLD_BUILDERS, type ScaffoldBuilder } from '../../../config/builders';
import { BUILD_CACHE_DIR, FORMATS } from '../../../config/define';
import { resolveEntries, type EntryPoint } from '../../../config/resolve';
import type { Format } from '../../../config/schema';
import type { ConfigGeneratorSchema } from '../schema';

const DEFAULT_ENTRY_CANDIDATES = ['src/index.ts', 'src/main.ts', 'index.ts'];
const TS_SOURCE = /(?<!\.d)\.[cm]?tsx?$/;

/** Everything the generator writes, decided once. */
export interface NormalizedConfigOptions {
  builder: ScaffoldBuilder;
  /** As written into the config: a string for one entry, an array for several. */
  entry: string | string[];
  entries: EntryPoint[];
  outputDir: string;
  format: Format[];
  dts: boolean;
  force: boolean;
  skipPackageJson: boolean;
  skipFormat: boolean;
}

export interface NormalizeContext {
  /** Whether a file exists, relative to the project root. */
  exists: (relPath: string) => boolean;
  /** Whether a bun binary is found here (node_modules/.bin or PATH): the default builder is bun only then. */
  bunAvailable: boolean;
}

/** Raw options → complete options, or a message naming the bad option. Pure. */
export function normalizeOptions(
  schema: ConfigGeneratorSchema,
  ctx: NormalizeContext,
): { ok: true; value: NormalizedConfigOptions } | { ok: false; error: string } {
  // The builder that will run here: bun where its binary is, else esbuild (what bun would fall back to).
  const builder = schema.builder ?? (ctx.bunAvailable ? 'bun' : 'esbuild');
  if (!(SCAFFOLD_BUILDERS as readonly string[]).includes(builder)) {
    return { ok: false, error: `--builder must be one of ${SCAFFOLD_BUILDERS.join(', ')} (got "${builder}")` };
  }

  const listed = splitList(schema.entry);
  const entryPaths = listed.length
    ? listed.map(normalizeRelative)
    : [DEFAULT_ENTRY_CANDIDATES.find(ctx.exists) ?? DEFAULT_ENTRY_CANDIDATES[0]];
  for (const p of entryPaths) {
    if (p === null) return { ok: false, error: `--entry "${schema.entry}" must be relative paths inside the project` };
  }
  const paths = entryPaths as string[];
  const entries = resolveEntries(paths.length === 1 ? paths[0] : paths);
  if (new Set(entries.map((e) => e.name)).size !== entries.length) {
    return { ok: false, error: `--entry "${schema.entry}" names two outputs the same (${entries.map((e) => e.name).join(', ')})` };
  }

  const outputDir = normalizeRelative(schema.outputDir ?? 'dist');
  if (outputDir === null || outputDir === '.') {
    return {
      ok: false,
      error: `--outputDir "${schema.outputDir}" must be a directory inside the project, not the project root (e.g. "dist")`,
    };
  }
  const top = outputDir.split('/')[0];
  if (top === BUILD_CACHE_DIR || top === 'node_modules') {
    return { ok: false, error: `--outputDir "${schema.outputDir}" must not be ${top}` };
  }
  // clean and the staging swap replace outputDir wholesale: it must never hold sources.
  const swallowed = paths.find((p) => p === outputDir || p.startsWith(`${outputDir}/`));
  if (swallowed) {
    return {
      ok: false,
      error: `--outputDir "${outputDir}" contains the entry "${swallowed}": every build replaces outputDir, so it must not hold sources`,
    };
  }

  const formats = splitList(schema.format ?? 'esm');
  const bad = formats.find((f) => !(FORMATS as readonly string[]).includes(f));
  if (bad !== undefined || formats.length === 0) {
    return { ok: false, error: `--format must be esm, cjs or esm,cjs (got "${schema.format}")` };
  }
  // ESM first: the order the config and package.json list them in.
  const format = FORMATS.filter((f) => formats.includes(f));

  return {
    ok: true,
    value: {
      builder: builder as ScaffoldBuilder,
      entry: paths.length === 1 ? paths[0] : paths,
      entries,
      outputDir,
      format,
      // TypeScript entries get declarations (a dependent needs them); a missing typescript is warned about, not a reason to go without.
      dts: schema.dts ?? entries.every((e) => TS_SOURCE.test(e.path)),
      force: schema.force ?? false,
      skipPackageJson: schema.skipPackageJson ?? false,
      skipFormat: schema.skipFormat ?? false,
    },
  };
}

/** `a,b`, or `--opt a --opt b` (which the CLI passes as an array). */
function splitList(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value.join(',') : (value ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `./src//index.ts` → `src/index.ts`; null for absolute paths or paths leaving the project. */
function normalizeRelative(p: string): string | null {
  const posixPath = p.replace(/\\/g, '/');
  if (posixPath.startsWith('/') || /^[a-zA-Z]:\//.test(posixPath)) return null;
  const n = posix.normalize(posixPath).replace(/\/+$/, '');
  if (n === '..' || n.startsWith('../')) return null;
  return n === '' ? '.' : n;
}
