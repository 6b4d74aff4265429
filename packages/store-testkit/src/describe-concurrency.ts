import { ConcurrentWriteError, type SessionSnapshot, type SessionStore } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { type SessionStoreContractOptions, timeoutOf, withStore } from './contract-options.ts';
import { newSnapshot } from './fixtures.ts';

/** How many writers race in each test. */
const writerCount = 10;

interface RaceResult {
  winners: SessionSnapshot[];
  conflicts: ConcurrentWriteError[];
}

/** Starts one save per writer at once (writer i on stores[i % stores.length]) and sorts the outcomes. */
async function race(stores: SessionStore[], base: SessionSnapshot): Promise<RaceResult> {
  const outcomes = await Promise.allSettled(
    Array.from({ length: writerCount }, (_, writer) =>
      (stores[writer % stores.length] as SessionStore).save({ ...base, state: { ...base.state, writer } }),
    ),
  );
  const result: RaceResult = { winners: [], conflicts: [] };
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') result.winners.push(outcome.value);
    else if (ConcurrentWriteError.isInstance(outcome.reason)) result.conflicts.push(outcome.reason);
    else throw outcome.reason;
  }
  return result;
}

async function expectOneWinner(stores: SessionStore[], base: SessionSnapshot): Promise<void> {
  const { winners, conflicts } = await race(stores, base);
  expect(winners).toHaveLength(1);
  expect(conflicts).toHaveLength(writerCount - 1);
  const [winner] = winners as [SessionSnapshot];
  expect(winner.version).toBe(base.version + 1);
  for (const conflict of conflicts) {
    expect(conflict.sessionId).toBe(base.sessionId);
    expect(conflict.expectedVersion).toBe(base.version);
  }
  for (const store of stores) expect(await store.load(base.sessionId)).toEqual(winner);
}

/** Racing writers: exactly one wins, within one store and (with `attach`) across two instances. */
export function describeConcurrency(options: SessionStoreContractOptions): void {
  const timeout = timeoutOf(options);
  describe(`${options.name}: concurrency`, () => {
    it(`lets exactly one of ${writerCount} concurrent writers from the same base win`, { timeout }, () =>
      withStore(options, async ({ store }) => {
        const base = await store.save(newSnapshot('contended'));
        await expectOneWinner([store], base);
      }),
    );

    it(`lets exactly one of ${writerCount} concurrent creators of a new session win`, { timeout }, () =>
      withStore(options, async ({ store }) => {
        await expectOneWinner([store], newSnapshot('created-twice'));
      }),
    );

    it('keeps a conflict on one session from touching another', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const a = await store.save(newSnapshot('isolated-a'));
        const b = await store.save(newSnapshot('isolated-b'));
        const [raceA, bAfter] = await Promise.all([
          race([store], a),
          store.save({ ...b, state: { untouched: false } }),
        ]);
        expect(raceA.winners).toHaveLength(1);
        expect(bAfter.version).toBe(2);
        expect(await store.load('isolated-b')).toEqual(bAfter);
        const [raceD, raceE] = await Promise.all([
          race([store], await store.save(newSnapshot('isolated-d'))),
          race([store], await store.save(newSnapshot('isolated-e'))),
        ]);
        expect(raceD.winners).toHaveLength(1);
        expect(raceE.winners).toHaveLength(1);
      }),
    );

    if (options.attach) {
      it(`lets exactly one of ${writerCount} writers win across two store instances`, { timeout }, () =>
        withStore(options, async ({ store, attach }) => {
          const other = await attach(store);
          const base = await store.save(newSnapshot('shared'));
          expect(await other.load('shared')).toEqual(base);
          await expectOneWinner([store, other], base);
          await expectOneWinner([other, store], newSnapshot('shared-new'));
        }),
      );

      it('sees saves and deletes made through the other instance', { timeout }, () =>
        withStore(options, async ({ store, attach }) => {
          const other = await attach(store);
          const saved = await other.save(newSnapshot('seen'));
          expect(await store.load('seen')).toEqual(saved);
          const next = await store.save(saved);
          expect(next.version).toBe(2);
          await other.delete('seen');
          expect(await store.load('seen')).toBeUndefined();
        }),
      );
    }
  });
}
