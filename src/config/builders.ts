/**
 * The builder registry: every fact about a builder that more than one part of the package
 * needs (the plugin's cache inputs, the config generator, records, the static config scan,
 * the adapter loader). Plain data without imports: the plugin reads it at graph time and
 * `define.ts` (imported by every build.config.ts) takes the builder names from it.
 */
export interface BuilderFacts {
  /**
   * npm packages the builder runs: the adapter loads them, or runs the binary the package
   * installs. All of them are needed to build (the config generator says which are missing),
   * and their installed versions are the tool's version: under Nx they are the build target's
   * `externalDependencies` inputs, so upgrading a tool changes the cache key.
   */
  readonly packages: readonly string[];
  /**
   * A binary the builder runs, looked up in `node_modules/.bin` of the package and its
   * ancestors, then on PATH. A binary found only on PATH has no package version: its version
   * is not part of the cache key.
   */
  readonly binary?: string;
  /** The builder that builds instead where `binary` is not found (documented, warned). */
  readonly fallback?: string;
  /** The builder writes declarations itself: the pipeline skips its own `dts` phase. */
  readonly emitsDeclarations: boolean;
  /** Offered by the config generator (a custom build needs a command it cannot guess). */
  readonly scaffold: boolean;
  /**
   * Where the adapter lives: a module below `src/adapters/` and the name it is exported
   * under. Loaded lazily by `adapters/index.ts`, so a build loads only the adapter it runs.
   */
  readonly adapter: { readonly module: string; readonly export: string };
}

/** Order matters: it is the order of `builder` values in types, schemas and messages. */
export const BUILDER_REGISTRY = {
  bun: {
    packages: ['bun'],
    binary: 'bun',
    fallback: 'esbuild',
    emitsDeclarations: false,
    scaffold: true,
    adapter: { module: './bun/adapter', export: 'bunAdapter' },
  },
  esbuild: {
    packages: ['esbuild'],
    emitsDeclarations: false,
    scaffold: true,
    adapter: { module: './esbuild/adapter', export: 'esbuildAdapter' },
  },
  tsc: {
    // The workspace's own TypeScript, spawned (5.x or the native 7.x).
    packages: ['typescript'],
    emitsDeclarations: true,
    scaffold: true,
    adapter: { module: './tsc/adapter', export: 'tscAdapter' },
  },
  rollup: {
    // esbuild's `transform` compiles TypeScript per module and minifies.
    packages: ['rollup', 'esbuild'],
    emitsDeclarations: false,
    scaffold: true,
    adapter: { module: './rollup/adapter', export: 'rollupAdapter' },
  },
  custom: {
    // The user's command or function: its tools are the user's, not in the cache key.
    packages: [],
    emitsDeclarations: false,
    scaffold: false,
    adapter: { module: './custom/adapter', export: 'customAdapter' },
  },
} as const satisfies Record<string, BuilderFacts>;

export type RegisteredBuilder = keyof typeof BUILDER_REGISTRY;

/** Every builder name, in registry order (a non-empty tuple, as `z.enum` wants it). */
export const BUILDER_NAMES = Object.keys(BUILDER_REGISTRY) as [RegisteredBuilder, ...RegisteredBuilder[]];

/** Builders the config generator offers. */
export type ScaffoldBuilder = {
  [B in RegisteredBuilder]: (typeof BUILDER_REGISTRY)[B]['scaffold'] extends true ? B : never;
}[RegisteredBuilder];
export const SCAFFOLD_BUILDERS = BUILDER_NAMES.filter((b): b is ScaffoldBuilder => BUILDER_REGISTRY[b].scaffold);

/** Packages that declarations (`dts`) run, whichever builder bundles. */
const DECLARATION_PACKAGES: readonly string[] = ['typescript'];

function isBuilder(name: string): name is RegisteredBuilder {
  return Object.prototype.hasOwnProperty.call(BUILDER_REGISTRY, name);
}

/** The facts of a builder; undefined for a name that is not one (an invalid config). */
export function builderFacts(name: string): BuilderFacts | undefined {
  return isBuilder(name) ? BUILDER_REGISTRY[name] : undefined;
}

/**
 * The builder that builds when `requested` is asked for: bun falls back to esbuild where no
 * bun binary is found. The one place this is decided (executors, plugin and records agree).
 * `hasBinary` looks a binary up; it is called only for a builder that has one.
 */
export function builderInEffect(requested: string, hasBinary: (binary: string) => boolean): string {
  const facts = builderFacts(requested);
  return facts?.binary && facts.fallback && !hasBinary(facts.binary) ? facts.fallback : requested;
}

/** Why `builderInEffect` chose another builder, for the one warning a build prints. */
export function fallbackReason(requested: string, inEffect: string): string | undefined {
  if (requested === inEffect) return undefined;
  const binary = builderFacts(requested)?.binary ?? requested;
  return `builder "${requested}" requested but no ${binary} binary was found (node_modules/.bin or PATH): building with ${inEffect} instead`;
}

/**
 * Where installed, it writes the per-file declarations under `isolatedDeclarations` instead of
 * TypeScript (an optional peer, docs/builders.md): its version is the declarations' too.
 */
const OPTIONAL_DECLARATION_PACKAGES: readonly string[] = ['oxc-transform'];

/** Packages that write bundled declarations (with rollup-plugin-dts, a dependency of ours: its version is ours). */
const BUNDLED_DECLARATION_PACKAGES: readonly string[] = ['rollup'];

/**
 * The npm packages whose versions a build's outputs depend on: the builder's, TypeScript's (and
 * oxc-transform's, where installed) for declarations, and rollup's where the pipeline bundles
 * them (not for a builder that writes its own).
 */
export function toolPackages(builder: string, declarations: boolean, bundledDeclarations = false): string[] {
  const facts = builderFacts(builder);
  const tools = new Set<string>(facts?.packages ?? []);
  if (declarations || facts?.emitsDeclarations) for (const p of DECLARATION_PACKAGES) tools.add(p);
  if (declarations && !facts?.emitsDeclarations) for (const p of OPTIONAL_DECLARATION_PACKAGES) tools.add(p);
  if (declarations && bundledDeclarations && !facts?.emitsDeclarations) for (const p of BUNDLED_DECLARATION_PACKAGES) tools.add(p);
  return [...tools].sort();
}

/** Every package any builder runs: the ones the plugin checks the workspace for. */
export function allToolPackages(): string[] {
  return [
    ...new Set([...BUILDER_NAMES.flatMap((b) => BUILDER_REGISTRY[b].packages), ...DECLARATION_PACKAGES, ...OPTIONAL_DECLARATION_PACKAGES]),
  ].sort();
}
