import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // A TMPDIR of the run's own, removed at the end (scripts/test-tmpdir.mjs).
    globalSetup: [new URL('../../scripts/test-tmpdir.mjs', import.meta.url).pathname],
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
