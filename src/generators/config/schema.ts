import type { ScaffoldBuilder } from '../../config/builders';

/** Options of the `config` generator as given (mirrors schema.json). */
export interface ConfigGeneratorSchema {
  project: string;
  builder?: ScaffoldBuilder;
  /** One path, or several separated by commas. */
  entry?: string;
  outputDir?: string;
  /** `esm`, `cjs`, or both separated by a comma. */
  format?: string;
  dts?: boolean;
  force?: boolean;
  skipPackageJson?: boolean;
  skipFormat?: boolean;
}
