import { InvalidArgumentError, StoreError } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { type SessionStoreContractOptions, timeoutOf, withStore } from './contract-options.ts';
import { newSnapshot } from './fixtures.ts';
import { rejectionOf } from './rejection-of.ts';

/** `close` twice, calls after close, and malformed arguments rejected at the boundary. */
export function describeLifecycle(options: SessionStoreContractOptions): void {
  const timeout = timeoutOf(options);
  describe(`${options.name}: lifecycle and arguments`, () => {
    it('closes twice without error', { timeout }, () =>
      withStore(options, async ({ store }) => {
        await store.save(newSnapshot('before-close'));
        await expect(store.close()).resolves.toBeUndefined();
        await expect(store.close()).resolves.toBeUndefined();
      }),
    );

    it('rejects every call after close with StoreError', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const saved = await store.save(newSnapshot('closed'));
        await store.close();
        const calls: [string, () => Promise<unknown>][] = [
          ['load', () => store.load('closed')],
          ['save', () => store.save(saved)],
          ['delete', () => store.delete('closed')],
          ['list', () => store.list()],
        ];
        for (const [name, call] of calls) {
          const error = await rejectionOf(call(), `${name} after close`);
          expect(StoreError.isInstance(error), `${name} after close: ${String(error)}`).toBe(true);
          expect((error as StoreError).message).toMatch(/clos/i);
        }
      }),
    );

    it('rejects malformed snapshots with InvalidArgumentError and stores nothing', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const good = newSnapshot('good');
        const bad: unknown[] = [
          undefined,
          { ...good, sessionId: '' },
          { ...good, sessionId: 42 },
          { ...good, sessionId: 'nul\u0000inside' },
          { ...good, sessionId: 'lone\ud800surrogate' },
          { ...good, version: -1 },
          { ...good, version: 1.5 },
          { ...good, version: '0' },
          { ...good, history: 'not a list' },
          { ...good, history: [{ role: 'wizard', content: 'hi' }] },
          { ...good, history: [{ role: 'user', content: [{ type: 'video' }] }] },
          { ...good, state: null },
          { ...good, state: ['not', 'a', 'record'] },
        ];
        for (const snapshot of bad) {
          const error = await rejectionOf(store.save(snapshot as typeof good), `save(${JSON.stringify(snapshot)})`);
          expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
        }
        for (const call of [
          () => store.load(''),
          () => store.delete(''),
          () => store.list({ limit: 0 }),
          () => store.list({ limit: 1.5 }),
        ]) {
          expect(InvalidArgumentError.isInstance(await rejectionOf(call(), 'a call with a bad argument'))).toBe(true);
        }
        expect(await store.list()).toEqual({ sessions: [] });
      }),
    );

    it(
      'either round-trips NUL characters in content or rejects them with InvalidArgumentError, losing nothing',
      { timeout },
      () =>
        withStore(options, async ({ store }) => {
          const stored = await store.save(newSnapshot('nul-content'));
          const withNul = {
            ...stored,
            history: [{ role: 'user' as const, content: 'before\u0000after' }],
            state: { 'k\u0000': 'v\u0000' },
          };
          let saved: unknown;
          try {
            saved = await store.save(withNul);
          } catch (error) {
            expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true);
            expect(await store.load('nul-content')).toEqual(stored);
            return;
          }
          expect(saved).toMatchObject({ history: withNul.history, state: withNul.state, version: 2 });
          expect(await store.load('nul-content')).toEqual(saved);
        }),
    );
  });
}
