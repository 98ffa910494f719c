import { join, relative } from 'node:path';
import { buildError, type BuildError } from '../../errors';
import type { PackageJson } from '../../utils/package-json';
import { BUILT_IN_ENVIRONMENTS } from '../define';
import type { ParsedBuildConfig } from '../schema';
import { toPosix, type PathContext } from './paths';

/** The checks of resolution that are not about paths: the environment, the name, the runtime schema. */

/** A typo in `-c` must not quietly build production: the environment is built in or declared. */
export function checkEnvironmentName(parsed: ParsedBuildConfig, environment: string, file: string | undefined): BuildError[] {
  const declared = Object.keys(parsed.environments ?? {});
  if ((BUILT_IN_ENVIRONMENTS as readonly string[]).includes(environment) || declared.includes(environment)) return [];
  return [
    buildError('CONFIG_INVALID', `unknown environment "${environment}"`, {
      phase: 'validate',
      file,
      field: 'environments',
      expected: [...new Set([...BUILT_IN_ENVIRONMENTS, ...declared])].map((e) => JSON.stringify(e)).join(' | '),
      found: JSON.stringify(environment),
    }),
  ];
}

/** package.json has a name, and the config's `name`, when set, is the same. */
export function checkName(name: string | undefined, packageJson: PackageJson, ctx: PathContext): BuildError[] {
  if (!packageJson.name) {
    return [
      buildError('PACKAGE_JSON_INVALID', 'package.json has no "name"', {
        phase: 'validate',
        file: toPosix(relative(ctx.workspaceRoot, join(ctx.packageRoot, 'package.json'))),
        field: 'name',
      }),
    ];
  }
  if (name && name !== packageJson.name) {
    return [
      buildError('CONFIG_INVALID', 'name must equal package.json "name"', {
        phase: 'validate',
        file: ctx.file,
        field: 'name',
        expected: JSON.stringify(packageJson.name),
        found: JSON.stringify(name),
      }),
    ];
  }
  return [];
}

/** `runtimeValidationSchema` run over the build's environment (process.env with `env` overlaid): one error per issue. */
export function runtimeValidationErrors(
  schema: ParsedBuildConfig['runtimeValidationSchema'],
  environment: Record<string, string | undefined>,
  file: string | undefined,
): BuildError[] {
  if (!schema) return [];
  const result = schema.safeParse(environment);
  if (result.success) return [];
  const issues = (result.error as { issues?: { path: PropertyKey[]; message: string }[] })?.issues ?? [];
  return (issues.length ? issues : [{ path: [], message: 'invalid' }]).map((issue) =>
    buildError('RUNTIME_VALIDATION_FAILED', issue.message, {
      phase: 'validate',
      file,
      field: `runtimeValidationSchema${issue.path.length ? '.' + issue.path.map(String).join('.') : ''}`,
    }),
  );
}
