import { CorruptSnapshotError, SESSION_FORMAT_VERSION } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { type SessionStoreContractOptions, timeoutOf, withStore } from './contract-options.ts';
import { newSnapshot } from './fixtures.ts';
import { rejectionOf } from './rejection-of.ts';

/** Records the corruption tests plant, by what is wrong with them. */
function corruptDocuments(sessionId: string): [string, unknown][] {
  const valid = { formatVersion: SESSION_FORMAT_VERSION, sessionId, history: [], state: {}, version: 1, updatedAt: 1 };
  return [
    ['not an object', 'garbage'],
    ['a list', [1, 2, 3]],
    ['no formatVersion', { ...valid, formatVersion: undefined }],
    ['a future formatVersion', { ...valid, formatVersion: SESSION_FORMAT_VERSION + 998 }],
    ['history that is not a list', { ...valid, history: 'oops' }],
    ['a message without a role', { ...valid, history: [{ content: 'who said this?' }] }],
    ['state that is not an object', { ...valid, state: 7 }],
    ['a version that is not a number', { ...valid, version: 'one' }],
    ['the id of another session', { ...valid, sessionId: `${sessionId}-elsewhere` }],
  ];
}

/** Corrupt stored records: a typed error naming the session, nothing overwritten. Registered only with `corrupt`. */
export function describeCorruption(options: SessionStoreContractOptions): void {
  const { corrupt } = options;
  if (!corrupt) return;
  const timeout = timeoutOf(options);
  describe(`${options.name}: corrupt records`, () => {
    for (const [problem, document] of corruptDocuments('damaged')) {
      it(`loads a record with ${problem} as CorruptSnapshotError naming the session`, { timeout }, () =>
        withStore(options, async ({ store }) => {
          const neighbour = await store.save(newSnapshot('neighbour'));
          await store.save(newSnapshot('damaged'));
          await corrupt({ store, sessionId: 'damaged', document });
          const error = await rejectionOf(store.load('damaged'), 'loading a corrupt record');
          expect(CorruptSnapshotError.isInstance(error), String(error)).toBe(true);
          const corruptError = error as CorruptSnapshotError;
          expect(corruptError.code).toBe('CORRUPT_SNAPSHOT');
          expect(corruptError.sessionId).toBe('damaged');
          expect(corruptError.message).toContain('"damaged"');
          expect(await store.load('neighbour')).toEqual(neighbour);
        }),
      );
    }

    // A save based on the stored version may replace a damaged record: stores check versions, not
    // content, on the write path. No caller can hold that version without a load, which fails.
    it('refuses saves over a corrupt record with CorruptSnapshotError, and lets delete remove it', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const base = await store.save(newSnapshot('kept-corrupt'));
        await corrupt({ store, sessionId: 'kept-corrupt', document: { formatVersion: SESSION_FORMAT_VERSION + 998 } });
        for (const version of [0, 5]) {
          const error = await rejectionOf(store.save({ ...base, version }), 'a save over a corrupt record');
          expect(CorruptSnapshotError.isInstance(error), String(error)).toBe(true);
        }
        expect(CorruptSnapshotError.isInstance(await rejectionOf(store.load('kept-corrupt'), 'a load'))).toBe(true);
        await store.delete('kept-corrupt');
        expect(await store.load('kept-corrupt')).toBeUndefined();
        expect((await store.save(newSnapshot('kept-corrupt'))).version).toBe(1);
      }),
    );
  });
}
