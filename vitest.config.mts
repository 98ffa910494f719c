import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.spec.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two cores: e2e files spawn real nx processes, so run at most two files at once.
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
