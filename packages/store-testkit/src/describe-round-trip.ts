import { describe, expect, it } from 'vitest';
import { type SessionStoreContractOptions, timeoutOf, withStore } from './contract-options.ts';
import {
  everyMessageShape,
  hostileSessionIds,
  largeHistory,
  nestedState,
  newSnapshot,
  unicodeSamples,
} from './fixtures.ts';

/** Loading missing sessions, and saving then loading back every kind of content and id. */
export function describeRoundTrip(options: SessionStoreContractOptions): void {
  const timeout = timeoutOf(options);
  describe(`${options.name}: round trip`, () => {
    it('loads a session that was never saved as undefined', { timeout }, () =>
      withStore(options, async ({ store }) => {
        expect(await store.load('never-saved')).toBeUndefined();
      }),
    );

    it('loads back every message and content part shape, deep-equal', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const history = everyMessageShape();
        const saved = await store.save(newSnapshot('shapes', { history, state: nestedState() }));
        expect(saved.history).toEqual(history);
        expect(saved.state).toEqual(nestedState());
        expect(await store.load('shapes')).toEqual(saved);
      }),
    );

    it('loads back unicode text, emoji and nested state unchanged', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const history = unicodeSamples.map((text) => ({ role: 'user' as const, content: text }));
        const state = {
          samples: [...unicodeSamples],
          byKey: Object.fromEntries(unicodeSamples.map((text, i) => [text, i])),
        };
        await store.save(newSnapshot('unicode', { history, state }));
        const loaded = await store.load('unicode');
        expect(loaded?.history).toEqual(history);
        expect(loaded?.state).toEqual(state);
      }),
    );

    it('loads back a 1 MB history', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const history = largeHistory();
        expect(Buffer.byteLength(JSON.stringify(history))).toBeGreaterThanOrEqual(1024 * 1024);
        const saved = await store.save(newSnapshot('large', { history }));
        const loaded = await store.load('large');
        expect(loaded?.history.length).toBe(history.length);
        expect(loaded).toEqual(saved);
        expect(loaded?.history).toEqual(history);
      }),
    );

    it('stores hostile ids (SQL, quotes, path separators, 10 KB, unicode) like any other', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const ids = hostileSessionIds();
        for (const [index, sessionId] of ids.entries()) {
          await store.save(newSnapshot(sessionId, { state: { index } }));
        }
        for (const [index, sessionId] of ids.entries()) {
          const loaded = await store.load(sessionId);
          expect(loaded?.sessionId).toBe(sessionId);
          expect(loaded?.state).toEqual({ index });
          expect(loaded?.version).toBe(1);
        }
        const listed: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.list({ limit: 5, ...(cursor === undefined ? {} : { cursor }) });
          listed.push(...page.sessions.map((summary) => summary.sessionId));
          cursor = page.cursor;
        } while (cursor !== undefined);
        expect([...listed].sort()).toEqual([...ids].sort());
        for (const sessionId of ids) {
          const page = await store.list({ prefix: sessionId });
          expect(page.sessions.map((summary) => summary.sessionId)).toEqual([sessionId]);
        }
        // The other sessions, and the store's table or files, survived the ids above.
        const [first, second] = ids;
        await store.delete(first as string);
        expect(await store.load(first as string)).toBeUndefined();
        expect((await store.load(second as string))?.version).toBe(1);
      }),
    );
  });
}
