import { describe, expect, it } from 'vitest';
import { ConcurrentWriteError } from '../errors.ts';
import { referenceStore } from './reference-store.ts';

describe('referenceStore', () => {
  it('versions saves, refuses stale ones and keeps what it was given by reference', async () => {
    const store = referenceStore();
    const history = [{ role: 'user' as const, content: 'hi' }];
    const saved = await store.save({ sessionId: 's', history, state: {}, version: 0, updatedAt: 1 });
    expect(saved.version).toBe(1);
    expect((await store.load('s'))?.history).toBe(history);
    await expect(store.save({ sessionId: 's', history, state: {}, version: 0, updatedAt: 2 })).rejects.toSatisfy(
      (error) => ConcurrentWriteError.isInstance(error),
    );
    await store.delete('s');
    expect(await store.load('s')).toBeUndefined();
  });
});
