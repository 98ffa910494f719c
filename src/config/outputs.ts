import { posix } from 'node:path';
import type { Format } from './schema';

/**
 * The one place that decides what file an entry's output is, per format (docs/builders.md,
 * "Output files"): every builder, the declarations step, the entry-point check and the
 * package.json sync read it from here.
 *
 * - ESM is `.js` in a `"type": "module"` package and `.mjs` elsewhere: Node loads a `.js`
 *   as CommonJS in a package without `"type": "module"`, so ESM there must say so by name.
 * - CJS is always `.cjs`, which Node loads as CommonJS whatever the package type.
 * - Declarations follow their module: `.d.ts` beside `.js`, `.d.mts` beside `.mjs`, `.d.cts`
 *   beside `.cjs`, so TypeScript under `node16`/`nodenext` gives each its own module kind.
 */
export type PackageType = 'module' | 'commonjs';
export type JsExtension = '.js' | '.mjs' | '.cjs';
export type DtsExtension = '.d.ts' | '.d.mts' | '.d.cts';

export function packageTypeOf(packageJson: { type?: unknown }): PackageType {
  return packageJson.type === 'module' ? 'module' : 'commonjs';
}

export function jsExtension(format: Format, packageType: PackageType): JsExtension {
  if (format === 'cjs') return '.cjs';
  return packageType === 'module' ? '.js' : '.mjs';
}

export function dtsExtension(js: JsExtension): DtsExtension {
  return js === '.js' ? '.d.ts' : js === '.mjs' ? '.d.mts' : '.d.cts';
}

export interface EntryOutput {
  /** The entry's output name (`index`, `cli/index`). */
  entry: string;
  format: Format;
  /** Paths relative to outputDir, posix. */
  js: string;
  dts: string;
}

/** Every (entry, format) output, in entry order then format order. */
export function entryOutputs(entries: readonly { name: string }[], formats: readonly Format[], packageType: PackageType): EntryOutput[] {
  return entries.flatMap((e) =>
    formats.map((format) => {
      const js = jsExtension(format, packageType);
      return { entry: e.name, format, js: posix.normalize(e.name + js), dts: posix.normalize(e.name + dtsExtension(js)) };
    }),
  );
}
