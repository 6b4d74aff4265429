import { defaultServerConditions } from 'vite';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

/**
 * The vitest project of one workspace package. Tests resolve sibling `@troupe/*` packages to
 * their `src/` through the `@troupe/source` export condition, so nothing needs building first.
 */
export function troupeProject(name: string, test: UserWorkspaceConfig['test'] = {}) {
  const conditions = ['@troupe/source', ...defaultServerConditions];
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@troupe/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      ...test,
    },
  });
}
