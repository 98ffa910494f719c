import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { buildError, fail, ok, type BuildError, type Result } from '../errors';
import type { ConfigContext } from './define';
import { readStaticConfig } from './static-config';

export interface LoadedConfig {
  file: string;
  /** The config object as exported, before validation. */
  raw: unknown;
}

let jitiInstance: { import: (id: string) => Promise<unknown> } | undefined;

/**
 * jiti with its module cache off: with the Nx daemon a plugin process lives for hours, and an
 * edited build.config.ts must be seen by the next graph computation. jiti's fs cache is keyed
 * by file content, so fresh loads stay cheap.
 */
function getJiti() {
  if (!jitiInstance) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createJiti } = require('jiti') as typeof import('jiti');
    jitiInstance = createJiti(__filename, { moduleCache: false, interopDefault: false });
  }
  return jitiInstance;
}

export const DEFAULT_CONFIG_TIMEOUT_MS = 30_000;

/** `BUILD_SYSTEM_CONFIG_TIMEOUT_MS`, else 30 s: how long loading one config may take. */
export function configTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.BUILD_SYSTEM_CONFIG_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_CONFIG_TIMEOUT_MS;
}

export interface LoadOptions {
  /** Give up after this long (default: configTimeoutFromEnv()). */
  timeoutMs?: number;
}

/**
 * Loads a config module and resolves default / `buildConfig` exports, promises and functions,
 * within a time limit: a config whose promise never settles would otherwise hold a build (or
 * the project graph) forever, or let a CLI process exit 0 with nothing done.
 */
export async function loadConfigModule(
  file: string,
  ctx: ConfigContext,
  workspaceRoot: string,
  options: LoadOptions = {},
): Promise<Result<LoadedConfig>> {
  const rel = relative(workspaceRoot, file) || file;
  // Plain data (what the config generator writes) means the same thing read as executed,
  // without paying for jiti's transpiler on every build.
  const literal = readLiteral(file);
  if (literal) return ok({ file, raw: literal });
  const timeoutMs = options.timeoutMs ?? configTimeoutFromEnv();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Result<LoadedConfig>>((res) => {
    timer = setTimeout(() => {
      abandoned++;
      res(fail(configTimeoutError(rel, timeoutMs)));
    }, timeoutMs);
  });
  try {
    return await Promise.race([evaluateConfig(file, ctx, rel, workspaceRoot), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

let abandoned = 0;

/** How many config loads this process gave up on (whatever they started may still be running). */
export function abandonedConfigLoads(): number {
  return abandoned;
}

export function isConfigTimeout(e: BuildError): boolean {
  return e.code === 'CONFIG_LOAD_FAILED' && e.message.includes(TIMEOUT_TEXT);
}

const TIMEOUT_TEXT = 'did not finish loading within';

export function configTimeoutError(rel: string, timeoutMs: number): BuildError {
  return buildError(
    'CONFIG_LOAD_FAILED',
    `${rel} ${TIMEOUT_TEXT} ${timeoutMs} ms: does a promise it exports or awaits never settle? (the limit is BUILD_SYSTEM_CONFIG_TIMEOUT_MS)`,
    { phase: 'validate', file: rel },
  );
}

async function evaluateConfig(file: string, ctx: ConfigContext, rel: string, workspaceRoot: string): Promise<Result<LoadedConfig>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await getJiti().import(file)) as Record<string, unknown>;
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    const at = errorLocation(err, message);
    // The error may lie in a module the config imports: name that file, not the config.
    const where = at.file && at.file !== file ? relative(workspaceRoot, at.file) || at.file : rel;
    return fail(
      buildError('CONFIG_LOAD_FAILED', `could not load ${rel}: ${firstLine(message)}`, {
        phase: 'validate',
        file: where,
        line: at.line,
        column: at.column,
      }),
    );
  }
  let exported = mod?.default ?? mod?.buildConfig;
  // A CJS module compiled from ESM may nest the default once more.
  if (exported && typeof exported === 'object' && 'default' in exported && !('builder' in exported)) {
    exported = (exported as { default: unknown }).default;
  }
  if (exported === undefined) {
    return fail(
      buildError('CONFIG_INVALID', `${rel} exports no config: expected a default export or a named \`buildConfig\``, {
        phase: 'validate',
        file: rel,
      }),
    );
  }
  try {
    let value: unknown = exported;
    if (typeof value === 'function') value = await (value as (c: ConfigContext) => unknown)(ctx);
    value = await value;
    return ok({ file, raw: value });
  } catch (err) {
    return fail(
      buildError('CONFIG_LOAD_FAILED', `${rel}: the config function threw: ${firstLine((err as Error)?.message ?? String(err))}`, {
        phase: 'validate',
        file: rel,
      }),
    );
  }
}

function readLiteral(file: string): Record<string, unknown> | undefined {
  try {
    return readStaticConfig(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

/**
 * Where a load error points. jiti puts a syntax error's position on the message's last line
 * (`ParseError: Unexpected token \n <file>:2:78`, babel's 0-based column); an error with `loc`
 * carries it as a property. Columns are returned 1-based like every other error's.
 */
function errorLocation(err: unknown, message: string): { file?: string; line?: number; column?: number } {
  const loc = (err as { loc?: { line?: unknown; column?: unknown } } | undefined)?.loc;
  if (loc && typeof loc.line === 'number') return { line: loc.line, column: typeof loc.column === 'number' ? loc.column + 1 : undefined };
  const m = /^\s*(.+?):(\d+):(\d+)\s*$/.exec(message.split('\n').slice(1).join('\n').trim());
  return m ? { file: m[1], line: Number(m[2]), column: Number(m[3]) + 1 } : {};
}
