import { ActorStoppedError, InvalidArgumentError } from '@troupe/core';
import { manualClock } from '@troupe/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type ActorSystem, createActorSystem } from './actor-system.ts';
import type { ActorSystemEvent } from './system-events.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

let system: ActorSystem;
afterEach(async () => {
  await system?.stop({ deadlineMs: 0 });
});

describe('createActorSystem', () => {
  it('needs a name', () => {
    expect(() => createActorSystem({ name: '' })).toThrow(InvalidArgumentError);
  });

  it('keeps two systems apart', async () => {
    system = createActorSystem({ name: 'one' });
    const other = createActorSystem({ name: 'two' });
    system.spawn(() => ({ receive() {} }), { name: 'same' });
    other.spawn(() => ({ receive() {} }), { name: 'same' });
    expect(system.lookup('same')).not.toBe(other.lookup('same'));
    await other.stop();
    expect(system.lookup('same')?.isStopped).toBe(false);
  });
});

describe('lookup', () => {
  it('finds live actors by name or path, and nothing once they stop', async () => {
    system = createActorSystem({ name: 'lookup' });
    const ref = system.spawn(() => ({ receive() {} }), { name: 'counter' });
    expect(system.lookup('counter')).toBe(ref);
    expect(system.lookup('/user/counter')).toBe(ref);
    expect(system.lookup('/system/counter')).toBeUndefined();
    expect(system.lookup('missing')).toBeUndefined();
    expect(system.lookup('')).toBeUndefined();
    await ref.stop();
    expect(system.lookup('counter')).toBeUndefined();
  });
});

describe('events', () => {
  it('reports started, restarted, failed, dead-letter and stopped, until unsubscribed', async () => {
    system = createActorSystem({ name: 'events' });
    const events: ActorSystemEvent[] = [];
    const unsubscribe = system.events.subscribe((event) => events.push(event));
    const ref = system.spawn<string>(
      () => ({
        receive(_context, message) {
          if (message === 'fail') throw new Error('boom');
        },
      }),
      { name: 'eventful' },
    );
    ref.tell('fail');
    await settle();
    await ref.stop();
    expect(events.map((event) => event.type)).toEqual([
      'actor-started',
      'dead-letter',
      'actor-failed',
      'actor-restarted',
      'actor-stopped',
    ]);
    expect(events.every((event) => (event.type === 'dead-letter' ? event.recipient : event.ref) === ref)).toBe(true);
    unsubscribe();
    system.spawn(() => ({ receive() {} }));
    expect(events).toHaveLength(5);
  });

  it('keeps going when a listener throws', async () => {
    system = createActorSystem({ name: 'bad-listener' });
    const seen: string[] = [];
    system.events.subscribe(() => {
      throw new Error('listener bug');
    });
    system.events.on('actor-started', (event) => seen.push(event.ref.name));
    system.spawn(() => ({ receive() {} }), { name: 'fine' });
    expect(seen).toEqual(['fine']);
  });
});

describe('stop', () => {
  it('drains every mailbox, then stops every actor children first', async () => {
    system = createActorSystem({ name: 'drain' });
    const handled: number[] = [];
    const order: string[] = [];
    const ref = system.spawn<number>(
      () => ({
        preStart(context) {
          context.spawn(
            () => ({
              receive() {},
              postStop() {
                order.push('child');
              },
            }),
            { name: 'child' },
          );
        },
        async receive(_context, message) {
          await settle();
          handled.push(message);
        },
        postStop() {
          order.push('parent');
        },
      }),
      { name: 'worker' },
    );
    for (let index = 0; index < 20; index++) ref.tell(index);
    await system.stop();
    expect(handled).toHaveLength(20);
    expect(order).toEqual(['child', 'parent']);
    expect(system.isStopped).toBe(true);
    expect(ref.isStopped).toBe(true);
  });

  it('stops actors regardless once the deadline passes, sending what is left to dead letters', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'deadline', clock });
    const letters: unknown[] = [];
    system.events.on('dead-letter', (event) => letters.push(event.message));
    let postStopped = false;
    const ref = system.spawn<string>(() => ({
      async receive(_context, message) {
        if (message === 'hang') await new Promise(() => {});
      },
      postStop() {
        postStopped = true;
      },
    }));
    ref.tell('hang');
    ref.tell('queued');
    const stopping = system.stop({ deadlineMs: 1000 });
    await clock.advance(999);
    expect(system.isStopped).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(system.isStopped).toBe(true);
    expect(postStopped).toBe(true);
    expect(letters).toEqual(['queued']);
  });

  it('is idempotent and refuses spawns afterwards', async () => {
    system = createActorSystem({ name: 'idempotent' });
    const first = system.stop();
    expect(system.stop()).toBe(first);
    await first;
    expect(() => system.spawn(() => ({ receive() {} }))).toThrow(ActorStoppedError);
  });

  it('rejects a bad deadline', async () => {
    system = createActorSystem({ name: 'bad-deadline' });
    await expect(system.stop({ deadlineMs: -5 })).rejects.toThrow(InvalidArgumentError);
  });

  it('clears the shared ask timer', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'clear-timer', clock });
    const ref = system.spawn(() => ({ receive() {} }));
    const pending = ref.ask('x', { timeoutMs: 10_000 }).catch((error: unknown) => error);
    await system.stop();
    expect(ActorStoppedError.isInstance(await pending)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });
});
