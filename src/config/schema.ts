import { z } from 'zod';

/**
 * The single source of truth for build.config.ts. Every config type in the package is
 * inferred from these schemas; nothing re-declares a field by hand.
 */

import { BUILDER_NAMES } from './builders';
import { FORMATS, PLATFORMS } from './define';
import { DURATION_PATTERN } from './duration';

export const builderSchema = z.enum(BUILDER_NAMES);
export const formatSchema = z.enum(FORMATS);
export const platformSchema = z.enum(PLATFORMS);

/** What a hook function receives. */
export interface HookContext {
  packageName: string;
  packageRoot: string;
  workspaceRoot: string;
  outputDir: string;
  environment: string;
  env: Record<string, string>;
  log: (line: string) => void;
}
export type HookFunction = (ctx: HookContext) => unknown;

const hookFunction = z.custom<HookFunction>((v) => typeof v === 'function', { message: 'expected a function' });
export const hookSchema = z.union([
  z.string().min(1),
  z.strictObject({ cmd: z.string().min(1), cwd: z.string().optional() }),
  hookFunction,
]);

const stringList = z.array(z.string().min(1));

const entrySchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1), z.record(z.string().min(1), z.string().min(1))]);

const positiveMs = z.number().int().positive();

/**
 * Where the outputs go after a build (docs/upload.md): a directory (`file:///…` or a path
 * relative to the workspace root), an `http(s)://` URL (PUT) or `s3://bucket/prefix`.
 * Credentials come only from the environment, never from here.
 */
export const uploadSchema = z.strictObject({
  to: z.string().min(1),
  pack: z.enum(['tgz', 'files']).optional(),
  required: z.boolean().optional(),
  attempts: z.number().int().min(1).max(100).optional(),
  timeoutMs: positiveMs.optional(),
  deadlineMs: positiveMs.optional(),
  backoff: z.strictObject({ baseMs: z.number().int().min(0).optional(), capMs: z.number().int().min(0).optional() }).optional(),
  headers: z.record(z.string().min(1), z.string()).optional(),
});

/** Options every adapter maps; also what `environments.<name>` may override. */
export const commonOptionsShape = {
  format: z.union([formatSchema, z.array(formatSchema).min(1)]).optional(),
  platform: platformSchema.optional(),
  target: z.union([z.string().min(1), stringList]).optional(),
  sourcemap: z.boolean().optional(),
  minify: z.boolean().optional(),
  external: stringList.optional(),
  noExternal: stringList.optional(),
  define: z.record(z.string(), z.string()).optional(),
  /**
   * Declarations beside the modules. `true` (or `{}`) bundles them per entry and format
   * (`index.d.ts`, `index.d.mts`, `index.d.cts`); `{ bundle: false }` keeps one file per source.
   */
  dts: z.union([z.boolean(), z.strictObject({ bundle: z.boolean().optional() })]).optional(),
  builderOptions: z.record(z.string(), z.unknown()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  /** `false` in an environment turns off an upload configured for all. */
  upload: z.union([uploadSchema, z.literal(false)]).optional(),
};

export const environmentOverridesSchema = z.strictObject(commonOptionsShape);

const zodSchemaLike = z.custom<{ safeParse: (v: unknown) => { success: boolean; error?: unknown } }>(
  (v) => typeof v === 'object' && v !== null && typeof (v as { safeParse?: unknown }).safeParse === 'function',
  { message: 'expected a zod schema' },
);

export const buildConfigSchema = z.strictObject({
  name: z.string().min(1).optional(),
  /** Shown beside the package name (list, status, summaries, records, builds page); never an identity. */
  friendlyName: z.string().min(1).optional(),
  /** The package's own data: kept in the record, never read by the build. */
  meta: z.record(z.string(), z.unknown()).optional(),
  builder: builderSchema.default('esbuild'),
  entry: entrySchema.default('src/index.ts'),
  outputDir: z.string().min(1).default('dist'),
  tsconfig: z.string().min(1).optional(),
  ...commonOptionsShape,
  artifactGlobs: stringList.optional(),
  cache: z
    .strictObject({
      include: stringList.optional(),
      exclude: stringList.optional(),
      /** More that must change the key: files (globs, may leave the package), env variables, the Node runtime. */
      key: z.strictObject({ files: stringList.optional(), env: stringList.optional(), runtime: z.boolean().optional() }).optional(),
      /** How long an up-to-date result of the CLI stands (`7d`); under Nx, Nx's own cache retention decides. */
      maxAge: z.string().regex(DURATION_PATTERN, 'expected a duration such as "30m", "12h" or "7d"').optional(),
    })
    .optional(),
  prebuild: hookSchema.optional(),
  postbuild: hookSchema.optional(),
  /** A hook (as before), or what clean runs, keeps and whether it only lists (docs/records-and-cli.md). */
  clean: z
    .union([hookSchema, z.strictObject({ command: hookSchema.optional(), keep: stringList.optional(), dryRun: z.boolean().optional() })])
    .optional(),
  secretEnv: stringList.optional(),
  /** `false`: every build is a full one (no tsc build info, no reuse of previous declaration state). */
  incremental: z.boolean().optional(),
  environments: z.record(z.string().min(1), environmentOverridesSchema).optional(),
  runtimeValidationSchema: zodSchemaLike.optional(),
  /**
   * What is checked after a build: package.json entry points (always, unless `false`), and
   * publint / are-the-types-wrong when asked for. `'strict'` (or `strict: true`) turns the
   * findings into errors that fail the build.
   */
  check: z
    .union([
      z.boolean(),
      z.enum(['warn', 'strict']),
      z.strictObject({ strict: z.boolean().optional(), publint: z.boolean().optional(), attw: z.boolean().optional() }),
    ])
    .optional(),
});

/** What a user writes (defaults optional). */
export type PackageBuildConfig = z.input<typeof buildConfigSchema>;
/** What validation returns (defaults applied). */
export type ParsedBuildConfig = z.output<typeof buildConfigSchema>;
export type Builder = z.infer<typeof builderSchema>;
export type Format = z.infer<typeof formatSchema>;
export type Platform = z.infer<typeof platformSchema>;
export type Hook = z.infer<typeof hookSchema>;
export type EnvironmentOverrides = z.infer<typeof environmentOverridesSchema>;
export type UploadConfig = z.infer<typeof uploadSchema>;
