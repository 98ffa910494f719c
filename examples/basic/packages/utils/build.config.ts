import { defineBuildConfig } from '@repo/build-system';

export default defineBuildConfig({
  name: '@example/utils',
  builder: 'esbuild',
  entry: 'src/index.ts',
  outputDir: 'dist',
  dts: true,
});
