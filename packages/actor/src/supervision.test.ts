import { InvalidArgumentError, type Logger } from '@troupe/core';
import { manualClock } from '@troupe/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from './actor.ts';
import type { ActorRef } from './actor-ref.ts';
import { type ActorSystem, createActorSystem } from './actor-system.ts';
import type { Terminated } from './notices.ts';
import { resolveSupervision, restartDelayMs } from './supervision.ts';
import type { ActorSystemEvent } from './system-events.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

let system: ActorSystem;
afterEach(async () => {
  await system?.stop({ deadlineMs: 0 });
});

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return {
    errors,
    debug() {},
    info() {},
    warn() {},
    error(message) {
      errors.push(message);
    },
  };
}

/** An actor that records its lifecycle and throws on 'fail'. */
function lifecycleActor(log: string[], instances: { count: number }): () => Actor<string> {
  return () => {
    const instance = ++instances.count;
    let handled = 0;
    return {
      preStart() {
        log.push(`preStart ${instance}`);
      },
      receive(context, message) {
        if (message === 'fail') throw new Error(`failure in ${instance}`);
        handled++;
        log.push(`receive ${instance} ${message}`);
        context.reply(handled);
      },
      preRestart(_context, error) {
        log.push(`preRestart ${instance} (${(error as Error).message})`);
      },
      postStop() {
        log.push(`postStop ${instance}`);
      },
    };
  };
}

describe('restart', () => {
  it('runs preRestart and postStop on the old instance, then preStart on a new one', async () => {
    system = createActorSystem({ name: 'hooks' });
    const log: string[] = [];
    const ref = system.spawn(lifecycleActor(log, { count: 0 }));
    ref.tell('a');
    ref.tell('fail');
    ref.tell('b');
    await settle();
    await ref.stop();
    expect(log).toEqual([
      'preStart 1',
      'receive 1 a',
      'preRestart 1 (failure in 1)',
      'postStop 1',
      'preStart 2',
      'receive 2 b',
      'postStop 2',
    ]);
  });

  it('sends the failed message to dead letters and keeps the rest of the mailbox for the new instance', async () => {
    system = createActorSystem({ name: 'keep-mailbox' });
    const letters: unknown[] = [];
    system.events.on('dead-letter', (event) => {
      // Replies to plain tells have no sender; only the failed message matters here.
      if (event.reason !== 'no-sender') letters.push([event.message, event.reason]);
    });
    const log: string[] = [];
    const ref = system.spawn(lifecycleActor(log, { count: 0 }));
    for (const message of ['a', 'b', 'fail', 'c', 'd']) ref.tell(message);
    await settle();
    expect(letters).toEqual([['fail', 'failed']]);
    expect(log.filter((line) => line.startsWith('receive'))).toEqual([
      'receive 1 a',
      'receive 1 b',
      'receive 2 c',
      'receive 2 d',
    ]);
    // State was reset: the new instance counts from 1 again.
    await expect(ref.ask('e')).resolves.toBe(3);
  });

  it('waits an exponential backoff between restarts, on the injected clock', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'backoff', clock });
    const restarts: number[] = [];
    system.events.on('actor-restarted', () => restarts.push(clock.now()));
    const log: string[] = [];
    const ref = system.spawn(lifecycleActor(log, { count: 0 }), {
      supervision: {
        strategy: 'restart',
        maxRestarts: 5,
        withinMs: 60_000,
        backoff: { minMs: 100, maxMs: 250, jitter: 0 },
      },
    });
    ref.tell('fail');
    ref.tell('queued');
    await clock.advance(99);
    expect(restarts).toEqual([]);
    expect(log).not.toContain('receive 2 queued');
    await clock.advance(1);
    expect(restarts).toEqual([100]);
    expect(log).toContain('receive 2 queued');
    ref.tell('fail');
    await clock.advance(200);
    expect(restarts).toEqual([100, 300]);
    ref.tell('fail');
    await clock.advance(250);
    // 100 * 2^2 = 400 is capped at maxMs 250.
    expect(restarts).toEqual([100, 300, 550]);
  });

  it('adds jitter between min and max', () => {
    const low = resolveSupervision({ backoff: { minMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0 } });
    const high = resolveSupervision({ backoff: { minMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0.999 } });
    expect(restartDelayMs(low, 0)).toBe(100);
    expect(restartDelayMs(high, 0)).toBe(150);
    expect(restartDelayMs(high, 1)).toBe(300);
    expect(restartDelayMs(high, 10)).toBe(1000);
    expect(restartDelayMs(resolveSupervision({}), 3)).toBe(0);
  });

  it('stops the actor after maxRestarts within the window, and counts afresh once the window passes', async () => {
    const clock = manualClock();
    system = createActorSystem({ name: 'max-restarts', clock });
    const log: string[] = [];
    const instances = { count: 0 };
    const stopped: ActorSystemEvent[] = [];
    system.events.on('actor-stopped', (event) => stopped.push(event));
    const ref = system.spawn(lifecycleActor(log, instances), {
      supervision: { strategy: 'restart', maxRestarts: 2, withinMs: 1000 },
    });
    ref.tell('fail');
    ref.tell('fail');
    await settle();
    expect(instances.count).toBe(3);
    await clock.advance(1000);
    ref.tell('fail');
    ref.tell('fail');
    await settle();
    expect(instances.count).toBe(5);
    expect(ref.isStopped).toBe(false);
    ref.tell('fail');
    await settle();
    expect(instances.count).toBe(5);
    expect(ref.isStopped).toBe(true);
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({ reason: 'failure' });
  });

  it('handles a failing preStart by supervision too', async () => {
    system = createActorSystem({ name: 'prestart-fails' });
    let attempts = 0;
    const ref = system.spawn<string>(() => ({
      preStart() {
        attempts++;
        if (attempts < 3) throw new Error('not ready');
      },
      receive(context, message) {
        context.reply(`${message} after ${attempts} starts`);
      },
    }));
    await expect(ref.ask('hello')).resolves.toBe('hello after 3 starts');
  });

  it('rejects bad supervision options with InvalidArgumentError', () => {
    system = createActorSystem({ name: 'bad-supervision' });
    const spawnWith = (supervision: object) => () =>
      system.spawn(() => ({ receive() {} }), { supervision: supervision as never });
    expect(spawnWith({ strategy: 'retry' })).toThrow(InvalidArgumentError);
    expect(spawnWith({ backoff: { minMs: 10, maxMs: 5 } })).toThrow(InvalidArgumentError);
    expect(spawnWith({ maxRestarts: -1 })).toThrow(InvalidArgumentError);
  });
});

describe('stop during a restart', () => {
  it('runs postStop once for the failed instance and starts no new one', async () => {
    system = createActorSystem({ name: 'stop-mid-restart' });
    const log: string[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let instances = 0;
    const ref = system.spawn<string>(() => {
      const instance = ++instances;
      return {
        receive() {
          throw new Error('boom');
        },
        async preRestart() {
          log.push(`preRestart ${instance}`);
          await held;
        },
        postStop() {
          log.push(`postStop ${instance}`);
        },
      };
    });
    ref.tell('fail');
    await settle();
    const stopping = ref.stop();
    release();
    await stopping;
    expect(log).toEqual(['preRestart 1', 'postStop 1']);
    expect(instances).toBe(1);
  });
});

describe('resume, stop and escalate', () => {
  it('resume keeps the state and goes on with the next message', async () => {
    system = createActorSystem({ name: 'resume' });
    const log: string[] = [];
    const instances = { count: 0 };
    const ref = system.spawn(lifecycleActor(log, instances), { supervision: { strategy: 'resume' } });
    ref.tell('a');
    ref.tell('fail');
    await expect(ref.ask('b')).resolves.toBe(2);
    expect(instances.count).toBe(1);
    expect(log).not.toContain('preRestart 1 (failure in 1)');
  });

  it('stop stops the actor, sends the rest of its mailbox to dead letters and rejects waiting asks', async () => {
    system = createActorSystem({ name: 'stop' });
    const letters: unknown[] = [];
    system.events.on('dead-letter', (event) => {
      if (event.reason !== 'no-sender') letters.push([event.message, event.reason]);
    });
    const log: string[] = [];
    const ref = system.spawn(lifecycleActor(log, { count: 0 }), { supervision: { strategy: 'stop' } });
    ref.tell('fail');
    const waiting = ref.ask('after');
    await expect(waiting).rejects.toMatchObject({ code: 'ACTOR_STOPPED' });
    await settle();
    expect(ref.isStopped).toBe(true);
    expect(letters).toEqual([
      ['fail', 'failed'],
      ['after', 'actor-stopped'],
    ]);
    expect(log).toEqual(['preStart 1', 'postStop 1']);
  });

  it('escalate stops the child and fails the parent, whose own strategy decides', async () => {
    system = createActorSystem({ name: 'escalate' });
    const log: string[] = [];
    let parentInstances = 0;
    const parent = system.spawn<string>(
      () => {
        const instance = ++parentInstances;
        let child: ActorRef<string> | undefined;
        return {
          preStart(context) {
            log.push(`parent preStart ${instance}`);
            child = context.spawn<string>(
              () => ({
                receive() {
                  throw new Error('child cannot cope');
                },
              }),
              { name: 'worker', supervision: { strategy: 'escalate' } },
            );
          },
          receive(context, message) {
            if (message === 'delegate') child?.tell('work');
            else context.reply(`parent ${instance}`);
          },
          preRestart(_context, error) {
            log.push(`parent preRestart ${instance} (${(error as Error).message})`);
          },
        };
      },
      { name: 'boss' },
    );
    parent.tell('delegate');
    await settle();
    await settle();
    expect(log).toEqual(['parent preStart 1', 'parent preRestart 1 (child cannot cope)', 'parent preStart 2']);
    await expect(parent.ask('who')).resolves.toBe('parent 2');
    expect(system.lookup('boss/worker')).toBeDefined();
  });

  it('escalate at the top level stops the actor and logs the failure', async () => {
    const logger = recordingLogger();
    system = createActorSystem({ name: 'escalate-top', logger });
    const notices: Terminated[] = [];
    const ref = system.spawn(
      () => ({
        receive() {
          throw new Error('nobody above');
        },
      }),
      { supervision: { strategy: 'escalate' } },
    );
    const watcher = system.spawn<Terminated | 'watch'>(() => ({
      receive(context, message) {
        if (message === 'watch') context.watch(ref);
        else notices.push(message);
      },
    }));
    watcher.tell('watch');
    await settle();
    ref.tell('x');
    await settle();
    await settle();
    expect(ref.isStopped).toBe(true);
    expect(notices[0]?.reason).toBe('failure');
    expect(logger.errors.some((line) => line.includes('escalated'))).toBe(true);
  });
});

describe('hook errors', () => {
  it('reports an error thrown in postStop and never crashes the system', async () => {
    const logger = recordingLogger();
    system = createActorSystem({ name: 'post-stop', logger });
    const failures: ActorSystemEvent[] = [];
    system.events.on('actor-failed', (event) => failures.push(event));
    const ref = system.spawn(() => ({
      receive() {},
      postStop() {
        throw new Error('cleanup went wrong');
      },
    }));
    await ref.stop();
    expect(ref.isStopped).toBe(true);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ phase: 'post-stop', directive: 'reported' });
    expect(logger.errors.some((line) => line.includes('post-stop'))).toBe(true);
    const other = system.spawn<string>(() => ({
      receive(context, message) {
        context.reply(message);
      },
    }));
    await expect(other.ask('still alive')).resolves.toBe('still alive');
  });

  it('reports an async postStop rejection during restart and still restarts', async () => {
    system = createActorSystem({ name: 'async-post-stop' });
    const failures: string[] = [];
    system.events.on('actor-failed', (event) => failures.push(event.phase));
    let instances = 0;
    const ref = system.spawn<string>(() => {
      const instance = ++instances;
      return {
        receive(context, message) {
          if (message === 'fail') throw new Error('boom');
          context.reply(instance);
        },
        async postStop() {
          await Promise.resolve();
          throw new Error('async cleanup failed');
        },
      };
    });
    ref.tell('fail');
    await expect(ref.ask('who')).resolves.toBe(2);
    expect(failures).toEqual(['receive', 'post-stop']);
  });
});
