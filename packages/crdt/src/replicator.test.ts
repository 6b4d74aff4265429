import { InvalidArgumentError, type Logger } from '@troupe/core';
import { type ManualClock, manualClock } from '@troupe/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { GCounter } from './g-counter.ts';
import { LWWMap } from './lww-map.ts';
import { type MemoryNetwork, memoryTransport } from './memory-transport.ts';
import { ORSet } from './or-set.ts';
import { PNCounter } from './pn-counter.ts';
import { Replicator } from './replicator.ts';
import { seededRandom } from './seeded-random.ts';
import type { Transport } from './transport.ts';

interface Replica {
  node: string;
  replicator: Replicator;
  counter: PNCounter;
  set: ORSet<string>;
  map: LWWMap<number>;
}

const open: Replicator[] = [];
afterEach(() => {
  for (const replicator of open.splice(0)) replicator.close();
});

function replica(network: MemoryNetwork, clock: ManualClock, node: string): Replica {
  const replicator = new Replicator({ node, transport: network.connect(node), clock, antiEntropyIntervalMs: 100 });
  open.push(replicator);
  const counter = new PNCounter({ node });
  const set = new ORSet<string>({ node });
  const map = new LWWMap<number>({ node, clock });
  replicator.register('counter', counter);
  replicator.register('set', set);
  replicator.register('map', map);
  return { node, replicator, counter, set, map };
}

const view = (r: Replica) => ({
  counter: r.counter.value,
  set: [...r.set.value].sort(),
  map: [...r.map.value].sort(([x], [y]) => x.localeCompare(y)),
});

function transportSpy(): Transport & { sent: unknown[]; deliver(message: unknown): void } {
  const handlers = new Set<(message: unknown) => void>();
  const sent: unknown[] = [];
  return {
    sent,
    publish: (message) => sent.push(message),
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    deliver(message) {
      for (const handler of handlers) handler(message);
    },
  };
}

describe('Replicator', () => {
  it('converges N replicas over a lossy, duplicating, reordering network after partitions heal', async () => {
    const clock = manualClock({ now: 10_000 });
    const network = memoryTransport({ clock, seed: 7, loss: 0.3, duplication: 0.2, latencyMs: 1, jitterMs: 40 });
    const replicas = ['a', 'b', 'c', 'd', 'e'].map((node) => replica(network, clock, node));
    const random = seededRandom(3);
    const work = async (rounds: number) => {
      for (let round = 0; round < rounds; round++) {
        const target = replicas[Math.floor(random() * replicas.length)] as Replica;
        const element = `item-${Math.floor(random() * 8)}`;
        const dice = random();
        if (dice < 0.3) target.counter.increment(1 + Math.floor(random() * 5));
        else if (dice < 0.4) target.counter.decrement(1);
        else if (dice < 0.65) target.set.add(element);
        else if (dice < 0.8) target.set.delete(element);
        else if (dice < 0.95) target.map.set(element, round);
        else target.map.delete(element);
        await clock.advance(Math.floor(random() * 30));
      }
    };
    await work(60);
    network.partition(['a', 'b'], ['c', 'd']);
    await work(120);
    network.heal();
    network.partition(['a', 'e'], ['b', 'c', 'd']);
    await work(60);
    network.heal();
    // Still lossy, duplicating and reordering: anti-entropy alone has to finish the job.
    await clock.advance(3_000);
    const first = view(replicas[0] as Replica);
    for (const other of replicas) expect(view(other)).toEqual(first);
    expect(network.stats.dropped).toBeGreaterThan(0);
    expect(network.stats.duplicated).toBeGreaterThan(0);
    const total = replicas.reduce((sum, r) => sum + r.counter.value, 0);
    expect(total).toBe(first.counter * replicas.length);
  });

  it('ships a local change as a delta at once, without waiting for a tick', async () => {
    const clock = manualClock();
    const network = memoryTransport({ clock });
    const a = replica(network, clock, 'a');
    const b = replica(network, clock, 'b');
    await clock.advance(250);
    const bytesBefore = network.stats.bytes;
    for (let index = 0; index < 10; index++) a.counter.increment();
    await clock.advance(1);
    expect(b.counter.value).toBe(10);
    // Ten synchronous increments went out as one small message to one peer... plus its echo.
    expect(network.stats.bytes - bytesBefore).toBeLessThan(400);
  });

  it('ignores its own echoes and keys it does not replicate, and rejects other types under a key', async () => {
    const clock = manualClock();
    const network = memoryTransport({ clock, echo: true });
    const a = replica(network, clock, 'a');
    const lonely = new Replicator({ node: 'z', transport: network.connect('z'), clock, antiEntropyIntervalMs: 100 });
    open.push(lonely);
    lonely.register('counter', new GCounter({ node: 'z' }));
    lonely.register('only-here', new PNCounter({ node: 'z' }));
    a.counter.increment(3);
    await clock.advance(150);
    expect(a.counter.value).toBe(3);
    expect(a.replicator.stats.ignored).toBeGreaterThan(0);
    expect(lonely.stats.rejected).toBeGreaterThan(0);
    expect(a.replicator.stats.rejected).toBeGreaterThan(0);
    expect(a.counter.value).toBe(3);
  });

  it('lets a late joiner catch up as soon as it announces itself', async () => {
    const clock = manualClock();
    const network = memoryTransport({ clock, latencyMs: 2 });
    const a = replica(network, clock, 'a');
    const b = replica(network, clock, 'b');
    a.counter.increment(5);
    for (let index = 0; index < 50; index++) b.set.add(`x${index}`);
    b.set.delete('x3');
    a.map.set('k', 1);
    await clock.advance(1_000);
    const late = replica(network, clock, 'late');
    // One message out, one back: well under an anti-entropy interval.
    await clock.advance(5);
    expect(view(late)).toEqual(view(a));
    expect(late.set.size).toBe(49);
  });

  it('repairs a peer that restarted from persisted state', async () => {
    const clock = manualClock();
    const network = memoryTransport({ clock });
    const a = replica(network, clock, 'a');
    const transport = network.connect('b');
    const first = new Replicator({ node: 'b', transport, clock, antiEntropyIntervalMs: 100 });
    const before = new PNCounter({ node: 'b' });
    first.register('counter', before);
    a.counter.increment(4);
    before.increment(2);
    await clock.advance(300);
    expect(a.counter.value).toBe(6);
    // b restarts from its persisted state under a new incarnation; a's memory of b's versions is void.
    first.close();
    transport.close?.();
    const restored = PNCounter.fromJSON(before.toJSON(), { node: 'b' });
    const second = new Replicator({ node: 'b', transport: network.connect('b'), clock, antiEntropyIntervalMs: 100 });
    open.push(second);
    second.register('counter', restored);
    a.counter.increment(1);
    await clock.advance(300);
    restored.increment(10);
    await clock.advance(300);
    expect(restored.value).toBe(17);
    expect(a.counter.value).toBe(17);
  });

  it('discards ORSet history once every live peer acknowledged it, and keeps it for a silent one', async () => {
    const clock = manualClock();
    const network = memoryTransport({ clock });
    const a = replica(network, clock, 'a');
    const b = replica(network, clock, 'b');
    const c = replica(network, clock, 'c');
    await clock.advance(250);
    for (let index = 0; index < 200; index++) {
      a.set.add(`e${index % 10}`);
      if (index % 2 === 0) a.set.delete(`e${index % 10}`);
      await clock.advance(1);
    }
    network.partition(['a', 'b'], ['c']);
    for (let index = 0; index < 50; index++) a.set.add(`late${index}`);
    await clock.advance(300);
    // c has not acknowledged the last changes: a keeps what c needs as a delta.
    expect(a.set.footprint.historyRanges).toBeGreaterThan(0);
    network.heal();
    await clock.advance(300);
    expect(a.set.footprint.historyRanges).toBe(0);
    expect(view(c)).toEqual(view(a));
    expect(view(b)).toEqual(view(a));
  });

  it('rejects malformed messages and invalid states without touching the CRDT', () => {
    const clock = manualClock();
    const transport = transportSpy();
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (message) => warnings.push(message) };
    const replicator = new Replicator({ node: 'a', transport, clock, logger });
    open.push(replicator);
    const counter = new PNCounter({ node: 'a' });
    counter.increment(2);
    replicator.register('counter', counter);
    transport.deliver('garbage');
    transport.deliver({ kind: 'delta', from: 'b', incarnation: 'i', key: 'counter', type: 'pn-counter', version: 1 });
    transport.deliver({
      kind: 'state',
      from: 'b',
      incarnation: 'i',
      key: 'counter',
      type: 'pn-counter',
      version: 1,
      state: { type: 'pn-counter', formatVersion: 1, increments: { b: -5 }, decrements: {} },
    });
    expect(replicator.stats.rejected).toBe(3);
    expect(warnings.join('\n')).toMatch(/not an object[\s\S]*"since"[\s\S]*failed validation/);
    expect(counter.value).toBe(2);
  });

  it('answers a digest that lags with a delta addressed to that peer', () => {
    const clock = manualClock();
    const transport = transportSpy();
    const replicator = new Replicator({ node: 'a', transport, clock, incarnation: 'a1' });
    open.push(replicator);
    const counter = new GCounter({ node: 'a' });
    replicator.register('hits', counter);
    counter.increment(1);
    counter.increment(1);
    transport.deliver({
      kind: 'digest',
      from: 'b',
      incarnation: 'b1',
      key: 'hits',
      type: 'g-counter',
      version: 0,
      acks: [{ node: 'a', incarnation: 'a1', version: 1 }],
    });
    expect(transport.sent.at(-1)).toEqual({
      kind: 'delta',
      from: 'a',
      incarnation: 'a1',
      key: 'hits',
      type: 'g-counter',
      version: 2,
      since: 1,
      state: { type: 'g-counter', formatVersion: 1, counts: { a: 2 } },
      to: 'b',
    });
  });

  it('validates its arguments and closes idempotently', async () => {
    const clock = manualClock();
    const network = memoryTransport({ clock });
    const replicator = new Replicator({ node: 'a', transport: network.connect('a'), clock });
    expect(() => replicator.register('x', new GCounter({ node: 'b' }))).toThrow(/belongs to replica "b"/);
    replicator.register('x', new GCounter({ node: 'a' }));
    expect(() => replicator.register('x', new GCounter({ node: 'a' }))).toThrow(InvalidArgumentError);
    expect(replicator.unregister('x')).toBe(true);
    expect(replicator.unregister('x')).toBe(false);
    expect(() => new Replicator({ node: 'b', transport: network.connect('b'), antiEntropyIntervalMs: 0 })).toThrow(
      /antiEntropyIntervalMs/,
    );
    replicator.close();
    replicator.close();
    const published = network.stats.published;
    await clock.advance(10_000);
    expect(network.stats.published).toBe(published);
    expect(() => replicator.register('y', new GCounter({ node: 'a' }))).toThrow(/after close/);
  });
});

describe('memoryTransport', () => {
  it('repeats the same faults for the same seed', async () => {
    const outcome = async (seed: number) => {
      const clock = manualClock();
      const network = memoryTransport({ clock, seed, loss: 0.5, duplication: 0.3, jitterMs: 10 });
      const received: unknown[] = [];
      const sender = network.connect('a');
      network.connect('b').subscribe((message) => received.push(message));
      for (let index = 0; index < 40; index++) sender.publish({ index });
      await clock.advance(20);
      return received;
    };
    const first = await outcome(5);
    expect(await outcome(5)).toEqual(first);
    expect(await outcome(6)).not.toEqual(first);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(40);
  });

  it('cuts traffic between partitions until healed and rejects bad fault settings', async () => {
    const clock = manualClock();
    const network = memoryTransport({ clock, echo: false });
    const received: unknown[] = [];
    const a = network.connect('a');
    network.connect('b').subscribe((message) => received.push(message));
    network.partition(['a'], ['b']);
    a.publish('lost');
    network.heal();
    a.publish('kept');
    await clock.advance(5);
    expect(received).toEqual(['kept']);
    expect(() => network.configure({ loss: 2 })).toThrow(InvalidArgumentError);
    expect(() => network.connect('a')).toThrow(/already connected/);
  });
});
