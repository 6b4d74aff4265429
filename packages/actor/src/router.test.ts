import { ActorStoppedError, InvalidArgumentError } from '@troupe/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from './actor.ts';
import type { ActorRef } from './actor-ref.ts';
import { type ActorSystem, createActorSystem } from './actor-system.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

let system: ActorSystem;
afterEach(async () => {
  await system?.stop({ deadlineMs: 0 });
});

/** Routees that record which of them handled which message, and answer asks with their label. */
function recorders(count: number, handled: Map<string, unknown[]>): ActorRef<unknown>[] {
  return Array.from({ length: count }, (_, index) => {
    const label = `r${index}`;
    handled.set(label, []);
    return system.spawn<unknown>(
      () => ({
        receive(context, message) {
          handled.get(label)?.push(message);
          context.reply(label);
        },
      }),
      { name: label },
    );
  });
}

describe('routers', () => {
  it('round-robin takes turns', async () => {
    system = createActorSystem({ name: 'round-robin' });
    const handled = new Map<string, unknown[]>();
    const router = system.spawnRouter({ kind: 'round-robin', routees: recorders(3, handled) });
    for (let index = 0; index < 7; index++) router.tell(index);
    await settle();
    expect([...handled.values()]).toEqual([
      [0, 3, 6],
      [1, 4],
      [2, 5],
    ]);
  });

  it('random picks with the injected randomness', async () => {
    system = createActorSystem({ name: 'random' });
    const handled = new Map<string, unknown[]>();
    const picks = [0.9, 0.1, 0.5, 0.95];
    const router = system.spawnRouter({
      kind: 'random',
      routees: recorders(3, handled),
      random: () => picks.shift() ?? 0,
    });
    for (const message of ['a', 'b', 'c', 'd']) router.tell(message);
    await settle();
    expect([...handled.values()]).toEqual([['b'], ['c'], ['a', 'd']]);
  });

  it('broadcast tells every routee, and an ask gathers every reply', async () => {
    system = createActorSystem({ name: 'broadcast' });
    const handled = new Map<string, unknown[]>();
    const router = system.spawnRouter({ kind: 'broadcast', routees: recorders(3, handled) });
    router.tell('hello');
    await expect(router.ask('roll call')).resolves.toEqual(['r0', 'r1', 'r2']);
    expect([...handled.values()]).toEqual([
      ['hello', 'roll call'],
      ['hello', 'roll call'],
      ['hello', 'roll call'],
    ]);
  });

  it('consistent-hash sends the same key to the same routee', async () => {
    system = createActorSystem({ name: 'hash' });
    const handled = new Map<string, unknown[]>();
    const router = system.spawnRouter<{ user: string; n: number }>({
      kind: 'consistent-hash',
      routees: recorders(5, handled) as ActorRef<{ user: string; n: number }>[],
      key: (message) => message.user,
    });
    for (let n = 0; n < 50; n++) router.tell({ user: `user-${n % 10}`, n });
    await settle();
    const owners = new Map<string, string>();
    for (const [label, messages] of handled) {
      for (const message of messages as { user: string }[]) {
        expect(owners.get(message.user) ?? label).toBe(label);
        owners.set(message.user, label);
      }
    }
    expect(owners.size).toBe(10);
  });

  it('consistent-hash moves at most ~15% of 10,000 keys when an 11th routee joins', () => {
    system = createActorSystem({ name: 'hash-move' });
    const routees = Array.from({ length: 11 }, (_, index) =>
      system.spawn(() => ({ receive() {} }), { name: `n${index}` }),
    );
    const router = system.spawnRouter<string>({
      kind: 'consistent-hash',
      routees: routees.slice(0, 10) as ActorRef<string>[],
      key: (message) => message,
    });
    // The router picks by key; read its choice through mailbox growth of each routee.
    const owner = (key: string): ActorRef => {
      const before = routees.map((routee) => routee.mailboxSize);
      router.tell(key);
      const index = routees.findIndex((routee, position) => routee.mailboxSize > (before[position] as number));
      return routees[index] as ActorRef;
    };
    const keys = Array.from({ length: 10_000 }, (_, index) => `session-${index}`);
    const before = keys.map(owner);
    const load = new Map<ActorRef, number>();
    for (const ref of before) load.set(ref, (load.get(ref) ?? 0) + 1);
    // Balanced within ±25% of the 1,000 keys each routee expects.
    for (const count of load.values()) expect(Math.abs(count - 1000)).toBeLessThan(250);
    router.addRoutee(routees[10] as ActorRef<string>);
    const after = keys.map(owner);
    const moved = keys.filter((_, index) => before[index] !== after[index]).length;
    expect(moved).toBeLessThanOrEqual(1500);
    expect(moved).toBeGreaterThan(500);
    expect(keys.every((_, index) => before[index] === after[index] || after[index] === routees[10])).toBe(true);
  });

  it('consistent-hash requires a key function', () => {
    system = createActorSystem({ name: 'hash-key' });
    expect(() => system.spawnRouter({ kind: 'consistent-hash', routees: [] })).toThrow(InvalidArgumentError);
    expect(() => system.spawnRouter({ kind: 'sideways' as 'random', routees: [] })).toThrow(InvalidArgumentError);
  });

  it('least-loaded picks the routee with the fewest waiting or running messages', async () => {
    system = createActorSystem({ name: 'least-loaded' });
    const handled = new Map<string, unknown[]>();
    const routees = recorders(3, handled);
    routees[0]?.tell('busy');
    routees[0]?.tell('busy');
    routees[1]?.tell('busy');
    const router = system.spawnRouter({ kind: 'least-loaded', routees });
    router.tell('x');
    router.tell('y');
    router.tell('z');
    await settle();
    // Loads were 2, 1, 0: x evens r2 with r1, y goes to the first of the least loaded, z to r2.
    expect(handled.get('r2')).toEqual(['x', 'z']);
    expect(handled.get('r1')).toEqual(['busy', 'y']);
    expect(handled.get('r0')).toEqual(['busy', 'busy']);
  });

  it('answers an ask through the router', async () => {
    system = createActorSystem({ name: 'router-ask' });
    const router = system.spawnRouter<number>({
      kind: 'round-robin',
      routees: {
        count: 2,
        behavior: (): Actor<number> => ({
          receive(context, message) {
            context.reply(`${context.self.name}:${message * 2}`);
          },
        }),
      },
      name: 'doublers',
    });
    await expect(router.ask(1)).resolves.toBe('routee-1:2');
    await expect(router.ask(2)).resolves.toBe('routee-2:4');
    expect(router.routees.map((routee) => routee.path)).toEqual(['/user/doublers/routee-1', '/user/doublers/routee-2']);
    // A ref found by name routes the same way, through the router's own actor.
    const found = system.lookup<number>('doublers');
    await expect(found?.ask(5)).resolves.toBe('routee-1:10');
  });

  it('removes a routee that dies, and keeps one that restarts under supervision', async () => {
    system = createActorSystem({ name: 'router-deaths' });
    const fragile = (): Actor<string> => ({
      receive(context, message) {
        if (message === 'die') throw new Error('gone');
        context.reply(context.self.name);
      },
    });
    const stopping = system.spawnRouter<string>({
      kind: 'round-robin',
      routees: { count: 2, behavior: fragile, supervision: { strategy: 'stop' } },
    });
    stopping.tell('die');
    await settle();
    expect(stopping.routees.map((routee) => routee.name)).toEqual(['routee-2']);
    await expect(stopping.ask('who')).resolves.toBe('routee-2');
    await expect(stopping.ask('who')).resolves.toBe('routee-2');

    const restarting = system.spawnRouter<string>({
      kind: 'round-robin',
      routees: { count: 2, behavior: fragile, supervision: { strategy: 'restart' } },
    });
    restarting.tell('die');
    await settle();
    expect(restarting.routees).toHaveLength(2);
    await expect(restarting.ask('who')).resolves.toBe('routee-2');
    await expect(restarting.ask('who')).resolves.toBe('routee-1');
  });

  it('refuses messages with ActorStoppedError when no routee is left, and after stop', async () => {
    system = createActorSystem({ name: 'router-empty' });
    const only = system.spawn(() => ({ receive() {} }));
    const router = system.spawnRouter({ kind: 'round-robin', routees: [only] });
    await only.stop();
    expect(router.routees).toEqual([]);
    expect(() => router.tell('x')).toThrow(ActorStoppedError);
    await expect(router.ask('x')).rejects.toThrow(ActorStoppedError);
    router.addRoutee(system.spawn(() => ({ receive() {} })));
    router.tell('works again');
    await router.stop();
    expect(router.isStopped).toBe(true);
    expect(() => router.tell('x')).toThrow(ActorStoppedError);
  });

  it('stops its pool routees with it but leaves given routees running', async () => {
    system = createActorSystem({ name: 'router-stop' });
    const given = system.spawn(() => ({ receive() {} }));
    const group = system.spawnRouter({ kind: 'broadcast', routees: [given] });
    const pool = system.spawnRouter({ kind: 'broadcast', routees: { count: 2, behavior: () => ({ receive() {} }) } });
    const poolRoutees = pool.routees;
    await group.stop();
    await pool.stop();
    expect(given.isStopped).toBe(false);
    expect(poolRoutees.every((routee) => routee.isStopped)).toBe(true);
  });
});
