import type { ResolvedBuildConfig } from '../config/resolve';
import { BUILDER_REGISTRY, builderFacts, builderInEffect, fallbackReason, type BuilderFacts } from '../config/builders';
import type { Builder } from '../config/schema';
import type { BuilderAdapter } from './types';
import { findBinary } from '../utils/find-tool';

/** Adapters load lazily (where the registry says they live): a build loads only the one it runs, and the graph loads none. */
export function loadAdapter(builder: Builder): BuilderAdapter | undefined {
  const where = BUILDER_REGISTRY[builder]?.adapter;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return where ? (require(where.module) as Record<string, BuilderAdapter>)[where.export] : undefined;
}

export interface AdapterSelection {
  adapter: BuilderAdapter;
  /** What actually builds (differs from the requested builder on fallback). */
  builder: Builder;
  /** The registry's facts about `builder`. */
  facts: BuilderFacts;
  warning?: string;
}

/** The adapter for a config, with bun's documented fallback to esbuild where bun is absent. */
export function selectAdapter(
  config: Pick<ResolvedBuildConfig, 'builder' | 'packageRoot' | 'workspaceRoot'>,
): AdapterSelection | undefined {
  const builder = builderInEffect(config.builder, (binary) =>
    Boolean(findBinary(binary, [config.packageRoot, config.workspaceRoot])),
  ) as Builder;
  const adapter = loadAdapter(builder);
  const facts = builderFacts(builder);
  return adapter && facts ? { adapter, builder, facts, warning: fallbackReason(config.builder, builder) } : undefined;
}
