import { join, resolve } from 'node:path';
import type { JsExtension } from '../../config/outputs';
import { commonDir, NODE_BUILTINS, toPosix, type ResolvedBuildConfig } from '../../config/resolve';
import type { Format } from '../../config/schema';
import { rule, type OptionSchema } from '../builder-options';
import { extensionFor, externalPatterns } from '../bundle-options';

/** builderOptions passed to `Bun.build`, with the types bun accepts for them. */
export const BUN_BUILDER_OPTIONS: OptionSchema = {
  loader: rule.recordOf('{ ".ext": loader name }', rule.string, (k) => k.startsWith('.')),
  conditions: rule.anyOf(rule.string, rule.stringArray),
  banner: rule.string,
  footer: rule.string,
  drop: rule.stringArray,
  bytecode: rule.boolean,
  splitting: rule.boolean,
};
const PASSED_THROUGH = Object.keys(BUN_BUILDER_OPTIONS);

/**
 * What `bun-build.mjs` reads from BUILD_SYSTEM_BUN_SPEC: `Bun.build` options shared by every
 * format, and what the script decides per format (extensions, splitting) or off node (builtins).
 */
export interface BunBuildSpec {
  formats: Format[];
  extensions: Record<Format, JsExtension>;
  /** Node builtins to report as unresolvable (off node, those `external` does not name). */
  builtins: string[];
  external: string[];
  /** A regular expression source for bun's onResolve: which specifiers are builtins. */
  builtinFilter: string;
  options: {
    entrypoints: string[];
    outdir: string;
    root: string;
    target: 'browser' | 'node';
    sourcemap: 'linked' | 'none';
    minify: boolean;
    external: string[];
    define: Record<string, string>;
  } & Record<string, unknown>;
}

/** The directory bun names outputs below: the entries' common directory. */
export function bunSourceRoot(config: Pick<ResolvedBuildConfig, 'packageRoot' | 'entries'>): string {
  return resolve(config.packageRoot, commonDir(config.entries.map((e) => toPosix(join(e.path, '..')))) || '.');
}

/** The config as `bun-build.mjs` takes it, writing into `outDir`. */
export function bunBuildSpec(config: ResolvedBuildConfig, outDir: string): BunBuildSpec {
  const external = new Set(config.external);
  return {
    formats: config.format,
    extensions: { esm: extensionFor(config, 'esm'), cjs: extensionFor(config, 'cjs') },
    builtins: config.platform === 'node' ? [] : [...NODE_BUILTINS].filter((b) => !external.has(b)),
    external: config.external,
    builtinFilter: builtinFilter(config),
    options: {
      entrypoints: config.entries.map((e) => resolve(config.packageRoot, e.path)),
      outdir: outDir,
      root: bunSourceRoot(config),
      target: config.platform === 'browser' ? 'browser' : 'node',
      sourcemap: config.sourcemap ? 'linked' : 'none',
      minify: config.minify,
      external: externalPatterns(config),
      define: config.define,
      ...passedThrough(config.builderOptions),
    },
  };
}

/** The builtins (`fs`, `node:fs`, any `node:…`) bun's onResolve should see off node. */
function builtinFilter(config: ResolvedBuildConfig): string {
  const names = [...NODE_BUILTINS].filter((b) => !b.startsWith('node:') && !config.external.includes(b));
  return `^(?:node:.+|${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`;
}

function passedThrough(extra: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extra).filter(([k]) => PASSED_THROUGH.includes(k)));
}
