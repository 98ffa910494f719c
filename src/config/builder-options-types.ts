import type { EnvironmentOverrides, PackageBuildConfig } from './schema';

/**
 * builderOptions per builder, as types only: `defineBuildConfig` checks them while the config is
 * written (completion, type errors). At run time each adapter checks the same keys and values
 * (src/adapters/<builder>/adapter.ts, BUILDER_OPTIONS); a change to one belongs in both.
 */
export type EsbuildLoader =
  | 'base64'
  | 'binary'
  | 'copy'
  | 'css'
  | 'dataurl'
  | 'default'
  | 'empty'
  | 'file'
  | 'global-css'
  | 'js'
  | 'json'
  | 'jsx'
  | 'local-css'
  | 'text'
  | 'ts'
  | 'tsx';

export interface EsbuildBuilderOptions {
  loader?: Record<`.${string}`, EsbuildLoader>;
  mainFields?: string[];
  conditions?: string[];
  jsx?: 'transform' | 'preserve' | 'automatic';
  jsxImportSource?: string;
  keepNames?: boolean;
  legalComments?: 'none' | 'inline' | 'eof' | 'linked' | 'external';
  treeShaking?: boolean;
  banner?: { js?: string; css?: string };
  footer?: { js?: string; css?: string };
  alias?: Record<string, string>;
  tsconfig?: string;
  splitting?: boolean;
}

export interface BunBuilderOptions {
  loader?: Record<`.${string}`, string>;
  conditions?: string | string[];
  banner?: string;
  footer?: string;
  drop?: string[];
  bytecode?: boolean;
  splitting?: boolean;
}

export interface RollupBuilderOptions {
  treeshake?: boolean | 'smallest' | 'safest' | 'recommended' | Record<string, unknown>;
  banner?: string | ((...args: never[]) => unknown);
  footer?: string | ((...args: never[]) => unknown);
  preserveModules?: boolean;
  interop?: 'auto' | 'esModule' | 'default' | 'defaultOnly' | 'compat' | ((id: string | null) => string);
}

export interface TscBuilderOptions {
  compilerOptions?: Record<string, unknown>;
}

/** `custom`: exactly one of them (src/adapters/custom/adapter.ts). */
export interface CustomBuilderOptions {
  command?: string;
  run?: (ctx: { outDir: string; env: NodeJS.ProcessEnv; log: (line: string) => void; signal: AbortSignal; config: unknown }) => unknown;
}

export interface BuilderOptionsByBuilder {
  esbuild: EsbuildBuilderOptions;
  bun: BunBuilderOptions;
  rollup: RollupBuilderOptions;
  tsc: TscBuilderOptions;
  custom: CustomBuilderOptions;
}

type Untyped = 'builder' | 'builderOptions' | 'environments';
type EnvironmentsFor<O> = Record<string, Omit<EnvironmentOverrides, 'builderOptions'> & { builderOptions?: O }>;
type ConfigFor<B extends keyof BuilderOptionsByBuilder> = Omit<PackageBuildConfig, Untyped> & {
  builderOptions?: BuilderOptionsByBuilder[B];
  environments?: EnvironmentsFor<BuilderOptionsByBuilder[B]>;
};

/**
 * What `defineBuildConfig` accepts: a union discriminated by `builder` (esbuild when left out),
 * so builderOptions (common and per environment) are typed for the builder chosen.
 */
export type TypedBuildConfig =
  | (ConfigFor<'esbuild'> & { builder?: 'esbuild' })
  | (ConfigFor<'bun'> & { builder: 'bun' })
  | (ConfigFor<'rollup'> & { builder: 'rollup' })
  | (ConfigFor<'tsc'> & { builder: 'tsc' })
  | (ConfigFor<'custom'> & { builder: 'custom' });
