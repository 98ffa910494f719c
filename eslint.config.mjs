// ESLint (flat config): @eslint/js and typescript-eslint's recommended rules, and the layer
// rule that keeps imports pointing down (docs/architecture.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers, bottom to top: src/errors.ts, then folders below src/. A module may import its
 * own layer and the ones below, never one above nor an entry point (executors, generators,
 * plugin, cli, api, index, serve).
 */
const LAYERS = [
  { name: 'errors', root: ['errors'] },
  { name: 'utils', dirs: ['utils'] },
  { name: 'config', dirs: ['config'] },
  { name: 'adapters', dirs: ['adapters'] },
  { name: 'core', dirs: ['core'] },
];
const ENTRY_POINTS = ['executors', 'generators', 'plugin', 'cli', 'api', 'index', 'serve'];

/** Names below src/ that `layer` may not import: every higher layer's, and the entry points. */
function above(layer) {
  const higher = LAYERS.slice(LAYERS.indexOf(layer) + 1).flatMap((l) => [...(l.dirs ?? []), ...(l.root ?? [])]);
  return [...higher, ...ENTRY_POINTS];
}

/**
 * One block per layer and folder depth: a relative specifier climbs exactly `depth` levels to
 * reach src/ (`../core/lock` from src/config/x.ts, `../../plugin` from src/adapters/tsc/x.ts),
 * so the pattern knows which `core` or `index` it names.
 */
function layerRules() {
  const blocks = [];
  for (const layer of LAYERS) {
    const message = `${layer.name} is a lower layer: it imports only from its own layer and below (docs/architecture.md).`;
    const rule = (up) => ({
      'no-restricted-imports': ['error', { patterns: [{ regex: `^${up}(${above(layer).join('|')})(/|\\.ts$|$)`, message }] }],
    });
    if (layer.root) blocks.push({ files: layer.root.map((f) => `src/${f}.ts`), rules: rule('\\./') });
    for (const dir of layer.dirs ?? []) {
      for (let depth = 1; depth <= 4; depth++) {
        blocks.push({ files: [`src/${dir}/${'*/'.repeat(depth - 1)}*.ts`], rules: rule('(\\.\\./){' + depth + '}') });
      }
    }
  }
  return blocks;
}

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      '**/node_modules/',
      'bench/.work/',
      'bench/results/',
      // Vendored sources, kept byte for byte as upstream wrote them (its README.md).
      'test/fixtures/tanstack-query/',
      'test/.tmp/',
      'examples/*/dist/',
      '**/.nx/',
      'src/**/files/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Scripts (.mjs) run on Node; TypeScript files are checked by tsc, which knows the globals.
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      // `_`-prefixed parameters and variables are deliberately unused (positional callbacks).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read JSON records loosely and load the built plugin from dist/ as Nx does.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  ...layerRules(),
);
