import type { ResolvedBuildConfig } from '../config/resolve';
import type { Builder } from '../config/schema';
import type { BuilderAdapter } from './types';

/* eslint-disable @typescript-eslint/no-require-imports */
/** Adapters load lazily: a build loads only the one it runs, and the graph loads none. */
const loaders: Record<Builder, () => BuilderAdapter> = {
  esbuild: () => (require('./esbuild') as typeof import('./esbuild')).esbuildAdapter,
  bun: () => (require('./bun') as typeof import('./bun')).bunAdapter,
  tsc: () => (require('./tsc') as typeof import('./tsc')).tscAdapter,
  rollup: () => (require('./rollup') as typeof import('./rollup')).rollupAdapter,
  custom: () => (require('./custom') as typeof import('./custom')).customAdapter,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export function loadAdapter(builder: Builder): BuilderAdapter | undefined {
  return loaders[builder]?.();
}

export interface AdapterSelection {
  adapter: BuilderAdapter;
  /** What actually builds (differs from the requested builder on fallback). */
  builder: Builder;
  warning?: string;
}

/** The adapter for a config, with bun's documented fallback to esbuild where bun is absent. */
export function selectAdapter(config: Pick<ResolvedBuildConfig, 'builder' | 'packageRoot' | 'workspaceRoot'>): AdapterSelection | undefined {
  if (config.builder === 'bun') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { findBun } = require('./bun') as typeof import('./bun');
    if (!findBun(config)) {
      return {
        adapter: loaders.esbuild(),
        builder: 'esbuild',
        warning: 'builder "bun" requested but no bun binary was found (node_modules/.bin or PATH): building with esbuild instead',
      };
    }
  }
  const adapter = loadAdapter(config.builder);
  return adapter ? { adapter, builder: config.builder } : undefined;
}
