import { ActorStoppedError, AskTimeoutError, InvalidArgumentError, MailboxFullError } from '@troupe/core';
import { manualClock } from '@troupe/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from './actor.ts';
import type { ActorRef } from './actor-ref.ts';
import { type ActorSystem, createActorSystem } from './actor-system.ts';
import type { ActorSystemEventOf } from './system-events.ts';

/** A promise with its resolve exposed, to hold an async receive open. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Flushes microtasks and immediate callbacks. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function deadLetters(system: ActorSystem): ActorSystemEventOf<'dead-letter'>[] {
  const letters: ActorSystemEventOf<'dead-letter'>[] = [];
  system.events.on('dead-letter', (event) => letters.push(event));
  return letters;
}

let system: ActorSystem;
afterEach(async () => {
  await system?.stop({ deadlineMs: 0 });
});

describe('ordering', () => {
  it('handles one message at a time, in mailbox order, even when receive awaits', async () => {
    system = createActorSystem({ name: 'ordering' });
    let running = 0;
    let maxRunning = 0;
    const handled: number[] = [];
    const ref = system.spawn<number>(() => ({
      async receive(_context, message) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await settle();
        handled.push(message);
        running--;
      },
    }));
    for (let index = 0; index < 20; index++) ref.tell(index);
    await ref.stop({ drain: true });
    expect(maxRunning).toBe(1);
    expect(handled).toEqual(Array.from({ length: 20 }, (_, index) => index));
  });

  it('processes 1,000 tells from many async producers exactly once, each producer in order', async () => {
    system = createActorSystem({ name: 'producers' });
    const seen: string[] = [];
    const ref = system.spawn<string>(() => ({
      async receive(_context, message) {
        if (seen.length % 7 === 0) await Promise.resolve();
        seen.push(message);
      },
    }));
    const producers = Array.from({ length: 20 }, async (_, producer) => {
      for (let index = 0; index < 50; index++) {
        ref.tell(`${producer}:${index}`);
        if (index % 3 === producer % 3) await Promise.resolve();
      }
    });
    await Promise.all(producers);
    await ref.stop({ drain: true });
    expect(seen).toHaveLength(1000);
    expect(new Set(seen).size).toBe(1000);
    for (let producer = 0; producer < 20; producer++) {
      const order = seen
        .filter((entry) => entry.startsWith(`${producer}:`))
        .map((entry) => Number(entry.split(':')[1]));
      expect(order).toEqual(Array.from({ length: 50 }, (_, index) => index));
    }
  });

  it('dequeues without Array.prototype.shift at any depth', async () => {
    system = createActorSystem({ name: 'depth' });
    let total = 0;
    const ref = system.spawn<number>(() => ({
      receive(_context, message) {
        total += message;
      },
    }));
    const shift = vi.spyOn(Array.prototype, 'shift');
    for (let index = 0; index < 20_000; index++) ref.tell(1);
    expect(ref.mailboxSize).toBe(20_000);
    await settle();
    expect(total).toBe(20_000);
    expect(shift).not.toHaveBeenCalled();
    shift.mockRestore();
  });
});

describe('ask', () => {
  it('resolves with what ctx.reply passes', async () => {
    system = createActorSystem({ name: 'ask' });
    const ref = system.spawn<number>(() => ({
      async receive(context, message) {
        await Promise.resolve();
        context.reply(message * 2);
      },
    }));
    await expect(ref.ask(21)).resolves.toBe(42);
  });

  it('rejects with the error the receiver threw, and the actor goes on', async () => {
    system = createActorSystem({ name: 'ask-throws' });
    const ref = system.spawn<string>(() => ({
      receive(context, message) {
        if (message === 'bad') throw new Error('cannot handle bad');
        context.reply(`ok ${message}`);
      },
    }));
    await expect(ref.ask('bad')).rejects.toThrow('cannot handle bad');
    await expect(ref.ask('good')).resolves.toBe('ok good');
  });

  it('times out with AskTimeoutError on the injected clock', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'ask-timeout', clock });
    const ref = system.spawn(() => ({ receive() {} }), { name: 'silent' });
    const outcome = ref.ask('hello', { timeoutMs: 100 }).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await clock.advance(99);
    let settled = false;
    void outcome.then(() => {
      settled = true;
    });
    await settle();
    expect(settled).toBe(false);
    await clock.advance(1);
    const error = await outcome;
    expect(AskTimeoutError.isInstance(error)).toBe(true);
    expect((error as AskTimeoutError).timeoutMs).toBe(100);
    expect((error as AskTimeoutError).actor).toBe('/user/silent');
  });

  it('sends a reply that comes after the timeout to dead letters, not into a later ask', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'late-reply', clock });
    const letters = deadLetters(system);
    const first = gate();
    const ref = system.spawn<string>(() => ({
      async receive(context, message) {
        if (message === 'slow') await first.promise;
        context.reply(`reply to ${message}`);
      },
    }));
    const slow = ref.ask('slow', { timeoutMs: 50 });
    const slowOutcome = slow.catch((error: unknown) => error);
    await clock.advance(50);
    expect(AskTimeoutError.isInstance(await slowOutcome)).toBe(true);
    const next = ref.ask('next', { timeoutMs: 1000 });
    first.open();
    await expect(next).resolves.toBe('reply to next');
    expect(letters.map((letter) => [letter.message, letter.reason])).toEqual([['reply to slow', 'late-reply']]);
  });

  it('sends a late reply through a kept sender to dead letters too', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'kept-sender', clock });
    const letters = deadLetters(system);
    let kept: ActorRef | undefined;
    const ref = system.spawn<string>(() => ({
      receive(context, message) {
        if (message === 'keep') {
          kept = context.sender;
          return;
        }
        context.reply('fresh');
      },
    }));
    const kepts = ref.ask('keep', { timeoutMs: 10 }).catch((error: unknown) => error);
    await clock.advance(10);
    expect(AskTimeoutError.isInstance(await kepts)).toBe(true);
    await expect(ref.ask('other')).resolves.toBe('fresh');
    kept?.tell('too late');
    expect(letters.map((letter) => letter.reason)).toEqual(['late-reply']);
  });

  it('uses one clock timer for many asks with a timeout', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'one-timer', clock });
    const ref = system.spawn(() => ({ receive() {} }));
    const asks = Array.from({ length: 500 }, () => ref.ask('x', { timeoutMs: 1000 }).catch((error: unknown) => error));
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1000);
    const outcomes = await Promise.all(asks);
    expect(outcomes.every((outcome) => AskTimeoutError.isInstance(outcome))).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('times out asks with different timeouts each at its own deadline', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'mixed-timeouts', clock });
    const ref = system.spawn(() => ({ receive() {} }));
    const order: number[] = [];
    for (const timeoutMs of [300, 100, 200]) {
      ref.ask('x', { timeoutMs }).catch(() => order.push(clock.now()));
    }
    await clock.advance(1000);
    expect(order).toEqual([100, 200, 300]);
  });

  it('rejects with the abort reason when the signal fires, before or after asking', async () => {
    system = createActorSystem({ name: 'abort' });
    const ref = system.spawn(() => ({ receive() {} }));
    const controller = new AbortController();
    const pending = ref.ask('x', { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    await expect(ref.ask('x', { signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
  });

  it('rejects a bad timeout with InvalidArgumentError', async () => {
    system = createActorSystem({ name: 'bad-timeout' });
    const ref = system.spawn(() => ({ receive() {} }));
    const error = await ref.ask('x', { timeoutMs: -1 }).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
  });

  it('rejects asks still queued or unanswered when the actor stops', async () => {
    system = createActorSystem({ name: 'stop-asks' });
    const hold = gate();
    const ref = system.spawn<string>(() => ({
      async receive(_context, message) {
        if (message === 'hold') await hold.promise;
      },
    }));
    const unanswered = ref.ask('hold').catch((error: unknown) => error);
    const queued = ref.ask('queued').catch((error: unknown) => error);
    await settle();
    const stopping = ref.stop();
    hold.open();
    await stopping;
    expect(ActorStoppedError.isInstance(await queued)).toBe(true);
    expect(ActorStoppedError.isInstance(await unanswered)).toBe(true);
    expect(String(await unanswered)).toContain('without replying');
  });
});

describe('stopped actors', () => {
  it('refuse tell, send and ask with ActorStoppedError', async () => {
    system = createActorSystem({ name: 'refuse' });
    const ref = system.spawn(() => ({ receive() {} }), { name: 'gone' });
    await ref.stop();
    expect(ref.isStopped).toBe(true);
    expect(() => ref.tell('x')).toThrow(ActorStoppedError);
    await expect(ref.send('x')).rejects.toThrow(ActorStoppedError);
    const error = await ref.ask('x').catch((caught: unknown) => caught);
    expect(ActorStoppedError.isInstance(error)).toBe(true);
    expect((error as ActorStoppedError).actor).toBe('/user/gone');
  });

  it('send queued messages to dead letters on a plain stop, but handle them on a draining stop', async () => {
    system = createActorSystem({ name: 'stop-modes' });
    const letters = deadLetters(system);
    const handled: string[] = [];
    const hold = gate();
    const make = (): Actor<string> => ({
      async receive(_context, message) {
        await hold.promise;
        handled.push(message);
      },
    });
    const plain = system.spawn(make);
    const draining = system.spawn(make);
    for (const message of ['a', 'b', 'c']) {
      plain.tell(`plain-${message}`);
      draining.tell(`drain-${message}`);
    }
    await settle();
    const stops = [plain.stop(), draining.stop({ drain: true })];
    expect(() => draining.tell('late')).toThrow(ActorStoppedError);
    hold.open();
    await Promise.all(stops);
    expect(handled.filter((message) => message.startsWith('plain'))).toEqual(['plain-a']);
    expect(handled.filter((message) => message.startsWith('drain'))).toEqual(['drain-a', 'drain-b', 'drain-c']);
    expect(letters.map((letter) => [letter.message, letter.reason])).toEqual([
      ['plain-b', 'actor-stopped'],
      ['plain-c', 'actor-stopped'],
    ]);
  });

  it('stop at once, without a promise, when they have nothing to wait for (no children, no postStop)', async () => {
    system = createActorSystem({ name: 'sync-stop' });
    const stopped: string[] = [];
    system.events.on('actor-stopped', (event) => stopped.push(`${event.ref.name}:${event.reason}`));
    const idle = system.spawn(() => ({ receive() {} }), { name: 'idle' });
    const stopping = idle.stop();
    // Stopped before the promise is even awaited: no round through the microtask queue.
    expect(idle.isStopped).toBe(true);
    expect(stopped).toEqual(['idle:normal']);
    await stopping;
    // An actor with a postStop still waits for it.
    const hookDone = gate();
    const withHook = system.spawn(() => ({ receive() {}, postStop: () => hookDone.promise }), { name: 'hooked' });
    const hooked = withHook.stop();
    expect(withHook.isStopped).toBe(false);
    hookDone.open();
    await hooked;
    expect(withHook.isStopped).toBe(true);
  });

  it('stop after a synchronous receive that stopped its own actor, sending the rest to dead letters', async () => {
    system = createActorSystem({ name: 'sync-self-stop' });
    const letters = deadLetters(system);
    const handled: string[] = [];
    let stoppedInside: boolean | undefined;
    const ref = system.spawn<string>(() => ({
      receive(context, message) {
        handled.push(message);
        context.stop();
        stoppedInside = context.self.isStopped;
      },
    }));
    ref.tell('first');
    ref.tell('second');
    await settle();
    expect(stoppedInside).toBe(false);
    expect(ref.isStopped).toBe(true);
    expect(handled).toEqual(['first']);
    expect(letters.map((letter) => letter.message)).toEqual(['second']);
  });

  it('resolve stop() called after the actor stopped itself mid-message, once that message is done', async () => {
    system = createActorSystem({ name: 'self-stop' });
    const letters = deadLetters(system);
    const hold = gate();
    const handled: string[] = [];
    const ref = system.spawn<string>(() => ({
      async receive(context, message) {
        handled.push(message);
        context.stop();
        await hold.promise;
      },
    }));
    ref.tell('first');
    ref.tell('second');
    await settle();
    // ctx.stop() makes no promise; one made afterwards by stop() still resolves when the stop ends.
    const stopped = ref.stop();
    let resolved = false;
    void stopped.then(() => {
      resolved = true;
    });
    await settle();
    expect(resolved).toBe(false);
    expect(ref.isStopped).toBe(false);
    expect(() => ref.tell('late')).toThrow(ActorStoppedError);
    hold.open();
    await stopped;
    expect(ref.isStopped).toBe(true);
    expect(handled).toEqual(['first']);
    expect(letters.map((letter) => letter.message)).toEqual(['second']);
  });
});

describe('bounded mailboxes', () => {
  function blockedActor(handled: unknown[], hold: { promise: Promise<void> }): () => Actor<unknown> {
    return () => ({
      async receive(_context, message) {
        await hold.promise;
        handled.push(message);
      },
    });
  }

  it('are unbounded by default', () => {
    system = createActorSystem({ name: 'unbounded' });
    const ref = system.spawn(() => ({ receive() {} }));
    for (let index = 0; index < 50_000; index++) ref.tell(index);
    expect(ref.mailboxSize).toBe(50_000);
  });

  it("'fail' throws MailboxFullError from tell and rejects send and ask, losing nothing queued", async () => {
    system = createActorSystem({ name: 'fail' });
    const handled: unknown[] = [];
    const hold = gate();
    const ref = system.spawn(blockedActor(handled, hold), {
      name: 'small',
      mailbox: { capacity: 2, overflow: 'fail' },
    });
    ref.tell(1);
    ref.tell(2);
    let thrown: unknown;
    try {
      ref.tell(3);
    } catch (error) {
      thrown = error;
    }
    expect(MailboxFullError.isInstance(thrown)).toBe(true);
    expect((thrown as MailboxFullError).capacity).toBe(2);
    expect((thrown as MailboxFullError).actor).toBe('/user/small');
    const sent = ref.send(4);
    const asked = ref.ask(5);
    await expect(sent).rejects.toThrow(MailboxFullError);
    await expect(asked).rejects.toThrow(MailboxFullError);
    hold.open();
    await ref.stop({ drain: true });
    expect(handled).toEqual([1, 2]);
  });

  it("'block' makes send wait for space, first come first served, while tell throws", async () => {
    system = createActorSystem({ name: 'block' });
    const handled: unknown[] = [];
    const gates = [gate(), gate(), gate(), gate(), gate()];
    let index = 0;
    const ref = system.spawn<unknown>(
      () => ({
        async receive(_context, message) {
          await (gates[index++] as ReturnType<typeof gate>).promise;
          handled.push(message);
        },
      }),
      { mailbox: { capacity: 1, overflow: 'block' } },
    );
    await ref.send('a');
    await settle();
    await ref.send('b');
    expect(ref.mailboxSize).toBe(1);
    const admitted: string[] = [];
    const c = ref.send('c').then(() => admitted.push('c'));
    const d = ref.send('d').then(() => admitted.push('d'));
    expect(() => ref.tell('x')).toThrow(MailboxFullError);
    await settle();
    expect(admitted).toEqual([]);
    gates[0]?.open();
    await c;
    await settle();
    expect(admitted).toEqual(['c']);
    gates[1]?.open();
    await d;
    expect(admitted).toEqual(['c', 'd']);
    for (const each of gates) each.open();
    await ref.stop({ drain: true });
    expect(handled).toEqual(['a', 'b', 'c', 'd']);
  });

  it("'block' send honours an abort signal and its message is not delivered", async () => {
    system = createActorSystem({ name: 'block-abort' });
    const handled: unknown[] = [];
    const hold = gate();
    const ref = system.spawn(blockedActor(handled, hold), { mailbox: { capacity: 1, overflow: 'block' } });
    ref.tell('a');
    await settle();
    ref.tell('b');
    const controller = new AbortController();
    const waiting = ref.send('c', { signal: controller.signal });
    const after = ref.send('d');
    controller.abort(new Error('no longer needed'));
    await expect(waiting).rejects.toThrow('no longer needed');
    hold.open();
    await after;
    await ref.stop({ drain: true });
    expect(handled).toEqual(['a', 'b', 'd']);
  });

  it("'block' waiters are rejected with ActorStoppedError when the actor stops", async () => {
    system = createActorSystem({ name: 'block-stop' });
    const hold = gate();
    const ref = system.spawn(blockedActor([], hold), { mailbox: { capacity: 1, overflow: 'block' } });
    ref.tell('a');
    await settle();
    ref.tell('b');
    const waiting = ref.send('c');
    const stopping = ref.stop();
    await expect(waiting).rejects.toThrow(ActorStoppedError);
    hold.open();
    await stopping;
  });

  it("'drop-newest' sends the new message to dead letters", async () => {
    system = createActorSystem({ name: 'drop-newest' });
    const letters = deadLetters(system);
    const handled: unknown[] = [];
    const hold = gate();
    const ref = system.spawn(blockedActor(handled, hold), { mailbox: { capacity: 2, overflow: 'drop-newest' } });
    for (const message of [1, 2, 3]) ref.tell(message);
    expect(letters.map((letter) => [letter.message, letter.reason])).toEqual([[3, 'mailbox-full']]);
    const dropped = await ref.ask(4).catch((error: unknown) => error);
    expect(MailboxFullError.isInstance(dropped)).toBe(true);
    hold.open();
    await ref.stop({ drain: true });
    expect(handled).toEqual([1, 2]);
  });

  it("'drop-oldest' sends the oldest waiting message to dead letters and rejects its ask", async () => {
    system = createActorSystem({ name: 'drop-oldest' });
    const letters = deadLetters(system);
    const handled: unknown[] = [];
    const hold = gate();
    const ref = system.spawn(blockedActor(handled, hold), { mailbox: { capacity: 2, overflow: 'drop-oldest' } });
    const asked = ref.ask(1).catch((error: unknown) => error);
    ref.tell(2);
    ref.tell(3);
    expect(MailboxFullError.isInstance(await asked)).toBe(true);
    expect(letters.map((letter) => [letter.message, letter.reason])).toEqual([[1, 'dropped-oldest']]);
    hold.open();
    await ref.stop({ drain: true });
    expect(handled).toEqual([2, 3]);
  });

  it('reject bad mailbox options with InvalidArgumentError', () => {
    system = createActorSystem({ name: 'bad-mailbox' });
    expect(() => system.spawn(() => ({ receive() {} }), { mailbox: { capacity: 0 } })).toThrow(InvalidArgumentError);
    expect(() =>
      system.spawn(() => ({ receive() {} }), {
        mailbox: { capacity: 5, overflow: 'sometimes' as unknown as 'fail' },
      }),
    ).toThrow(InvalidArgumentError);
  });
});

describe('fairness', () => {
  it('lets other actors run while one works through a long mailbox', async () => {
    system = createActorSystem({ name: 'fairness' });
    const order: string[] = [];
    const busy = system.spawn<number>(() => ({
      receive(_context, message) {
        if (message === 0 || message === 999) order.push(`busy ${message}`);
      },
    }));
    const quiet = system.spawn<string>(() => ({
      receive(_context, message) {
        order.push(message);
      },
    }));
    for (let index = 0; index < 1000; index++) busy.tell(index);
    quiet.tell('quiet');
    await settle();
    expect(order).toEqual(['busy 0', 'quiet', 'busy 999']);
  });
});
