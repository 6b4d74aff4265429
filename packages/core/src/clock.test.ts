import { describe, expect, it } from 'vitest';
import { sleep } from './clock.ts';
import { InvalidArgumentError } from './errors.ts';
import { manualClock } from './testing/manual-clock.ts';

describe('sleep', () => {
  it('resolves when the clock reaches the delay, not before', async () => {
    const clock = manualClock();
    let done = false;
    const waiting = sleep(clock, 100).then(() => {
      done = true;
    });
    await clock.advance(99);
    expect(done).toBe(false);
    await clock.advance(1);
    await waiting;
    expect(done).toBe(true);
  });

  it('rejects at once with the abort reason and clears its timer', async () => {
    const clock = manualClock();
    const controller = new AbortController();
    const waiting = sleep(clock, 10_000, controller.signal);
    expect(clock.pendingTimers).toBe(1);
    controller.abort(new Error('caller gave up'));
    await expect(waiting).rejects.toThrow('caller gave up');
    expect(clock.pendingTimers).toBe(0);
  });

  it('resolves a zero wait without a timer', async () => {
    const clock = manualClock();
    await sleep(clock, 0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects when the signal is already aborted or the delay is invalid', async () => {
    const clock = manualClock();
    await expect(sleep(clock, 5, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    await expect(sleep(clock, -1)).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
  });
});

describe('manualClock', () => {
  it('runs due timers in due order, ties in the order they were set', async () => {
    const clock = manualClock({ now: 1000 });
    const order: string[] = [];
    clock.setTimeout(() => order.push('c@30'), 30);
    clock.setTimeout(() => order.push('a@10'), 10);
    clock.setTimeout(() => order.push('b@10'), 10);
    const cancelled = clock.setTimeout(() => order.push('never'), 20);
    clock.clearTimeout(cancelled);
    await clock.advance(25);
    expect(order).toEqual(['a@10', 'b@10']);
    expect(clock.now()).toBe(1025);
    await clock.advance(5);
    expect(order).toEqual(['a@10', 'b@10', 'c@30']);
  });

  it('runs timers set by async code woken within the same advance', async () => {
    const clock = manualClock();
    const seen: number[] = [];
    const loop = async () => {
      for (let index = 0; index < 3; index++) {
        await sleep(clock, 10);
        seen.push(clock.now());
      }
    };
    const running = loop();
    await clock.advance(30);
    await running;
    expect(seen).toEqual([10, 20, 30]);
  });

  it('runAll stops runaway timers with a clear error', async () => {
    const clock = manualClock();
    const again = () => clock.setTimeout(again, 1);
    again();
    await expect(clock.runAll({ limit: 50 })).rejects.toThrow(/runAll ran 50 timers/);
  });

  it('reports the next due time and refuses to go backwards', async () => {
    const clock = manualClock();
    clock.setTimeout(() => {}, 40);
    expect(clock.nextDueAt()).toBe(40);
    await expect(clock.advance(-1)).rejects.toThrow(/Cannot advance/);
    expect(await clock.runAll()).toBe(1);
  });
});
