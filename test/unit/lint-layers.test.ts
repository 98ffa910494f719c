import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

/** The import-direction rule (eslint.config.mjs) on one import from one file of the planned layout. */
describe('imports only point down (the layer rule)', () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: root });
  });
  async function problems(file: string, specifier: string): Promise<string[]> {
    const [result] = await eslint.lintText(`import { x } from '${specifier}';\nexport const y = x;\n`, { filePath: join(root, file) });
    return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
  }

  it.each([
    ['src/utils/files.ts', '../config/schema'],
    ['src/utils/files.ts', '../adapters/types'],
    ['src/config/resolve.ts', '../core/pipeline'],
    ['src/config/resolve.ts', '../plugin/options'],
    ['src/config/workspace/find-packages.ts', '../../adapters'],
    ['src/adapters/tsc/reuse.ts', '../../core/fingerprint'],
    ['src/adapters/esbuild/index.ts', '../../executors/nx-request'],
    ['src/core/records/task-outcome.ts', '../../plugin/options'],
    ['src/core/pipeline.ts', '../api'],
    ['src/errors.ts', './utils/files'],
  ])('%s may not import %s', async (file, specifier) => {
    expect(await problems(file, specifier)).toEqual([expect.stringMatching(/^no-restricted-imports: .* is a lower layer/)]);
  });

  it.each([
    ['src/utils/files.ts', '../errors'],
    ['src/utils/atomic-write.ts', './files'],
    ['src/config/resolve.ts', '../utils/package-json'],
    ['src/adapters/esbuild/index.ts', '../types'],
    ['src/adapters/esbuild/index.ts', '../index'],
    ['src/adapters/tsc/reuse.ts', '../../config/resolve'],
    ['src/core/pipeline.ts', '../adapters'],
    ['src/core/records/task-outcome.ts', '../../config/builders'],
    ['src/plugin/create-nodes.ts', '../core/records/store'],
    ['src/cli.ts', './api'],
  ])('%s may import %s', async (file, specifier) => {
    expect(await problems(file, specifier)).toEqual([]);
  });
});
