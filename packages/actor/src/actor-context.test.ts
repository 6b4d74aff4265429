import { ActorNameTakenError, ActorStoppedError, InvalidArgumentError } from '@troupe/core';
import { manualClock } from '@troupe/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor, ActorContext } from './actor.ts';
import type { ActorRef } from './actor-ref.ts';
import { type ActorSystem, createActorSystem } from './actor-system.ts';
import type { Idle, Terminated } from './notices.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

let system: ActorSystem;
afterEach(async () => {
  await system?.stop({ deadlineMs: 0 });
});

describe('children', () => {
  it('live under their parent at named paths and are stopped before it', async () => {
    system = createActorSystem({ name: 'children' });
    const stops: string[] = [];
    const leaf = (label: string): Actor => ({
      receive() {},
      postStop() {
        stops.push(label);
      },
    });
    let child: ActorRef | undefined;
    let grandchild: ActorRef | undefined;
    const parent = system.spawn<string>(
      () => ({
        receive(context) {
          child = context.spawn(
            () => ({
              receive(inner) {
                grandchild = inner.spawn(() => leaf('grandchild'), { name: 'grandchild' });
                inner.reply('ok');
              },
              postStop() {
                stops.push('child');
              },
            }),
            { name: 'child' },
          );
          context.reply(child);
        },
        postStop() {
          stops.push('parent');
        },
      }),
      { name: 'parent' },
    );
    const spawned = await parent.ask<ActorRef>('spawn');
    await spawned.ask('spawn grandchild');
    expect(child?.path).toBe('/user/parent/child');
    expect(grandchild?.path).toBe('/user/parent/child/grandchild');
    expect(system.lookup('/user/parent/child/grandchild')).toBe(grandchild);
    expect(system.lookup('parent/child')).toBe(child);
    await parent.stop();
    expect(stops).toEqual(['grandchild', 'child', 'parent']);
    expect(child?.isStopped).toBe(true);
    expect(grandchild?.isStopped).toBe(true);
  });

  it('reject a duplicate name with ActorNameTakenError and free the name once stopped', async () => {
    system = createActorSystem({ name: 'names' });
    const first = system.spawn(() => ({ receive() {} }), { name: 'unique' });
    let thrown: unknown;
    try {
      system.spawn(() => ({ receive() {} }), { name: 'unique' });
    } catch (error) {
      thrown = error;
    }
    expect(ActorNameTakenError.isInstance(thrown)).toBe(true);
    expect((thrown as ActorNameTakenError).actor).toBe('/user/unique');
    await first.stop();
    const second = system.spawn(() => ({ receive() {} }), { name: 'unique' });
    expect(system.lookup('unique')).toBe(second);
  });

  it('reject invalid names and factories with InvalidArgumentError', () => {
    system = createActorSystem({ name: 'invalid' });
    expect(() => system.spawn(() => ({ receive() {} }), { name: 'a/b' })).toThrow(InvalidArgumentError);
    expect(() => system.spawn(() => ({ receive() {} }), { name: '' })).toThrow(InvalidArgumentError);
    expect(() => system.spawn(() => ({}) as unknown as Actor)).toThrow(InvalidArgumentError);
  });

  it('cannot be spawned under a stopping parent or on a stopped system', async () => {
    system = createActorSystem({ name: 'stopped-spawn' });
    let context: ActorContext | undefined;
    const parent = system.spawn(() => ({
      receive(ctx) {
        context = ctx;
      },
    }));
    parent.tell('capture');
    await settle();
    await parent.stop();
    expect(() => context?.spawn(() => ({ receive() {} }))).toThrow(ActorStoppedError);
    await system.stop();
    expect(() => system.spawn(() => ({ receive() {} }))).toThrow(ActorStoppedError);
  });

  it('are listed and found by name from the parent', async () => {
    system = createActorSystem({ name: 'list' });
    const parent = system.spawn(() => ({
      receive(context) {
        context.spawn(() => ({ receive() {} }), { name: 'a' });
        context.spawn(() => ({ receive() {} }));
        context.reply({
          names: context.children.map((child) => child.name),
          found: context.child('a')?.path,
        });
      },
    }));
    const answer = await parent.ask<{ names: string[]; found: string }>('go');
    expect(answer.names[0]).toBe('a');
    expect(answer.names[1]).toMatch(/^\$\d+$/);
    expect(answer.found).toBe(`${parent.path}/a`);
  });
});

describe('watch', () => {
  type WatchMessage = { type: 'watch'; ref: ActorRef } | { type: 'unwatch'; ref: ActorRef } | Terminated;

  function watcher(notices: Terminated[]): () => Actor<WatchMessage> {
    return () => ({
      receive(context, message) {
        if (message.type === 'watch') context.watch(message.ref);
        else if (message.type === 'unwatch') context.unwatch(message.ref);
        else notices.push(message);
      },
    });
  }

  it('delivers a Terminated notice with the reason: normal stop vs failure', async () => {
    system = createActorSystem({ name: 'watch' });
    const notices: Terminated[] = [];
    const observer = system.spawn(watcher(notices));
    const calm = system.spawn(() => ({ receive() {} }));
    const fragile = system.spawn(
      () => ({
        receive() {
          throw new Error('broken');
        },
      }),
      { supervision: { strategy: 'stop' } },
    );
    observer.tell({ type: 'watch', ref: calm });
    observer.tell({ type: 'watch', ref: fragile });
    await settle();
    await calm.stop();
    fragile.tell('boom');
    await settle();
    await settle();
    expect(notices.map((notice) => [notice.ref, notice.reason])).toEqual([
      [calm, 'normal'],
      [fragile, 'failure'],
    ]);
    expect(notices[1]?.error).toEqual(new Error('broken'));
  });

  it('delivers the notice at once when the watched actor is already dead', async () => {
    system = createActorSystem({ name: 'watch-dead' });
    const notices: Terminated[] = [];
    const observer = system.spawn(watcher(notices));
    const dead = system.spawn(() => ({ receive() {} }));
    await dead.stop();
    observer.tell({ type: 'watch', ref: dead });
    await settle();
    expect(notices).toHaveLength(1);
    expect(notices[0]?.ref).toBe(dead);
    expect(notices[0]?.reason).toBe('normal');
  });

  it('stops notices after unwatch, even one already queued', async () => {
    system = createActorSystem({ name: 'unwatch' });
    const notices: Terminated[] = [];
    const observer = system.spawn(watcher(notices));
    const first = system.spawn(() => ({ receive() {} }));
    const second = system.spawn(() => ({ receive() {} }));
    observer.tell({ type: 'watch', ref: first });
    observer.tell({ type: 'watch', ref: second });
    observer.tell({ type: 'unwatch', ref: first });
    await settle();
    await first.stop();
    // Queue a terminated notice, then unwatch before it is handled.
    let release = () => {};
    const blocker = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowObserverNotices: Terminated[] = [];
    const slow = system.spawn<WatchMessage | 'block'>(() => ({
      async receive(context, message) {
        if (message === 'block') {
          await blocker;
          // The notice of `second` is queued by now; unwatching must still suppress it.
          context.unwatch(second);
          return;
        }
        if (message.type === 'watch') context.watch(message.ref);
        else if (message.type === 'unwatch') context.unwatch(message.ref);
        else slowObserverNotices.push(message);
      },
    }));
    slow.tell({ type: 'watch', ref: second });
    slow.tell('block');
    await settle();
    await second.stop();
    expect(slow.mailboxSize).toBe(1);
    release();
    await settle();
    expect(notices.map((notice) => notice.ref)).toEqual([second]);
    expect(slowObserverNotices).toEqual([]);
  });
});

describe('stash', () => {
  it('holds messages back and unstashAll puts them first, in their order', async () => {
    system = createActorSystem({ name: 'stash' });
    const handled: string[] = [];
    const ref = system.spawn<string>(() => {
      let open = false;
      return {
        receive(context, message) {
          if (message === 'open') {
            open = true;
            context.unstashAll();
            return;
          }
          if (!open) {
            context.stash();
            return;
          }
          handled.push(message);
        },
      };
    });
    for (const message of ['a', 'b', 'c', 'open', 'd']) ref.tell(message);
    await ref.stop({ drain: true });
    expect(handled).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps the pending ask of a stashed message', async () => {
    system = createActorSystem({ name: 'stash-ask' });
    const ref = system.spawn<string>(() => {
      let ready = false;
      return {
        receive(context, message) {
          if (message === 'ready') {
            ready = true;
            context.unstashAll();
          } else if (!ready) context.stash();
          else context.reply(`answer to ${message}`);
        },
      };
    });
    const answer = ref.ask('question');
    await settle();
    ref.tell('ready');
    await expect(answer).resolves.toBe('answer to question');
  });

  it('cannot stash outside of receive', async () => {
    system = createActorSystem({ name: 'stash-outside' });
    let context: ActorContext | undefined;
    const ref = system.spawn(() => ({
      receive(ctx) {
        context = ctx;
      },
    }));
    ref.tell('x');
    await settle();
    expect(() => context?.stash()).toThrow(InvalidArgumentError);
  });
});

describe('idle timeout', () => {
  it('delivers an idle notice after the given time without messages, and again while idle', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'idle', clock });
    const events: string[] = [];
    const ref = system.spawn<string | Idle>(() => ({
      preStart(context) {
        context.setIdleTimeout(100);
      },
      receive(_context, message) {
        events.push(typeof message === 'string' ? message : `idle@${clock.now()}`);
      },
    }));
    await clock.advance(60);
    ref.tell('work');
    await clock.advance(99);
    expect(events).toEqual(['work']);
    await clock.advance(1);
    expect(events).toEqual(['work', 'idle@160']);
    await clock.advance(100);
    expect(events).toEqual(['work', 'idle@160', 'idle@260']);
  });

  it('is turned off with undefined and cleared on stop', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'idle-off', clock });
    const idles: number[] = [];
    const ref = system.spawn<string | Idle>(() => ({
      preStart(context) {
        context.setIdleTimeout(50);
      },
      receive(context, message) {
        if (message === 'off') context.setIdleTimeout(undefined);
        else if (typeof message !== 'string') idles.push(clock.now());
      },
    }));
    await clock.advance(50);
    ref.tell('off');
    await clock.advance(500);
    expect(idles).toEqual([50]);
    const other = system.spawn<Idle>(() => ({
      preStart(context) {
        context.setIdleTimeout(50);
      },
      receive() {
        idles.push(-1);
      },
    }));
    await settle();
    await other.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('timers', () => {
  it('deliver a scheduled message after its delay, once or repeatedly, and stop when cancelled', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'timers', clock });
    const events: string[] = [];
    const ref = system.spawn<string>(() => ({
      receive(context, message) {
        if (message === 'start') {
          context.schedule('once', 30);
          context.schedule('tick', 20, { key: 'ticker', repeat: true });
          const cancelled = context.schedule('never', 10);
          cancelled.cancel();
          return;
        }
        if (message === 'halt') {
          context.cancelTimer('ticker');
          return;
        }
        events.push(`${message}@${clock.now()}`);
      },
    }));
    ref.tell('start');
    await clock.advance(65);
    ref.tell('halt');
    await clock.advance(100);
    expect(events).toEqual(['tick@20', 'once@30', 'tick@40', 'tick@60']);
  });

  it('replace a pending timer with the same key', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'timer-key', clock });
    const events: string[] = [];
    const ref = system.spawn<string>(() => ({
      receive(context, message) {
        if (message === 'arm') {
          context.schedule('first', 10, { key: 'k' });
          context.schedule('second', 20, { key: 'k' });
          return;
        }
        events.push(`${message}@${clock.now()}`);
      },
    }));
    ref.tell('arm');
    await clock.advance(100);
    expect(events).toEqual(['second@20']);
  });

  it('are cancelled when the actor stops', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'timer-stop', clock });
    const ref = system.spawn<string>(() => ({
      receive(context) {
        context.schedule('later', 1000, { repeat: true });
      },
    }));
    ref.tell('arm');
    await settle();
    expect(clock.pendingTimers).toBe(1);
    await ref.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('sender and reply', () => {
  it('replies to the actor passed as sender', async () => {
    system = createActorSystem({ name: 'ping-pong' });
    const received: string[] = [];
    const ponger = system.spawn<string>(() => ({
      receive(context, message) {
        context.reply(`pong ${message}`);
      },
    }));
    const pinger = system.spawn<string>(() => ({
      receive(context, message) {
        if (message === 'start') ponger.tell('one', context.self);
        else received.push(message);
      },
    }));
    pinger.tell('start');
    await settle();
    expect(received).toEqual(['pong one']);
  });

  it('answers an ask forwarded to another actor', async () => {
    system = createActorSystem({ name: 'forward' });
    const worker = system.spawn<number>(() => ({
      async receive(context, message) {
        await Promise.resolve();
        context.reply(message + 1);
      },
    }));
    const front = system.spawn<number>(() => ({
      receive(context, message) {
        worker.tell(message, context.sender);
      },
    }));
    await expect(front.ask(41)).resolves.toBe(42);
    await front.stop();
  });

  it('rejects an ask with ctx.replyError without failing the actor', async () => {
    system = createActorSystem({ name: 'reply-error' });
    const ref = system.spawn<string>(() => ({
      receive(context, message) {
        if (message === 'bad') context.replyError(new Error('bad input'));
        else context.reply('fine');
      },
    }));
    await expect(ref.ask('bad')).rejects.toThrow('bad input');
    await expect(ref.ask('good')).resolves.toBe('fine');
  });

  it('sends a reply with no sender to dead letters', async () => {
    system = createActorSystem({ name: 'no-sender' });
    const letters: unknown[] = [];
    system.events.on('dead-letter', (event) => letters.push([event.message, event.reason]));
    const ref = system.spawn(() => ({
      receive(context) {
        expect(context.sender).toBeUndefined();
        context.reply('anyone?');
      },
    }));
    ref.tell('x');
    await settle();
    expect(letters).toEqual([['anyone?', 'no-sender']]);
  });

  it('exposes self, parent and system', async () => {
    system = createActorSystem({ name: 'context' });
    const parent = system.spawn(() => ({
      receive(context) {
        const child = context.spawn(() => ({
          receive(inner) {
            inner.reply({ parent: inner.parent, self: inner.self, system: inner.system.name });
          },
        }));
        child.tell('who', context.sender);
        expect(context.parent).toBeUndefined();
      },
    }));
    const answer = await parent.ask<{ parent: ActorRef; self: ActorRef; system: string }>('go');
    expect(answer.parent).toBe(parent);
    expect(answer.self.path.startsWith(`${parent.path}/`)).toBe(true);
    expect(answer.system).toBe('context');
  });
});
