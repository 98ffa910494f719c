import type { PackageBuildConfig } from './schema';

/**
 * One sentence per config field, for the executors' schema.json (Nx Console, `nx show`).
 * Every field of the schema must have one: a field added to `schema.ts` without it is a type
 * error here. Defaults the schema applies are appended by the generator; defaults decided
 * later (from package.json) are said here.
 */
export const FIELD_DESCRIPTIONS: { readonly [K in keyof PackageBuildConfig]-?: string } = {
  name: 'Must equal package.json "name" when given.',
  friendlyName:
    'A display name shown beside the package name (list, status, summaries, records as displayName, the builds page); never an identity.',
  meta: "The package's own fields: kept in each build record (meta), never read by the build. Other unknown top-level keys are warned about.",
  builder: 'Which adapter builds. bun falls back to esbuild where no bun binary exists.',
  entry:
    'Entry file(s) relative to the package root. An array names outputs after their path below the common directory; an object names them explicitly.',
  outputDir: 'Output directory inside the package root (never the root, .build-cache or node_modules).',
  tsconfig:
    'tsconfig for declarations and tsc builds, relative to the package root (default: the nearest tsconfig.json from the package root up to the workspace root); must exist when given.',
  format: 'esm writes <name>.js in a "type": "module" package and <name>.mjs otherwise, cjs <name>.cjs (default esm).',
  platform: 'Default node: node builtins stay external.',
  target: 'Syntax target, e.g. node20 or es2022 (default from package.json engines.node, or node20; es2022 off node).',
  sourcemap: 'Linked .map files (default false).',
  minify: 'Minify the outputs (default false).',
  external: 'Kept out of bundles, in addition to dependencies, peerDependencies and optionalDependencies.',
  noExternal: 'Dependencies to bundle anyway (a private workspace package exporting TypeScript source).',
  define: 'Compile-time replacements: identifier to code.',
  dts: 'Emit declarations with the workspace TypeScript, bundled per entry and format (.d.ts/.d.mts/.d.cts beside each module); { bundle: false } keeps one file per source (default: on when package.json declares types).',
  builderOptions: 'Builder-specific options, validated by the adapter.',
  env: 'Defaults for child processes and the config; process.env wins. Every key is a cache input.',
  upload:
    "Upload the outputs after a build: { to: 'file:///dir' | 'dir' | 'https://…' | 's3://bucket/prefix', pack: 'tgz' | 'files', required, attempts, timeoutMs, deadlineMs, backoff, headers }; false turns it off (docs/upload.md).",
  artifactGlobs: 'Files recorded after a build (size, sha256, mime type), relative to the package root.',
  cache:
    "Narrows the target inputs: include and exclude globs relative to the package root; key: { files, env, runtime } adds inputs (files may leave the package, runtime is the Node version and platform); maxAge ('7d') expires the CLI's up-to-date result (under Nx, Nx's own cache retention, maxCacheSize, applies).",
  prebuild: 'Hook run in the package root before the build: a command, or { cmd, cwd } (a function only in build.config.ts).',
  postbuild: 'Hook run in the package root after the build: a command, or { cmd, cwd } (a function only in build.config.ts).',
  clean:
    'Hook run by clean: a command, or { cmd, cwd } (a function only in build.config.ts); or { command, keep, dryRun }: keep globs (relative to the package root) inside the outputs survive, dryRun only lists what would go.',
  incremental:
    'false makes every build a full one: no tsc build info written or read, no reuse of earlier tsc or declaration output, no builder kept warm between watch rebuilds (default true).',
  secretEnv: 'Environment keys whose values are masked in logs, terminal output and records.',
  environments: 'Per-environment overrides of the common options, env, define and builderOptions, chosen with --configuration.',
  runtimeValidationSchema: 'A zod schema checked against the resolved environment variables before a build (build.config.ts only).',
  check:
    "What is checked after a build: package.json entry points unless false; publint and are-the-types-wrong on request; 'strict' fails the build on a finding.",
};
