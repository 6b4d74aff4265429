import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holdIsolationGuard, runInIsolationScope } from './isolation-guard.ts';

type Listener = (...args: unknown[]) => void;
const events = ['unhandledRejection', 'uncaughtException'] as const;
let saved: Record<(typeof events)[number], Listener[]>;

// The test runner listens for stray failures itself; these tests stand in for it with their own
// listener, so the runner's are set aside and put back afterwards.
beforeEach(() => {
  saved = {
    unhandledRejection: process.listeners('unhandledRejection') as Listener[],
    uncaughtException: process.listeners('uncaughtException') as Listener[],
  };
  for (const event of events) process.removeAllListeners(event);
});
afterEach(() => {
  for (const event of events) {
    process.removeAllListeners(event);
    for (const listener of saved[event]) process.on(event, listener);
  }
});

const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

describe('isolation guard', () => {
  it('routes failures of scoped work to the scope and leaves other failures to other listeners', async () => {
    const crashes: unknown[] = [];
    const elsewhere: unknown[] = [];
    process.on('unhandledRejection', (reason) => elsewhere.push(reason));
    const release = holdIsolationGuard();
    try {
      const inScope = new Error('inside');
      const outside = new Error('outside');
      runInIsolationScope({ crash: (error) => crashes.push(error) }, () => {
        void Promise.reject(inScope);
      });
      void Promise.reject(outside);
      await nextMacrotask();
      expect(crashes).toEqual([inScope]);
      // The application's own listener still sees every unhandled rejection.
      expect(elsewhere).toEqual([inScope, outside]);
    } finally {
      release();
    }
  });

  it('routes an exception thrown later by scoped work (a timer callback) to the scope', async () => {
    const crashes: unknown[] = [];
    const release = holdIsolationGuard();
    try {
      const thrown = new Error('timer blew up');
      runInIsolationScope({ crash: (error) => crashes.push(error) }, () => {
        setImmediate(() => {
          throw thrown;
        });
      });
      await nextMacrotask();
      await nextMacrotask();
      expect(crashes).toEqual([thrown]);
    } finally {
      release();
    }
  });

  it('listens only while held, counting holders', () => {
    const first = holdIsolationGuard();
    const second = holdIsolationGuard();
    expect(process.listenerCount('unhandledRejection')).toBe(1);
    expect(process.listenerCount('uncaughtException')).toBe(1);
    first();
    first();
    expect(process.listenerCount('unhandledRejection')).toBe(1);
    second();
    expect(process.listenerCount('unhandledRejection')).toBe(0);
    expect(process.listenerCount('uncaughtException')).toBe(0);
  });
});
