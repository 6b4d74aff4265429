import { ConcurrentWriteError } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { type SessionStoreContractOptions, timeoutOf, withStore } from './contract-options.ts';
import { newSnapshot } from './fixtures.ts';
import { rejectionOf } from './rejection-of.ts';

/** Version advance, `updatedAt`, and stale saves rejected without changing anything. */
export function describeVersioning(options: SessionStoreContractOptions): void {
  const timeout = timeoutOf(options);
  describe(`${options.name}: versioning`, () => {
    it('advances the version by exactly one per save and stamps updatedAt', { timeout }, () =>
      withStore(options, async ({ store, clock, expectUpdatedAt }) => {
        let before = Date.now();
        const first = await store.save(newSnapshot('versioned', { updatedAt: 5 }));
        expect(first.version).toBe(1);
        expectUpdatedAt(first.updatedAt, before);
        await clock.advance(1_000);
        before = Date.now();
        const second = await store.save({ ...first, history: [...first.history, { role: 'user', content: 'again' }] });
        expect(second.version).toBe(2);
        expectUpdatedAt(second.updatedAt, before);
        expect(second.updatedAt).toBeGreaterThanOrEqual(first.updatedAt);
        const third = await store.save({ ...second, state: { turns: 3 } });
        expect(third.version).toBe(3);
        expect(await store.load('versioned')).toEqual(third);
      }),
    );

    it('returns the stored snapshot from save, equal to a later load', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const input = newSnapshot('returned', { state: { mood: 'fine' } });
        const saved = await store.save(input);
        expect(saved).toEqual({ ...input, version: 1, updatedAt: saved.updatedAt });
        expect(await store.load('returned')).toEqual(saved);
      }),
    );

    it('rejects a stale save with ConcurrentWriteError and leaves the stored snapshot unchanged', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const first = await store.save(newSnapshot('stale'));
        const second = await store.save({ ...first, state: { winner: true } });
        const error = await rejectionOf(store.save({ ...first, state: { loser: true } }), 'a stale save');
        expect(ConcurrentWriteError.isInstance(error)).toBe(true);
        const conflict = error as ConcurrentWriteError;
        expect(conflict.code).toBe('CONCURRENT_WRITE');
        expect(conflict.sessionId).toBe('stale');
        expect(conflict.expectedVersion).toBe(1);
        expect(conflict.actualVersion).toBe(2);
        expect(await store.load('stale')).toEqual(second);
      }),
    );

    it('rejects a save based on a version ahead of the stored one', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const first = await store.save(newSnapshot('ahead'));
        const error = await rejectionOf(store.save({ ...first, version: 7 }), 'a save from the future');
        expect(ConcurrentWriteError.isInstance(error)).toBe(true);
        expect((error as ConcurrentWriteError).actualVersion).toBe(1);
        expect(await store.load('ahead')).toEqual(first);
      }),
    );

    it('rejects a save of a missing session based on a version above 0, storing nothing', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const error = await rejectionOf(
          store.save(newSnapshot('ghost', { version: 3 })),
          'a save of a missing session',
        );
        expect(ConcurrentWriteError.isInstance(error)).toBe(true);
        expect((error as ConcurrentWriteError).expectedVersion).toBe(3);
        expect((error as ConcurrentWriteError).actualVersion).toBe(0);
        expect(await store.load('ghost')).toBeUndefined();
        expect((await store.list()).sessions).toEqual([]);
      }),
    );

    it('rejects creating a session that already exists (version 0 over version 1)', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const existing = await store.save(newSnapshot('taken', { state: { owner: 'first' } }));
        const error = await rejectionOf(
          store.save(newSnapshot('taken', { state: { owner: 'second' } })),
          'a second create',
        );
        expect(ConcurrentWriteError.isInstance(error)).toBe(true);
        expect(await store.load('taken')).toEqual(existing);
      }),
    );
  });
}
