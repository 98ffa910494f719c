import { defineBuildConfig } from '@repo/build-system';

export default defineBuildConfig({
  name: '@example/core',
  builder: 'esbuild',
  entry: 'src/index.ts',
  format: ['esm', 'cjs'],
  target: 'node20',
  dts: true,
  env: { GREETING: 'Hello' },
  define: { __GREETING__: JSON.stringify(process.env.GREETING ?? 'Hello') },
  environments: {
    development: { sourcemap: true },
    production: { minify: true },
  },
});
