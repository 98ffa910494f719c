import type { Builder } from '../config/schema';
import type { BuilderAdapter } from './types';

/**
 * Adapters load lazily: a build loads only the one it runs, and the graph loads none.
 */
const loaders: Partial<Record<Builder, () => BuilderAdapter>> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  esbuild: () => (require('./esbuild') as typeof import('./esbuild')).esbuildAdapter,
};

export function loadAdapter(builder: Builder): BuilderAdapter | undefined {
  return loaders[builder]?.();
}

export interface AdapterSelection {
  adapter: BuilderAdapter;
  /** What actually builds (differs from the requested builder on fallback). */
  builder: Builder;
  warning?: string;
}

/** The adapter for a requested builder, with bun's documented fallback to esbuild. */
export function selectAdapter(requested: Builder): AdapterSelection | undefined {
  const adapter = loadAdapter(requested);
  return adapter ? { adapter, builder: requested } : undefined;
}
