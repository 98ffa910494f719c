import { isAbsolute, relative, resolve } from 'node:path';
import { describeValue } from '../utils/describe-value';
import { toPosix, type ResolvedBuildConfig } from '../config/resolve';
import { buildError, type BuildError } from '../errors';

/** Errors for builderOptions keys an adapter does not accept, naming builder and option. */
/** What checking builderOptions reads: enough for a config that failed validation elsewhere. */
export type BuilderOptionsSource = Pick<ResolvedBuildConfig, 'builderOptions' | 'configFile' | 'workspaceRoot'>;

export function unsupportedOptions(builder: string, config: BuilderOptionsSource, known: readonly string[]): BuildError[] {
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
  return buildError('BUILDER_OPTION_UNSUPPORTED', `${builder} cannot honour \`${field}\`: ${why}`, {
    phase: 'validate',
    file: configFileOf(config),
    field,
    found,
  });
}

export function configFileOf(config: Pick<ResolvedBuildConfig, 'configFile' | 'workspaceRoot'>): string | undefined {
  return config.configFile ? toPosix(relative(config.workspaceRoot, config.configFile)) : undefined;
}

/**
 * What one builderOptions value must be: a check and how to say it. Hand-written rather than
 * zod so validating a build loads nothing heavy (graph time and tests of lazy imports).
 */
export interface OptionRule {
  expected: string;
  check: (value: unknown) => boolean;
}

/** A builder's accepted builderOptions: the keys are the known ones, each with its rule. */
export type OptionSchema = Readonly<Record<string, OptionRule>>;

const isString = (v: unknown): v is string => typeof v === 'string';
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const rule = {
  boolean: { expected: 'a boolean', check: (v: unknown) => typeof v === 'boolean' } as OptionRule,
  string: { expected: 'a string', check: isString } as OptionRule,
  function: { expected: 'a function', check: (v: unknown) => typeof v === 'function' } as OptionRule,
  stringArray: { expected: 'an array of strings', check: (v: unknown) => Array.isArray(v) && v.every(isString) } as OptionRule,
  plainObject: { expected: 'an object', check: isPlainObject } as OptionRule,
  oneOf: (...values: readonly string[]): OptionRule => ({
    expected: values.map((v) => JSON.stringify(v)).join(' | '),
    check: (v) => isString(v) && values.includes(v),
  }),
  recordOf: (what: string, value: OptionRule, keyOk: (k: string) => boolean = () => true): OptionRule => ({
    expected: `an object of ${what}`,
    check: (v) => isPlainObject(v) && Object.entries(v).every(([k, x]) => keyOk(k) && value.check(x)),
  }),
  anyOf: (...rules: OptionRule[]): OptionRule => ({
    expected: rules.map((r) => r.expected).join(' or '),
    check: (v) => rules.some((r) => r.check(v)),
  }),
};

/**
 * Unknown builderOptions keys, then the known ones whose values have the wrong type or an
 * unknown value, each naming `builderOptions.<key>`, what was expected and what was found
 * (validate phase, exit code 2) — before the builder sees them and fails inside its own code.
 */
export function checkBuilderOptions(builder: string, config: BuilderOptionsSource, schema: OptionSchema): BuildError[] {
  const errors = unsupportedOptions(builder, config, Object.keys(schema));
  for (const [key, value] of Object.entries(config.builderOptions)) {
    const r = Object.prototype.hasOwnProperty.call(schema, key) ? schema[key] : undefined;
    if (!r || value === undefined || r.check(value)) continue;
    errors.push(
      buildError('CONFIG_INVALID', `${builder}: wrong value for builderOptions.${key}`, {
        phase: 'validate',
        file: configFileOf(config),
        field: `builderOptions.${key}`,
        expected: r.expected,
        found: describeValue(value),
      }),
    );
  }
  return errors;
}

/**
 * A location only when it is a file of the workspace: a builder that throws on a bad option
 * reports a frame of its own source (`node_modules/esbuild/lib/main.js`), which is not where
 * the problem is.
 */
export function workspaceLocation(
  config: Pick<ResolvedBuildConfig, 'workspaceRoot' | 'packageRoot'>,
  file: string | undefined,
  toolPackages: readonly string[],
): string | undefined {
  if (!file) return undefined;
  const rel = toPosix(relative(config.workspaceRoot, resolve(config.packageRoot, file)));
  if (rel.startsWith('../') || rel === '..' || isAbsolute(rel)) return undefined;
  if (toolPackages.some((p) => rel.includes(`node_modules/${p}/`))) return undefined;
  return rel;
}
