import { ConcurrentWriteError, InvalidArgumentError, type SessionStore } from '@troupe/core';
import { type CommittingStore, commitNow, commitSnapshot, commitTo, loadNow } from '@troupe/core/internal';
import { describe, expect, it } from 'vitest';
import { type SessionStoreContractOptions, timeoutOf, withStore } from './contract-options.ts';
import { everyMessageShape, nestedState, newSnapshot } from './fixtures.ts';
import { rejectionOf } from './rejection-of.ts';

function offersCommit(store: SessionStore): store is CommittingStore {
  return typeof (store as Partial<CommittingStore>)[commitSnapshot] === 'function';
}

/**
 * The runtime's commit path (`commitTo`): a store's own commit method when it has one, else `save`.
 * Either way it writes exactly what `save` would, refuses what `save` refuses, and shares nothing
 * with the caller's objects.
 */
export function describeCommit(options: SessionStoreContractOptions): void {
  const timeout = timeoutOf(options);
  describe(`${options.name}: the runtime's commit path`, () => {
    it('writes what save would and resolves with the new version', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const input = newSnapshot('committed', { history: everyMessageShape(), state: nestedState() });
        expect(await commitTo(store, input)).toBe(1);
        input.history.length = 0;
        (input.state as Record<string, unknown>).added = true;
        const loaded = await store.load('committed');
        expect(loaded?.version).toBe(1);
        expect(loaded?.history).toEqual(everyMessageShape());
        expect(loaded?.state).toEqual(nestedState());
        expect(await commitTo(store, { ...(loaded as NonNullable<typeof loaded>), state: { next: 2 } })).toBe(2);
        expect((await store.load('committed'))?.state).toEqual({ next: 2 });
      }),
    );

    it('refuses a stale commit with ConcurrentWriteError and changes nothing', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const first = await store.save(newSnapshot('stale-commit'));
        const second = await store.save({ ...first, state: { winner: true } });
        const error = await rejectionOf(commitTo(store, { ...first, state: { loser: true } }), 'a stale commit');
        expect(ConcurrentWriteError.isInstance(error)).toBe(true);
        expect((error as ConcurrentWriteError).actualVersion).toBe(2);
        expect(await store.load('stale-commit')).toEqual(second);
      }),
    );

    it('refuses an invalid snapshot with InvalidArgumentError and writes nothing', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const invalid = { ...newSnapshot('invalid-commit'), history: [{ role: 'robot', content: 'x' }] };
        const error = await rejectionOf(
          commitTo(store, invalid as unknown as ReturnType<typeof newSnapshot>),
          'an invalid commit',
        );
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
        expect(await store.load('invalid-commit')).toBeUndefined();
      }),
    );

    it(
      "takes a snapshot handed over (the runtime's own copies) like any other, and refuses it the same way",
      { timeout },
      () =>
        withStore(options, async ({ store }) => {
          const handOver = { handOver: true };
          const first = newSnapshot('handed-over', { history: everyMessageShape(), state: nestedState() });
          expect(await commitTo(store, first, handOver)).toBe(1);
          const loaded = await store.load('handed-over');
          expect(loaded?.history).toEqual(everyMessageShape());
          expect(loaded?.state).toEqual(nestedState());
          const next = {
            ...first,
            history: [...first.history, { role: 'user' as const, content: 'more' }],
            version: 1,
          };
          expect(await commitTo(store, next, handOver)).toBe(2);
          const stale = await rejectionOf(commitTo(store, { ...next, version: 1 }, handOver), 'a stale hand-over');
          expect(ConcurrentWriteError.isInstance(stale)).toBe(true);
          const noVersion = { ...next, version: -1 };
          const invalid = await rejectionOf(commitTo(store, noVersion, handOver), 'a hand-over without a version');
          expect(InvalidArgumentError.isInstance(invalid)).toBe(true);
          expect((await store.load('handed-over'))?.history).toHaveLength(everyMessageShape().length + 1);
        }),
    );

    it(
      "answers the runtime's load and commit with or without a promise, with the same results and errors",
      { timeout },
      () =>
        withStore(options, async ({ store }) => {
          expect(await loadNow(store, 'now')).toBeUndefined();
          expect(await commitNow(store, newSnapshot('now'))).toBe(1);
          expect(await loadNow(store, 'now')).toEqual(await store.load('now'));
          let stale: unknown;
          try {
            await commitNow(store, newSnapshot('now'));
          } catch (error) {
            stale = error;
          }
          expect(ConcurrentWriteError.isInstance(stale)).toBe(true);
          expect((await store.load('now'))?.version).toBe(1);
        }),
    );

    it('is reported: the store either has its own commit or is committed through save', { timeout }, () =>
      withStore(options, async ({ store }) => {
        // Both paths are covered above; this pins which one this store takes, so a store that
        // loses its fast path (or gains one) is noticed.
        expect(offersCommit(store)).toBe(options.commitsWithoutSnapshot === true);
      }),
    );
  });
}
