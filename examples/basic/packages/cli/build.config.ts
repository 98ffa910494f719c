import { defineBuildConfig } from '@repo/build-system';

export default defineBuildConfig({
  name: '@example/cli',
  builder: 'esbuild',
  entry: 'src/main.ts',
  platform: 'node',
  prebuild: 'node -e "console.log(\'prebuild: checking the cli\')"',
});
