import { defineConfig } from 'vitest/config';

// One project per workspace package: each folder's vitest.config.ts names it.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'examples/*'],
  },
});
