import { InvalidArgumentError } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { TurnState } from './session-state.ts';

describe('TurnState', () => {
  it('reads through its delta to the committed state and leaves the committed object alone', () => {
    const committed = { a: 1, b: 2 };
    const state = new TurnState(committed);
    expect(state.unchanged).toBe(true);
    state.set('a', 10);
    state.delete('b');
    state.set('c', { nested: true });
    expect(state.get('a')).toBe(10);
    expect(state.has('b')).toBe(false);
    expect(state.get('b')).toBeUndefined();
    expect(state.get('c')).toEqual({ nested: true });
    expect(state.toJSON()).toEqual({ a: 10, c: { nested: true } });
    expect(committed).toEqual({ a: 1, b: 2 });
    expect(state.unchanged).toBe(false);
    expect(state.applyTo(committed)).toEqual({ a: 10, c: { nested: true } });
  });

  it('treats setting undefined as a delete', () => {
    const state = new TurnState({ a: 1 });
    state.set('a', undefined);
    expect(state.has('a')).toBe(false);
    expect(state.toJSON()).toEqual({});
  });

  it('refuses runtime keys and empty keys with a typed error', () => {
    const state = new TurnState({ 'troupe.route': 'fast' });
    expect(state.get('troupe.route')).toBe('fast');
    expect(() => state.set('troupe.route', 'default')).toThrow(InvalidArgumentError);
    expect(() => state.delete('troupe.route')).toThrow(/reserved/);
    expect(() => state.set('', 1)).toThrow(InvalidArgumentError);
  });
});
