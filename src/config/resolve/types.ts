import type { BuildError } from '../../errors';
import type { PackageJson } from '../../utils/package-json';
import type { Format, Hook, ParsedBuildConfig } from '../schema';
import type { ResolvedUpload } from '../upload';

export interface EntryPoint {
  /** Output name without extension, posix: `index`, `cli/index`. */
  name: string;
  /** Source path relative to the package root, posix. */
  path: string;
}

/** Fields whose resolved value is the config's own with its default applied: typed by the schema. */
type Defaulted = 'platform' | 'sourcemap' | 'minify' | 'noExternal' | 'define' | 'builderOptions' | 'artifactGlobs' | 'cache' | 'secretEnv';
/** Fields that stay as parsed (the schema already defaults the required ones). */
type AsParsed = 'builder' | 'outputDir' | 'tsconfig' | 'runtimeValidationSchema' | 'meta' | 'friendlyName';

/**
 * A config with every default applied and every path checked: what adapters consume. Fields
 * kept as configured take their types from the schema; the rest are computed by resolution.
 */
export interface ResolvedBuildConfig extends Required<Pick<ParsedBuildConfig, Defaulted>>, Pick<ParsedBuildConfig, AsParsed> {
  /** The config's `name`, else package.json's. */
  name: string;
  workspaceRoot: string;
  packageRoot: string;
  /** Package root relative to the workspace root (posix, '' for a root package). */
  packagePath: string;
  configFile?: string;
  environment: string;
  /** From `entry`: one output name and source path per entry. */
  entries: EntryPoint[];
  format: Format[];
  target: string[];
  /** Package names kept out of bundles (`name` and `name/…`): dependencies and `external`. Node builtins are always external. */
  external: string[];
  hooks: { prebuild?: Hook; postbuild?: Hook; clean?: Hook };
  /** `clean: { keep, dryRun }`: globs (relative to the package root) inside the outputs that clean leaves. */
  cleanOptions: { keep: string[]; dryRun: boolean };
  /** Declarations on (`dts: true` or an object). */
  dts: boolean;
  /** Declarations bundled per entry and format (the default), or one file per source (`dts: { bundle: false }`). */
  dtsBundle: boolean;
  /** Config env overlaid by process.env (process.env wins), keys of `env` only. */
  env: Record<string, string>;
  packageJson: PackageJson;
  /** The `check` option resolved: `off` checks nothing, `strict` fails the build on a finding. */
  check: ResolvedCheck;
  /** Where the outputs are uploaded after a build; absent when not configured (docs/upload.md). */
  upload?: ResolvedUpload;
  /** Warnings about the config itself (unknown top-level keys): recorded, never a failure. */
  configWarnings: BuildError[];
  /** `incremental` (default true): false, every build is a full one (tsc-reuse.ts). */
  incremental: boolean;
}

export interface ResolvedCheck {
  mode: 'off' | 'warn' | 'strict';
  publint: boolean;
  attw: boolean;
}

export interface ResolveInput {
  raw: unknown;
  packageRoot: string;
  workspaceRoot: string;
  environment: string;
  /** The file the raw config came from; errors name it. */
  configFile?: string;
  processEnv?: NodeJS.ProcessEnv;
}
