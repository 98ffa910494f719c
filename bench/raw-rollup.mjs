// The rollup floor: rollup + an esbuild transform, no Nx, run in the package directory.
import { rollup } from 'rollup';
import { transform } from 'esbuild';
const bundle = await rollup({
  input: 'src/index.ts',
  external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  plugins: [
    { name: 'ts-resolve', resolveId: (s, imp) => (imp && s.startsWith('.') ? new URL(`${s}.ts`, `file://${imp}`).pathname : null) },
    {
      name: 'esbuild',
      transform: async (code, id) =>
        id.endsWith('.ts') ? { code: (await transform(code, { loader: 'ts', format: 'esm' })).code, map: null } : null,
    },
  ],
});
await bundle.write({ dir: '/tmp/bench-raw-rollup', format: 'es' });
