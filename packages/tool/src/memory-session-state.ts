import type { SessionState } from '@troupe/core';

/** A session state held in memory: for sub-agents run as tools and for tests. */
export function memorySessionState(initial: Record<string, unknown> = {}): SessionState {
  const values = new Map<string, unknown>(Object.entries(initial));
  return {
    get: <T>(key: string) => values.get(key) as T | undefined,
    set: (key, value) => {
      values.set(key, value);
    },
    delete: (key) => {
      values.delete(key);
    },
    has: (key) => values.has(key),
    toJSON: () => Object.fromEntries(values),
  };
}
