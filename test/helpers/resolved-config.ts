import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { resolveBuildConfig, type PackageJson, type ResolvedBuildConfig } from '../../src/config/resolve';
import { formatError } from '../../src/errors';

/** A package on disk for the real resolver: `packages/a` of a temporary workspace. */
export interface TempPackage {
  root: string;
  dir: string;
  /** The config as `build.config.ts` would give it, resolved for `environment` (production). */
  resolve(raw: Record<string, unknown>, environment?: string): Promise<ResolvedBuildConfig>;
  dispose(): void;
}

/**
 * Unit specs of the option builders build their configs with the real resolver (defaults,
 * environments, dependencies made external) from a package.json and files written here.
 */
export function tempPackage(packageJson: PackageJson = {}, files: Record<string, string> = {}): TempPackage {
  const root = mkdtempSync(join(tmpdir(), 'bs-options-'));
  const dir = join(root, 'packages', 'a');
  const all = { 'src/index.ts': 'export const a = 1;\n', ...files, 'package.json': JSON.stringify({ name: '@t/a', ...packageJson }) };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return {
    root,
    dir,
    async resolve(raw, environment = 'production') {
      const r = await resolveBuildConfig({
        raw,
        packageRoot: dir,
        workspaceRoot: root,
        environment,
        configFile: join(dir, 'build.config.ts'),
        processEnv: {},
      });
      if (!r.ok) throw new Error(r.errors.map(formatError).join('\n'));
      return r.value;
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
