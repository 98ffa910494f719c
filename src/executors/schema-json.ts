import { z } from 'zod';
import { builderFacts, BUILDER_NAMES } from '../config/builders';
import { FIELD_DESCRIPTIONS } from '../config/field-descriptions';
import { buildConfigSchema } from '../config/schema';
import type { BuildExecutorOptions } from './build/executor';
import type { CleanExecutorOptions } from './clean/executor';
import type { WatchExecutorOptions } from './watch/executor';
import type { CommonExecutorOptions } from './nx-request';

/**
 * The executors' schema.json, generated from the zod schemas at build time (scripts/build.mjs
 * writes them into dist/, `npm run schemas` into src/; a unit spec fails when src/ is stale).
 * Nothing loads this module at run time.
 */

const commonOptions = z.object({
  environment: z
    .string()
    .optional()
    .describe(
      'Which `environments` entry of the config to apply; the inferred configurations development, ci and production set it. Default production.',
    ),
  lockTimeoutMs: z
    .number()
    .optional()
    .describe(
      'How long to wait for another build of the same project before failing with LOCK_TIMEOUT (default 600000, or BUILD_SYSTEM_LOCK_TIMEOUT_MS).',
    ),
});
const buildOptions = commonOptions.extend({
  builder: z
    .string()
    .optional()
    .describe(
      'Set by the plugin to the builder in effect (bun falls back to esbuild where bun is absent). Informational: the config decides.',
    ),
});
const cleanOptions = commonOptions.extend({
  cache: z.boolean().optional().describe('Also remove .build-cache (records, logs, incremental state). Default false.'),
});

const watchOptions = z.object({ environment: commonOptions.shape.environment });

/** Compile-time check: the executors' option types and these schemas describe the same options. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Agree<T extends true> = T;
export type ExecutorOptionTypesAgree = Agree<
  Same<z.input<typeof commonOptions>, CommonExecutorOptions> &
    Same<z.input<typeof buildOptions>, BuildExecutorOptions> &
    Same<z.input<typeof cleanOptions>, CleanExecutorOptions> &
    Same<z.input<typeof watchOptions>, WatchExecutorOptions>
>;

/**
 * Config fields JSON cannot hold: a zod schema object. (Hooks keep their command forms; their
 * function form is dropped from the union.)
 */
const FUNCTION_ONLY_FIELDS = ['runtimeValidationSchema'];

type Json = { [key: string]: unknown };

/** `@repo/build-system:<builder>` executors exist for every builder but custom. */
const ADAPTER_EXECUTORS = BUILDER_NAMES.filter((b) => b !== 'custom');

/** Every executor's schema.json, by executor name (the folder under src/executors/). */
export function executorSchemas(configSchema: z.ZodObject = buildConfigSchema): Record<string, Json> {
  const out: Record<string, Json> = {
    build: executorSchema(
      'build',
      'Builds a project from its build.config.{ts,mts,cts,mjs,js,cjs}: validate, lock, prebuild, build, dts, postbuild, artifacts, and a BuildJob record under .build-cache/.',
      toJson(buildOptions),
    ),
    clean: executorSchema(
      'clean',
      "Removes the project's outputDir and build state under its lock. Nothing outside the package root is ever deleted.",
      toJson(cleanOptions),
    ),
    watch: executorSchema(
      'watch',
      'Builds the project and its workspace dependencies, then rebuilds on every change (and its dependents after a dependency) until stopped; continuous. Every rebuild takes the lock, swaps its outputs in atomically and writes a record with trigger "watch".',
      toJson(watchOptions),
    ),
  };
  const config = configProperties(configSchema);
  for (const builder of ADAPTER_EXECUTORS) {
    const fields = { ...config };
    delete fields.builder; // the executor is the builder
    const note = builderFacts(builder)?.fallback
      ? ` Falls back to ${builderFacts(builder)?.fallback} where no ${builder} binary exists.`
      : '';
    out[builder] = executorSchema(
      builder,
      `Builds the project with ${builder} from options in project.json (the same options as build.config.ts), with the same lock, staging and records as the build executor.${note}`,
      { ...toJson(commonOptions), ...fields },
    );
  }
  return out;
}

/** The file text: what `npm run schemas` writes and the drift spec compares. */
export function schemaFileText(schema: Json): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

function executorSchema(name: string, description: string, properties: Json): Json {
  return {
    $schema: 'https://json-schema.org/schema',
    version: 2,
    title: `@repo/build-system ${name} executor`,
    description,
    type: 'object',
    properties,
    required: [],
  };
}

function configProperties(configSchema: z.ZodObject): Json {
  const properties = toJson(configSchema);
  for (const field of FUNCTION_ONLY_FIELDS) delete properties[field];
  for (const [field, prop] of Object.entries(properties) as [string, Json][]) {
    const description = FIELD_DESCRIPTIONS[field as keyof typeof FIELD_DESCRIPTIONS];
    const withDefault = prop.default === undefined ? description : `${description ?? ''} Default: ${JSON.stringify(prop.default)}.`.trim();
    delete prop.default;
    properties[field] = withDefault ? { description: withDefault, ...prop } : prop;
  }
  return properties;
}

/** The `properties` of an object schema as JSON Schema, in the form Nx validates options with. */
function toJson(schema: z.ZodObject): Json {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-07' }) as Json;
  return forNx(json.properties) as Json;
}

/**
 * Nx validates options against schema.json before the executor runs, and stops at the first
 * problem without a record. So the JSON keeps types and allowed values (as before) and leaves
 * the rest to the config validation, which reports every problem at once, located, and records
 * the run: no `additionalProperties: false`, `minLength` or `minItems`. A function (`{}` for
 * zod's custom types) is dropped from a union: project.json cannot hold one.
 */
function forNx(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forNx);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'minLength' || key === 'minItems') continue;
    if (key === 'anyOf' && Array.isArray(value)) {
      const members = value.filter((m) => Object.keys(m as object).length > 0).map(forNx);
      if (members.length === 1) Object.assign(out, members[0]);
      else out.anyOf = members;
      continue;
    }
    out[key] = forNx(value);
  }
  return out;
}
