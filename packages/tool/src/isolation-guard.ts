import { AsyncLocalStorage } from 'node:async_hooks';

/** The isolated call an asynchronous failure belongs to. */
export interface IsolationScope {
  /** Called with an unhandled rejection or uncaught exception raised by the call's own work. */
  crash(error: unknown): void;
}

// Node runs `unhandledRejection` and `uncaughtException` listeners in the async context of the
// failed work, so the scope found there is the isolated call that caused it.
const scopes = new AsyncLocalStorage<IsolationScope>();
let holders = 0;

function unattributed(event: 'unhandledRejection' | 'uncaughtException', error: unknown): void {
  // Another listener (the application's, a test runner's) decides what happens to failures that
  // are not ours. When we are the only one, Node's default — crash the process — must still apply.
  const registered: readonly unknown[] =
    event === 'unhandledRejection' ? process.listeners('unhandledRejection') : process.listeners('uncaughtException');
  const others = registered.filter((listener) => listener !== listeners[event]);
  if (others.length > 0) return;
  release();
  process.nextTick(() => {
    throw error;
  });
}

const listeners = {
  unhandledRejection: (reason: unknown) => {
    const scope = scopes.getStore();
    if (scope === undefined) unattributed('unhandledRejection', reason);
    else scope.crash(reason);
  },
  uncaughtException: (error: unknown) => {
    const scope = scopes.getStore();
    if (scope === undefined) unattributed('uncaughtException', error);
    else scope.crash(error);
  },
};

function release(): void {
  process.removeListener('unhandledRejection', listeners.unhandledRejection);
  process.removeListener('uncaughtException', listeners.uncaughtException);
}

/**
 * Starts catching unhandled rejections and uncaught exceptions raised by isolated calls (work run
 * inside {@link runInIsolationScope}); anything else keeps Node's usual handling. Reference
 * counted: returns an idempotent function that stops catching once every holder has released.
 */
export function holdIsolationGuard(): () => void {
  if (holders === 0) {
    process.on('unhandledRejection', listeners.unhandledRejection);
    process.on('uncaughtException', listeners.uncaughtException);
  }
  holders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders--;
    if (holders === 0) release();
  };
}

/** Runs `work` so that asynchronous failures it leaves behind reach `scope.crash`. */
export function runInIsolationScope<T>(scope: IsolationScope, work: () => T): T {
  return scopes.run(scope, work);
}
