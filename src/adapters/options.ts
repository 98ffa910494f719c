import { relative } from 'node:path';
import { toPosix, type ResolvedBuildConfig } from '../config/resolve';
import { buildError, type BuildError } from '../errors';

/** Errors for builderOptions keys an adapter does not accept, naming builder and option. */
export function unsupportedOptions(builder: string, config: ResolvedBuildConfig, known: readonly string[]): BuildError[] {
  return Object.keys(config.builderOptions)
    .filter((k) => !known.includes(k))
    .map((k) =>
      buildError('BUILDER_OPTION_UNSUPPORTED', `${builder} does not accept builderOptions.${k}`, {
        phase: 'validate',
        file: configFileOf(config),
        field: `builderOptions.${k}`,
        expected: known.length ? known.join(', ') : 'no builderOptions',
        found: k,
      }),
    );
}

/** An error for a common option this builder cannot honour. */
export function cannotHonour(builder: string, config: ResolvedBuildConfig, field: string, why: string, found: string): BuildError {
  return buildError('BUILDER_OPTION_UNSUPPORTED', `${builder} cannot honour \`${field}\`: ${why}`, { phase: 'validate', file: configFileOf(config), field, found });
}

export function configFileOf(config: ResolvedBuildConfig): string | undefined {
  return config.configFile ? toPosix(relative(config.workspaceRoot, config.configFile)) : undefined;
}
