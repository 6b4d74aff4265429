import type { ListSessionsOptions, SessionStore, SessionSummary } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { type SessionStoreContractOptions, timeoutOf, withStore } from './contract-options.ts';
import { newSnapshot } from './fixtures.ts';

/** Every summary `list` returns for `options`, page by page, with the pages seen. */
export async function listAll(
  store: SessionStore,
  options: Omit<ListSessionsOptions, 'cursor'> = {},
): Promise<{ sessions: SessionSummary[]; pages: number }> {
  const sessions: SessionSummary[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const page = await store.list(cursor === undefined ? options : { ...options, cursor });
    pages++;
    if (options.limit !== undefined && page.sessions.length > options.limit) {
      throw new Error(`list returned ${page.sessions.length} sessions with limit ${options.limit}.`);
    }
    if (page.cursor !== undefined && page.sessions.length === 0) {
      throw new Error('list returned an empty page with a cursor; it would page forever.');
    }
    sessions.push(...page.sessions);
    cursor = page.cursor;
    if (pages > 100_000) throw new Error('list kept returning cursors.');
  } while (cursor !== undefined);
  return { sessions, pages };
}

async function saveMany(store: SessionStore, ids: string[]): Promise<void> {
  // In batches, so the test is quick without asking a backend for a thousand writes at once.
  for (let start = 0; start < ids.length; start += 50) {
    await Promise.all(ids.slice(start, start + 50).map((id) => store.save(newSnapshot(id))));
  }
}

/** Sorts by code point (UTF-8 byte order), the order `list` uses. */
function byCodePoint(ids: string[]): string[] {
  return [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** `list`: id order, prefix filtering, page size and cursors. */
export function describeListing(options: SessionStoreContractOptions): void {
  const timeout = timeoutOf(options);
  describe(`${options.name}: listing`, () => {
    it('lists nothing in an empty store, with no cursor', { timeout }, () =>
      withStore(options, async ({ store }) => {
        expect(await store.list()).toEqual({ sessions: [] });
        expect(await store.list({ prefix: 'any', limit: 1 })).toEqual({ sessions: [] });
      }),
    );

    it('pages through 1,000 sessions by prefix, limit and cursor without repeats or gaps', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const pageIds = Array.from({ length: 1_000 }, (_, index) => `page-${String(index).padStart(4, '0')}`);
        const otherIds = Array.from({ length: 30 }, (_, index) => `pagf-${index}`).concat(['pag', 'other-1', 'PAGE-1']);
        await saveMany(store, [...pageIds].reverse().concat(otherIds));

        const { sessions, pages } = await listAll(store, { prefix: 'page-', limit: 100 });
        expect(sessions.map((summary) => summary.sessionId)).toEqual(pageIds);
        expect(pages).toBeGreaterThanOrEqual(10);
        expect(pages).toBeLessThanOrEqual(11);
        for (const summary of sessions) {
          expect(summary.version).toBe(1);
          expect(typeof summary.updatedAt).toBe('number');
        }

        const everything = await listAll(store, { limit: 77 });
        expect(everything.sessions.map((summary) => summary.sessionId)).toEqual(byCodePoint([...pageIds, ...otherIds]));

        const single = await listAll(store, { prefix: 'pagf-1', limit: 1 });
        expect(single.sessions.map((summary) => summary.sessionId)).toEqual(
          byCodePoint(otherIds.filter((id) => id.startsWith('pagf-1'))),
        );
      }),
    );

    it('reports each session with its current version and updatedAt', { timeout }, () =>
      withStore(options, async ({ store, clock }) => {
        const a = await store.save(newSnapshot('summary-a'));
        await clock.advance(500);
        const b1 = await store.save(newSnapshot('summary-b'));
        await clock.advance(500);
        const b2 = await store.save(b1);
        const page = await store.list({ prefix: 'summary-' });
        expect(page.sessions).toEqual([
          { sessionId: 'summary-a', version: 1, updatedAt: a.updatedAt },
          { sessionId: 'summary-b', version: 2, updatedAt: b2.updatedAt },
        ]);
        expect(page.cursor).toBeUndefined();
      }),
    );

    it('orders ids by code point and treats prefixes literally (no wildcards)', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const ids = ['b', 'a', 'Z', 'é', '\uff61', '😀', 'a%b', 'a_b', 'axb', 'a\\b', 'a.b', 'a*b'];
        await saveMany(store, ids);
        const { sessions } = await listAll(store, { limit: 3 });
        expect(sessions.map((summary) => summary.sessionId)).toEqual(byCodePoint(ids));
        for (const prefix of ['a%', 'a_', 'a\\', 'a.', 'a*']) {
          const page = await store.list({ prefix });
          expect(page.sessions.map((summary) => summary.sessionId)).toEqual([`${prefix}b`]);
        }
        expect((await store.list({ prefix: '😀' })).sessions.map((summary) => summary.sessionId)).toEqual(['😀']);
        expect((await store.list({ prefix: 'nothing-like-this' })).sessions).toEqual([]);
      }),
    );

    it('continues correctly when sessions change between pages', { timeout }, () =>
      withStore(options, async ({ store }) => {
        await saveMany(store, ['c-1', 'c-2', 'c-3', 'c-4', 'c-5']);
        const first = await store.list({ prefix: 'c-', limit: 2 });
        expect(first.sessions.map((summary) => summary.sessionId)).toEqual(['c-1', 'c-2']);
        await store.delete('c-2');
        await store.delete('c-3');
        await store.save(newSnapshot('c-0'));
        const second = await store.list({ prefix: 'c-', limit: 2, cursor: first.cursor as string });
        expect(second.sessions.map((summary) => summary.sessionId)).toEqual(['c-4', 'c-5']);
      }),
    );
  });
}
