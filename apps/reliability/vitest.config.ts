import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The fault suites start, kill and pause their own servers: one file at a time keeps
    // them from starving each other on a 2-core machine.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
