/**
 * Child process: bundles declarations (dts-bundle.ts). argv: <spec json file>. Prints one
 * result line after DTS_BUNDLE_MARKER; exit code 1 when it holds errors.
 */
import { readFileSync } from 'node:fs';
import { bundleDeclarations, preloadTypeScript, printBundleResult, reuseBundle, type DtsBundleSpec } from './dts-bundle';

async function main(): Promise<number> {
  const spec = JSON.parse(readFileSync(process.argv[2], 'utf8')) as DtsBundleSpec;
  // Nothing it reads changed: the previous bundle, without loading TypeScript.
  if (reuseBundle(spec)) {
    printBundleResult({ errors: [], warnings: [] });
    return 0;
  }
  preloadTypeScript(spec);
  const result = await bundleDeclarations(spec);
  printBundleResult(result);
  return result.errors.length ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    printBundleResult({ errors: [{ message: err instanceof Error ? err.message : String(err) }], warnings: [] });
    process.exitCode = 1;
  },
);
