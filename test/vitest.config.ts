import { defineConfig } from 'vitest/config';

// Cross-package end-to-end tests: they import the built packages (turbo builds them first).
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
