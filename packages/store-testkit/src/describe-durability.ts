import { describe, expect, it } from 'vitest';
import { type SessionStoreContractOptions, timeoutOf, withStore } from './contract-options.ts';
import { listAll } from './describe-listing.ts';
import { everyMessageShape, hostileSessionIds, largeHistory, nestedState, newSnapshot } from './fixtures.ts';

/** Close, reopen with the `reopen` hook, and find everything as it was. Registered only with `reopen`. */
export function describeDurability(options: SessionStoreContractOptions): void {
  if (!options.reopen) return;
  const timeout = timeoutOf(options);
  describe(`${options.name}: durability`, () => {
    it('keeps every saved session, and no deleted one, across close and reopen', { timeout }, () =>
      withStore(options, async ({ store, reopen }) => {
        const shapes = await store.save(newSnapshot('shapes', { history: everyMessageShape(), state: nestedState() }));
        const large = await store.save(newSnapshot('large', { history: largeHistory() }));
        const hostile = await Promise.all(hostileSessionIds().map((id) => store.save(newSnapshot(id))));
        let advanced = await store.save(newSnapshot('advanced'));
        for (let turn = 0; turn < 5; turn++) advanced = await store.save({ ...advanced, state: { turn } });
        await store.save(newSnapshot('deleted'));
        await store.delete('deleted');
        const listedBefore = await listAll(store, { limit: 7 });
        await store.close();

        const reopened = await reopen(store);
        expect(await reopened.load('shapes')).toEqual(shapes);
        expect(await reopened.load('large')).toEqual(large);
        expect(await reopened.load('advanced')).toEqual(advanced);
        for (const snapshot of hostile) expect(await reopened.load(snapshot.sessionId)).toEqual(snapshot);
        expect(await reopened.load('deleted')).toBeUndefined();
        expect(await listAll(reopened, { limit: 7 })).toEqual(listedBefore);

        const next = await reopened.save(advanced);
        expect(next.version).toBe(advanced.version + 1);
      }),
    );

    it('can be reopened more than once, each time with the latest data', { timeout }, () =>
      withStore(options, async ({ store, reopen }) => {
        const first = await store.save(newSnapshot('generations'));
        await store.close();
        const second = await reopen(store);
        const saved = await second.save(first);
        await second.close();
        const third = await reopen(store);
        expect(await third.load('generations')).toEqual(saved);
      }),
    );
  });
}
