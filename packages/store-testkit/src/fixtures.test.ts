import type { SessionStore } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { listAll } from './describe-listing.ts';
import { everyMessageShape, hostileSessionIds, largeHistory } from './fixtures.ts';

describe('contract fixtures', () => {
  it('covers every message role and content part type', () => {
    const history = everyMessageShape();
    expect(new Set(history.map((message) => message.role))).toEqual(new Set(['system', 'user', 'assistant', 'tool']));
    const partTypes = new Set(
      history.flatMap((message) => (Array.isArray(message.content) ? message.content.map((part) => part.type) : [])),
    );
    expect(partTypes).toEqual(new Set(['text', 'reasoning', 'image']));
  });

  it('makes a history of at least the asked size', () => {
    expect(Buffer.byteLength(JSON.stringify(largeHistory(200_000)))).toBeGreaterThanOrEqual(200_000);
  });

  it('gives distinct hostile ids, some over 10 KB', () => {
    const ids = hostileSessionIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.some((id) => Buffer.byteLength(id) > 10_240)).toBe(true);
  });
});

describe('listAll', () => {
  const storeListing = (list: SessionStore['list']) => ({ list }) as SessionStore;

  it('fails on a store that returns an empty page with a cursor (it would page forever)', async () => {
    await expect(listAll(storeListing(async () => ({ sessions: [], cursor: 'again' })))).rejects.toThrow(/forever/);
  });

  it('fails on a store that ignores the limit', async () => {
    const sessions = [1, 2, 3].map((n) => ({ sessionId: `s${n}`, version: 1, updatedAt: 0 }));
    await expect(
      listAll(
        storeListing(async () => ({ sessions })),
        { limit: 2 },
      ),
    ).rejects.toThrow(/limit 2/);
  });
});
