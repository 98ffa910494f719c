import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageNameOf, resolveModule } from './node-resolve';

const root = mkdtempSync(join(tmpdir(), 'node-resolve-'));
const write = (rel: string, text = '') => {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
};
afterAll(() => rmSync(root, { recursive: true, force: true }));

write(
  'pkg/package.json',
  JSON.stringify({
    name: 'pkg',
    exports: { '.': './src/index.ts', './feature/*': { import: './src/features/*.ts' } },
    imports: { '#text': './src/text.ts', '#util/*': { node: './src/util/*.ts' }, '#dep': 'dep' },
  }),
);
for (const f of ['src/index.ts', 'src/text.ts', 'src/util/a.ts', 'src/features/x.ts', 'src/deep/file.ts']) write(`pkg/${f}`);
write('pkg/node_modules/dep/package.json', JSON.stringify({ name: 'dep', main: 'main.js' }));
write('pkg/node_modules/dep/main.js');
const importer = join(root, 'pkg/src/deep/file.ts');

describe('resolveModule', () => {
  it('resolves package.json `imports` (#…) of the importer’s package: exact, patterns with conditions, a package target', () => {
    expect(resolveModule('#text', importer)).toBe(join(root, 'pkg/src/text.ts'));
    expect(resolveModule('#util/a', importer)).toBe(join(root, 'pkg/src/util/a.ts'));
    expect(resolveModule('#dep', importer)).toBe(join(root, 'pkg/node_modules/dep/main.js'));
    expect(resolveModule('#missing', importer)).toBeUndefined();
  });

  it('resolves relative paths and package exports as before', () => {
    expect(resolveModule('../text.js', importer)).toBe(join(root, 'pkg/src/text.ts'));
    expect(resolveModule('dep', importer)).toBe(join(root, 'pkg/node_modules/dep/main.js'));
  });

  it('names the package of a bare specifier', () => {
    expect(['@s/pkg/deep/x', '@s/pkg', 'pkg/sub/x', 'pkg'].map(packageNameOf)).toEqual(['@s/pkg', '@s/pkg', 'pkg', 'pkg']);
  });
});
