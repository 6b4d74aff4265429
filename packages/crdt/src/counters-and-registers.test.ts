import { CrdtFormatError, InvalidArgumentError } from '@troupe/core';
import { manualClock } from '@troupe/core/testing';
import { describe, expect, it } from 'vitest';
import { GCounter } from './g-counter.ts';
import { HybridLogicalClock } from './hybrid-logical-clock.ts';
import { LWWMap } from './lww-map.ts';
import { LWWRegister } from './lww-register.ts';
import { PNCounter } from './pn-counter.ts';

describe('GCounter and PNCounter', () => {
  it('sum per-replica counts and merge by maximum', () => {
    const a = new GCounter({ node: 'a' });
    const b = new GCounter({ node: 'b' });
    a.increment(3);
    b.increment();
    a.merge(b);
    a.merge(b);
    expect(a.value).toBe(4);
    expect(a.toJSON()).toEqual({ type: 'g-counter', formatVersion: 1, counts: { a: 3, b: 1 } });
  });

  it('ship only the replicas that changed since a version', () => {
    const counter = new PNCounter({ node: 'n0' });
    for (let node = 1; node < 100; node++) {
      const other = new PNCounter({ node: `n${node}` });
      other.increment(node);
      counter.merge(other);
    }
    const version = counter.version;
    counter.decrement(5);
    expect(counter.deltaSince(version)).toEqual({
      type: 'pn-counter',
      formatVersion: 1,
      increments: {},
      decrements: { n0: 5 },
    });
    expect(counter.value).toBe(4_950 - 5);
    expect(counter.incremented).toBe(4_950);
    expect(counter.decremented).toBe(5);
  });

  it('notify listeners of local and remote changes with the new version', () => {
    const a = new PNCounter({ node: 'a' });
    const changes: string[] = [];
    const unsubscribe = a.subscribe((change) => changes.push(`${change.origin}@${change.version}`));
    a.increment(2);
    const b = new PNCounter({ node: 'b' });
    b.decrement();
    a.merge(b);
    a.merge(b);
    unsubscribe();
    a.increment();
    expect(changes).toEqual(['local@1', 'remote@2']);
  });

  it('reject bad amounts and malformed state with typed errors, changing nothing', () => {
    const counter = new PNCounter({ node: 'a' });
    counter.increment(2);
    expect(() => counter.increment(-1)).toThrow(InvalidArgumentError);
    expect(() => counter.decrement(1.5)).toThrow(InvalidArgumentError);
    expect(() => new GCounter({ node: 'a' }).increment(Number.NaN)).toThrow(InvalidArgumentError);
    const bad = { type: 'pn-counter', formatVersion: 1, increments: { b: 4 }, decrements: { b: -1 } };
    expect(() => counter.merge(bad as never)).toThrow(CrdtFormatError);
    expect(() => counter.merge(bad as never)).toThrow(/"decrements\.b" must be an integer >= 0, got -1/);
    expect(() => PNCounter.fromJSON({ type: 'pn-counter', formatVersion: 1, increments: [] }, { node: 'x' })).toThrow(
      /"increments" must be an object/,
    );
    expect(() => GCounter.fromJSON({ type: 'g-counter', formatVersion: 1, counts: { a: '3' } }, { node: 'x' })).toThrow(
      /"counts\.a"/,
    );
    expect(counter.value).toBe(2);
  });

  it('round-trip a replica named __proto__', () => {
    const counter = new GCounter({ node: '__proto__' });
    counter.increment(7);
    const copy = GCounter.fromJSON(JSON.parse(JSON.stringify(counter)), { node: 'b' });
    expect(copy.value).toBe(7);
  });
});

describe('LWWRegister', () => {
  it('keeps the write with the latest timestamp, ties broken by replica id', () => {
    const clock = manualClock({ now: 1_000 });
    const a = new LWWRegister<string>({ node: 'a', clock });
    const b = new LWWRegister<string>({ node: 'b', clock });
    a.set('from a');
    b.set('from b');
    // Same wall time and logical counter: replica "b" sorts after "a" and wins everywhere.
    a.merge(b);
    b.merge(a);
    expect(a.value).toBe('from b');
    expect(b.value).toBe('from b');
  });

  it('orders a local write after a merged one even if the local wall clock is behind', () => {
    const hlc = new HybridLogicalClock({ node: 'slow', clock: manualClock({ now: 1_000 }) });
    const slow = new LWWRegister<number>({ hlc });
    const fast = new LWWRegister<number>({ node: 'fast', clock: manualClock({ now: 50_000 }) });
    fast.set(1);
    slow.merge(fast);
    slow.set(2);
    fast.merge(slow);
    expect(fast.value).toBe(2);
    expect(slow.timestamp?.wall).toBe(50_000);
  });

  it('copies values so later mutation of the caller object does not leak in', () => {
    const register = new LWWRegister<{ n: number }>({ node: 'a', clock: manualClock() });
    const value = { n: 1 };
    register.set(value);
    value.n = 2;
    expect(register.value).toEqual({ n: 1 });
  });

  it('rejects malformed state and mismatched clocks', () => {
    const register = new LWWRegister<number>({ node: 'a', clock: manualClock() });
    const bad = { type: 'lww-register', formatVersion: 1, write: { value: 1, timestamp: { wall: 1, logical: 0 } } };
    expect(() => register.merge(bad as never)).toThrow(/"write\.timestamp\.node"/);
    expect(() => register.merge({ type: 'lww-register', formatVersion: 1, write: { timestamp: {} } } as never)).toThrow(
      /"write\.value" is missing/,
    );
    expect(register.value).toBeUndefined();
    const hlc = new HybridLogicalClock({ node: 'a' });
    expect(() => new LWWRegister({ node: 'b', hlc })).toThrow(InvalidArgumentError);
  });
});

describe('LWWMap', () => {
  it('lets a delete beat older writes and lose to newer ones', async () => {
    const clock = manualClock({ now: 1_000 });
    const a = new LWWMap<number>({ node: 'a', clock });
    const b = new LWWMap<number>({ node: 'b', clock });
    a.set('x', 1);
    a.set('y', 1);
    b.merge(a);
    await clock.advance(10);
    b.delete('x');
    await clock.advance(10);
    a.set('y', 2);
    a.merge(b);
    b.merge(a);
    expect([...a.value]).toEqual([['y', 2]]);
    expect([...b.value]).toEqual([['y', 2]]);
    expect(a.has('x')).toBe(false);
    expect(a.size).toBe(1);
    await clock.advance(10);
    b.set('x', 3);
    a.merge(b);
    expect(a.get('x')).toBe(3);
  });

  it('ships only changed keys in a delta', () => {
    const map = new LWWMap<number>({ node: 'a', clock: manualClock() });
    for (let key = 0; key < 50; key++) map.set(`k${key}`, key);
    const version = map.version;
    map.delete('k3');
    const delta = map.deltaSince(version);
    expect(Object.keys(delta.entries)).toEqual(['k3']);
    expect(delta.entries.k3).toMatchObject({ deleted: true });
  });

  it('rejects malformed entries naming the key', () => {
    const map = new LWWMap<number>({ node: 'a', clock: manualClock() });
    const timestamp = { wall: 1, logical: 0, node: 'b' };
    expect(() => map.merge({ type: 'lww-map', formatVersion: 1, entries: { k: { timestamp } } } as never)).toThrow(
      /"entries\.k" needs either "value" or "deleted"/,
    );
    expect(() =>
      map.merge({ type: 'lww-map', formatVersion: 1, entries: { k: { timestamp, deleted: 'yes' } } } as never),
    ).toThrow(/"entries\.k\.deleted"/);
    expect(() => map.set(3 as never, 1)).toThrow(InvalidArgumentError);
    expect(map.size).toBe(0);
  });
});
