import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The cross-process test spawns `node` on the built dist, so build it first.
    globalSetup: ['./test/build-dist.ts'],
  },
});
