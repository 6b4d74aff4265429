import { describe, expect, it } from 'vitest';
import { type SessionStoreContractOptions, timeoutOf, withStore } from './contract-options.ts';
import { everyMessageShape, nestedState, newSnapshot } from './fixtures.ts';

/** Neither the objects passed to `save` nor the ones returned share anything with what is stored. */
export function describeCopying(options: SessionStoreContractOptions): void {
  const timeout = timeoutOf(options);
  describe(`${options.name}: no aliasing`, () => {
    it('is not changed by mutating the snapshot passed to save, even before save resolves', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const input = newSnapshot('passed', { history: everyMessageShape(), state: nestedState() });
        const pending = store.save(input);
        input.history.push({ role: 'user', content: 'sneaked in' });
        (input.state.deep as Record<string, unknown>).a = 'replaced';
        input.state.added = true;
        const saved = await pending;
        expect(saved.history).toEqual(everyMessageShape());
        expect(saved.state).toEqual(nestedState());
        input.history.length = 0;
        const loaded = await store.load('passed');
        expect(loaded?.history).toEqual(everyMessageShape());
        expect(loaded?.state).toEqual(nestedState());
      }),
    );

    it('is not changed by mutating the snapshot returned by save or load', { timeout }, () =>
      withStore(options, async ({ store }) => {
        const saved = await store.save(newSnapshot('returned', { history: everyMessageShape(), state: nestedState() }));
        saved.history.pop();
        saved.state.counter = -1;
        saved.version = 99;
        const loaded = await store.load('returned');
        expect(loaded?.version).toBe(1);
        expect(loaded?.history).toEqual(everyMessageShape());
        expect(loaded?.state).toEqual(nestedState());
        if (!loaded) throw new Error('the saved session did not load');
        const firstMessage = loaded.history[0] as { content: unknown };
        firstMessage.content = 'changed';
        (loaded.state.list as unknown[]).splice(0);
        const again = await store.load('returned');
        expect(again?.history).toEqual(everyMessageShape());
        expect(again?.state).toEqual(nestedState());
      }),
    );

    it('returns distinct objects from two loads of the same session', { timeout }, () =>
      withStore(options, async ({ store }) => {
        await store.save(newSnapshot('twice', { state: nestedState() }));
        const first = await store.load('twice');
        const second = await store.load('twice');
        expect(first).toEqual(second);
        expect(first?.state).not.toBe(second?.state);
        expect(first?.history).not.toBe(second?.history);
      }),
    );
  });
}
