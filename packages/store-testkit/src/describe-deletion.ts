import { describe, expect, it } from 'vitest';
import { type SessionStoreContractOptions, timeoutOf, withStore } from './contract-options.ts';
import { newSnapshot } from './fixtures.ts';

/** Delete, delete of a missing id, and re-creation after delete. */
export function describeDeletion(options: SessionStoreContractOptions): void {
  const timeout = timeoutOf(options);
  describe(`${options.name}: deletion`, () => {
    it('loads a deleted session as undefined and leaves others alone', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const kept = await store.save(newSnapshot('kept'));
        const doomed = await store.save(newSnapshot('doomed'));
        await store.save(doomed);
        await store.delete('doomed');
        expect(await store.load('doomed')).toBeUndefined();
        expect(await store.load('kept')).toEqual(kept);
        expect((await store.list()).sessions.map((summary) => summary.sessionId)).toEqual(['kept']);
      }),
    );

    it('deletes a missing id without error, twice', { timeout }, () =>
      withStore(options, async ({ store }) => {
        await expect(store.delete('never-there')).resolves.toBeUndefined();
        await store.save(newSnapshot('once'));
        await store.delete('once');
        await expect(store.delete('once')).resolves.toBeUndefined();
      }),
    );

    it('starts a session re-created after delete at version 1', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const first = await store.save(newSnapshot('phoenix', { state: { life: 1 } }));
        await store.save({ ...first, state: { life: 1.5 } });
        await store.delete('phoenix');
        const reborn = await store.save(newSnapshot('phoenix', { state: { life: 2 } }));
        expect(reborn.version).toBe(1);
        expect(await store.load('phoenix')).toEqual(reborn);
      }),
    );
  });
}
