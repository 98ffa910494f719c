import { join, resolve } from 'node:path';
import { toPosix, workspacePath, type ResolvedBuildConfig } from '../config/resolve';
import { buildError, type BuildError } from '../errors';
import { isFile, walkRelative } from '../utils/files';
import { checkEntryPoints, fieldPath, jsonKeyPositions } from './entry-points';
import type { LintFinding } from './package-lint';
import type { CheckFinding } from './records/types';
import { readPackageJsonFile } from '../utils/package-json';

/**
 * The `check` phase, after `artifacts` (docs/records-and-cli.md, "The check phase"): the
 * package.json entry points against the outputs, then publint / are-the-types-wrong when the
 * config asks for them. Findings are warnings; under `check: 'strict'` they are errors that
 * fail the build (suggestions never do).
 */
export interface CheckResult {
  findings: CheckFinding[];
  errors: BuildError[];
}

export interface CheckContext {
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  log: { warn(line: string): void; info(line: string): void };
}

export async function runChecks(config: ResolvedBuildConfig, ctx: CheckContext): Promise<CheckResult> {
  const strict = config.check.mode === 'strict';
  const file = workspacePath(config, 'package.json');
  const read = readPackageJsonFile(config.packageRoot);
  if (!read.ok) {
    return finish([
      { tool: 'entry-points', level: strict ? 'error' : 'warning', message: `package.json cannot be read: ${read.message}`, file },
    ]);
  }
  const { text, value: pkg } = read;
  const positions = jsonKeyPositions(text);
  const locate = (keys?: (string | number)[]) => (keys ? { field: fieldPath(keys), ...positions.get(JSON.stringify(keys)) } : {});
  const outputs = [...walkRelative(resolve(config.packageRoot, config.outputDir))].map((f) => `${config.outputDir}/${f}`);
  const findings: CheckFinding[] = checkEntryPoints(pkg, {
    outputDir: toPosix(config.outputDir),
    outputs,
    isFile: (rel) => isFile(join(config.packageRoot, rel)),
  }).map((p) => ({ tool: 'entry-points', level: strict ? 'error' : 'warning', message: p.message, file, ...locate(p.entry.keys) }));

  if (config.check.publint || config.check.attw) {
    // Loaded only when asked for: it brings npm pack and the tools' imports along.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { lintPackage } = require('./package-lint') as typeof import('./package-lint');
    const lint = await lintPackage(config, config.check, ctx);
    findings.push(
      ...lint.map((f: LintFinding): CheckFinding => ({
        tool: f.tool,
        level: f.severity === 'suggestion' ? 'suggestion' : strict ? 'error' : 'warning',
        message: f.message,
        file,
        ...locate(f.keys),
      })),
    );
  }
  return finish(findings);

  function finish(all: CheckFinding[]): CheckResult {
    for (const f of all) {
      if (f.level === 'warning') ctx.log.warn(formatFinding(f));
      else if (f.level === 'suggestion') ctx.log.info(formatFinding(f));
    }
    const errors = all
      .filter((f) => f.level === 'error')
      .map((f) =>
        buildError('CHECK_FAILED', `[${f.tool}] ${f.message}`, {
          phase: 'check',
          file: f.file,
          line: f.line,
          column: f.column,
          field: f.field,
        }),
      );
    return { findings: all, errors };
  }
}

/** `packages/a/package.json:4:3: [entry-points] … (field `main`)`, as errors are shown. */
export function formatFinding(f: CheckFinding): string {
  const where = f.file ? `${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''}: ` : '';
  return `${f.level === 'suggestion' ? 'suggestion: ' : ''}${where}[${f.tool}] ${f.message}${f.field ? ` (field \`${f.field}\`)` : ''}`;
}
