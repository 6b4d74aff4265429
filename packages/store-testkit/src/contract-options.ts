import type { Clock, SessionStore } from '@troupe/core';
import { type ManualClock, manualClock } from '@troupe/core/testing';

/** What the kit hands to {@link SessionStoreContractOptions.create}. */
export interface StoreContext {
  /**
   * A manual clock the store should take for `updatedAt` (the kit checks that a save stamps
   * `clock.now()`). A store that stamps time on the server sets `serverTime` instead.
   */
  clock: Clock;
}

/** What the kit hands to {@link SessionStoreContractOptions.corrupt}. */
export interface CorruptRecordContext {
  /** The store (from `create`) whose backend to write to. */
  store: SessionStore;
  /** The session whose stored record to replace. */
  sessionId: string;
  /**
   * The value to store as the record of `sessionId`, written as the backend writes any document
   * (JSON for a database, the store's own encoding for a key-value file) but bypassing the store's
   * checks. It is not a valid session document: the store must refuse to read it.
   */
  document: unknown;
}

/** Options of {@link runSessionStoreContract} and of each area's `describe...` function. */
export interface SessionStoreContractOptions {
  /** Shown in the test names, e.g. 'lmdbStore'. */
  name: string;
  /**
   * True when the store has its own commit method for the runtime (`commitSnapshot` of
   * `@troupe/core/internal`: a save that resolves with the version only). Default false: the
   * runtime commits through `save`.
   */
  commitsWithoutSnapshot?: boolean;
  /** A new store over fresh, empty data (each test gets its own). */
  create(context: StoreContext): SessionStore | Promise<SessionStore>;
  /**
   * Releases `store` and removes its data (temporary directories, tables). Called after each test
   * with the store `create` returned, after the kit closed every store it opened from it with
   * `reopen` or `attach`. Default: `store.close()`.
   */
  destroy?(store: SessionStore): void | Promise<void>;
  /**
   * A new store over the same data as `store`, which the kit has already closed: proves
   * durability across close and reopen. Without it the durability tests are not registered.
   */
  reopen?(store: SessionStore, context: StoreContext): SessionStore | Promise<SessionStore>;
  /**
   * A second live store over the same data as the open `store` (another connection pool, another
   * environment handle): proves that concurrency control works between instances, not only
   * inside one. Without it those tests are not registered.
   */
  attach?(store: SessionStore, context: StoreContext): SessionStore | Promise<SessionStore>;
  /** Plants a corrupt record (see {@link CorruptRecordContext}). Without it the corruption tests are not registered. */
  corrupt?(context: CorruptRecordContext): void | Promise<void>;
  /** True when the backend stamps `updatedAt` itself: the kit then checks it against the real time. */
  serverTime?: boolean;
  /** Timeout of each test in milliseconds (default 30,000). */
  timeoutMs?: number;
}

/** The clock the kit starts every store on. */
export const contractStartTime = 1_700_000_000_000;

/** One test's stores: the one under test plus any reopened or attached, cleaned up by {@link withStore}. */
export interface StoreHarness {
  /** The store from `create`. */
  store: SessionStore;
  /** The clock given to `create`. */
  clock: ManualClock;
  /** Calls `reopen` (the caller closed `store` before); the kit closes the result at the end. */
  reopen(store: SessionStore): Promise<SessionStore>;
  /** Calls `attach`; the kit closes the result at the end. */
  attach(store: SessionStore): Promise<SessionStore>;
  /** What `updatedAt` of a save made now must be. */
  expectUpdatedAt(updatedAt: number, before: number): void;
}

/** Runs `body` with a fresh store, closing and destroying everything it opened afterwards. */
export async function withStore(
  options: SessionStoreContractOptions,
  body: (harness: StoreHarness) => Promise<void>,
): Promise<void> {
  const clock = manualClock({ now: contractStartTime });
  const context: StoreContext = { clock };
  const store = await options.create(context);
  const extra: SessionStore[] = [];
  const harness: StoreHarness = {
    store,
    clock,
    async reopen(closed) {
      if (!options.reopen) throw new Error(`${options.name}: the contract needs a reopen hook for this test.`);
      const reopened = await options.reopen(closed, context);
      extra.push(reopened);
      return reopened;
    },
    async attach(open) {
      if (!options.attach) throw new Error(`${options.name}: the contract needs an attach hook for this test.`);
      const attached = await options.attach(open, context);
      extra.push(attached);
      return attached;
    },
    expectUpdatedAt(updatedAt, before) {
      if (typeof updatedAt !== 'number' || !Number.isFinite(updatedAt)) {
        throw new Error(`${options.name}: updatedAt ${String(updatedAt)} is not a finite number.`);
      }
      if (options.serverTime) {
        // Server clocks may differ from this process's by a little; a save stamps roughly "now".
        if (updatedAt < before - 60_000 || updatedAt > Date.now() + 60_000) {
          throw new Error(`${options.name}: updatedAt ${updatedAt} is not the time of the save (${before}).`);
        }
      } else if (updatedAt !== clock.now()) {
        throw new Error(
          `${options.name}: updatedAt is ${updatedAt}, expected the injected clock's time ${clock.now()}; pass context.clock to the store.`,
        );
      }
    },
  };
  try {
    await body(harness);
  } finally {
    for (const opened of extra) await opened.close();
    if (options.destroy) await options.destroy(store);
    else await store.close();
  }
}

/** The per-test timeout. */
export function timeoutOf(options: SessionStoreContractOptions): number {
  return options.timeoutMs ?? 30_000;
}
