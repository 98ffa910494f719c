import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { workspacePath, type ResolvedBuildConfig } from '../../config/resolve';
import { buildError, type BuildError, type PhaseName } from '../../errors';
import { runCommand } from '../../utils/spawn';
import type { AdapterContext } from '../types';
import { codeCacheEnabled, codeCachePath } from '../../utils/code-cache';
import { installHint, resolveToolModule } from '../../utils/find-tool';
import { packageVersionAt } from '../../utils/package-json';

type Roots = Pick<ResolvedBuildConfig, 'packageRoot' | 'workspaceRoot'>;

interface WorkspaceTypeScript {
  /** The `typescript` package directory. */
  dir: string;
  /** NaN when package.json has no readable version. */
  major: number;
  minor: number;
}

const installs = new Map<string, WorkspaceTypeScript | undefined>();

/** The workspace's `typescript` package, looked up once per package and workspace root. */
function workspaceTypeScript(config: Roots): WorkspaceTypeScript | undefined {
  const key = `${config.packageRoot}\0${config.workspaceRoot}`;
  if (!installs.has(key)) {
    const pkg = resolveToolModule('typescript/package.json', [config.packageRoot, config.workspaceRoot]);
    // An unreadable version fails only the version checks.
    const text = pkg ? packageVersionAt(dirname(pkg)) : undefined;
    const version = text ? text.split('.').map(Number) : [];
    installs.set(key, pkg ? { dir: dirname(pkg), major: version[0] ?? NaN, minor: version[1] ?? NaN } : undefined);
  }
  return installs.get(key);
}

/**
 * The workspace's own TypeScript, run as a process: TypeScript 7 is a native port with no JS
 * compiler API, and declarations must come from the compiler the workspace type-checks with.
 */
export function findTsc(config: Roots): string | undefined {
  const ts = workspaceTypeScript(config);
  const bin = ts && join(ts.dir, 'bin', 'tsc');
  return bin && existsSync(bin) ? bin : undefined;
}

const TSC_RUNNER = join(__dirname, 'tsc-runner.js');

/**
 * The JS file holding the workspace's tsc (5.x/6.x: `lib/_tsc.js`, or `lib/tsc.js` before
 * 5.7), to run from a code cache; undefined for the native TypeScript 7 or when turned off.
 */
export function findTscCompiler(config: Roots): string | undefined {
  const ts = workspaceTypeScript(config);
  if (!codeCacheEnabled() || !ts || !(ts.major < 7)) return undefined;
  for (const name of ['_tsc.js', 'tsc.js']) {
    const file = join(ts.dir, 'lib', name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** The workspace's TypeScript version (`5.9.3`), undefined when it is not installed. */
export function typescriptVersion(config: Roots): string | undefined {
  const ts = workspaceTypeScript(config);
  if (!ts) return undefined;
  return packageVersionAt(ts.dir) ?? `${ts.major}.${ts.minor}`;
}

/** Whether the workspace's TypeScript is at least major.minor. */
export function tsVersionAtLeast(config: Roots, major: number, minor: number): boolean {
  const ts = workspaceTypeScript(config);
  return !!ts && (ts.major > major || (ts.major === major && ts.minor >= minor));
}

/**
 * The workspace's TypeScript module when it has the JS API with `transpileDeclaration`
 * (5.5 to 6.x; 7 is native and has no JS API).
 */
export function findTranspileDeclarationApi(config: Roots): string | undefined {
  if (!tsVersionAtLeast(config, 5, 5) || tsVersionAtLeast(config, 7, 0)) return undefined;
  return resolveToolModule('typescript', [config.packageRoot, config.workspaceRoot]);
}

/** The workspace's TypeScript module when it has the JS compiler API (before 7, the native port). */
export function findCompilerApi(config: Roots): string | undefined {
  const ts = workspaceTypeScript(config);
  if (!ts || !(ts.major < 7)) return undefined;
  return resolveToolModule('typescript', [config.packageRoot, config.workspaceRoot]);
}

export interface TscRun {
  ctx: Pick<AdapterContext, 'env' | 'log' | 'signal'>;
  config: ResolvedBuildConfig;
  args: string[];
  phase: PhaseName;
  /** A script to run instead of the tsc binary (same output format, same parsing). */
  script?: string;
}

/** Runs tsc with `--pretty false` and turns its diagnostics into located errors. */
export async function runTsc({ ctx, config, args, phase, script }: TscRun): Promise<BuildError[]> {
  const tsc = script ?? findTsc(config);
  if (!tsc) {
    return [
      buildError(
        'BUILDER_UNAVAILABLE',
        `typescript is not installed in the workspace (needed for tsc builds and declarations): ${installHint(['typescript'], config.workspaceRoot)}`,
        { phase },
      ),
    ];
  }
  const compiler = script ? undefined : findTscCompiler(config);
  const argv = script
    ? [script, ...args]
    : compiler
      ? [TSC_RUNNER, compiler, codeCachePath(config.workspaceRoot, compiler), ...args, '--pretty', 'false']
      : [tsc, ...args, '--pretty', 'false'];
  const diagnostics = new DiagnosticFilter();
  const result = await runCommand(process.execPath, {
    args: argv,
    cwd: config.packageRoot,
    env: ctx.env,
    signal: ctx.signal,
    // Diagnostics become located errors, printed once by the pipeline: tsc's own lines are not shown too.
    onOutput: (c) => ctx.log.write(diagnostics.push(c)),
  });
  ctx.log.write(diagnostics.end());
  if (result.cancelled) return [buildError('CANCELLED', 'tsc cancelled', { phase })];
  const errors = parseTscDiagnostics(result.output, config, phase);
  if (result.exitCode !== 0 && errors.length === 0) {
    errors.push(
      buildError('BUILD_FAILED', `tsc exited with code ${result.exitCode}: ${result.output.trim().split('\n').slice(-5).join('\n')}`, {
        phase,
      }),
    );
  }
  return errors;
}

const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/;
const GLOBAL_DIAGNOSTIC = /^error (TS\d+): (.*)$/;

/** Drops tsc's diagnostic lines (and their indented continuations) from its streamed output; passes the rest. */
export class DiagnosticFilter {
  private partial = '';
  private inDiagnostic = false;

  /** What of `chunk` to show: whole lines only, a partial line waits. */
  push(chunk: string): string {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    return lines.map((l) => this.keep(l)).join('');
  }

  end(): string {
    const rest = this.partial ? this.keep(this.partial) : '';
    this.partial = '';
    return rest;
  }

  private keep(line: string): string {
    const bare = line.replace(/\r$/, '');
    if (DIAGNOSTIC.test(bare.trim()) || GLOBAL_DIAGNOSTIC.test(bare.trim())) this.inDiagnostic = true;
    else if (!(this.inDiagnostic && /^\s+\S/.test(bare))) this.inDiagnostic = false;
    return this.inDiagnostic ? '' : `${line}\n`;
  }
}

export function parseTscDiagnostics(
  output: string,
  config: Pick<ResolvedBuildConfig, 'packageRoot' | 'workspaceRoot'>,
  phase: PhaseName,
): BuildError[] {
  const errors: BuildError[] = [];
  let last: BuildError | undefined;
  for (const line of output.split(/\r?\n/)) {
    // An indented line after a diagnostic continues its message (the chain of "because" lines).
    if (last && /^\s+\S/.test(line)) {
      last.message += `\n  ${line.trim()}`;
      continue;
    }
    last = undefined;
    const m = DIAGNOSTIC.exec(line.trim());
    if (m) {
      errors.push(
        buildError('TYPE_ERROR', `${m[4]}: ${m[5]}`, {
          phase,
          file: workspacePath(config, m[1]),
          line: Number(m[2]),
          column: Number(m[3]),
        }),
      );
      last = errors[errors.length - 1];
      continue;
    }
    const g = GLOBAL_DIAGNOSTIC.exec(line.trim());
    if (g) {
      errors.push(buildError('TYPE_ERROR', `${g[1]}: ${g[2]}`, { phase }));
      last = errors[errors.length - 1];
    }
  }
  return errors;
}
