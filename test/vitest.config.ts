import { defineConfig } from 'vitest/config';

// Cross-package end-to-end tests: they import the built packages (turbo builds them first).
export default defineConfig({
  test: {
    // A TMPDIR of the run's own, removed at the end (scripts/test-tmpdir.mjs).
    globalSetup: [new URL('../scripts/test-tmpdir.mjs', import.meta.url).pathname],
    root: new URL('.', import.meta.url).pathname,
    include: ['**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
