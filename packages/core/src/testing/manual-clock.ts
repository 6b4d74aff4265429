import type { Clock, TimerHandle } from '../clock.ts';
import { InvalidArgumentError } from '../errors.ts';

interface Timer {
  id: number;
  dueAt: number;
  callback: () => void;
}

/** A {@link Clock} that moves only when told to. */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, running every timer that falls due, in due order (ties in the
   * order they were set). After each timer it lets pending promise callbacks run, so async code
   * woken by a timer can set further timers inside the same advance.
   */
  advance(ms: number): Promise<void>;
  /** Like {@link advance}, to an absolute time. */
  advanceTo(time: number): Promise<void>;
  /** Runs timers until none are left (or `limit` ran, to catch runaway loops). Returns how many ran. */
  runAll(options?: { limit?: number }): Promise<number>;
  /** Lets pending promise callbacks and I/O callbacks run, without moving time. */
  flush(): Promise<void>;
  /** Timers set and not yet run or cleared. */
  readonly pendingTimers: number;
  /** The due time of the next timer, if any. */
  nextDueAt(): number | undefined;
}

/** Waits for the current macrotask queue to drain, which runs all queued microtasks first. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A manual clock starting at `now` (default 0). Timers never fire on their own. */
export function manualClock(options: { now?: number } = {}): ManualClock {
  let now = options.now ?? 0;
  let nextId = 1;
  const timers = new Map<number, Timer>();

  const nextTimer = (): Timer | undefined => {
    let next: Timer | undefined;
    for (const timer of timers.values()) {
      if (!next || timer.dueAt < next.dueAt || (timer.dueAt === next.dueAt && timer.id < next.id)) next = timer;
    }
    return next;
  };

  const advanceTo = async (target: number): Promise<void> => {
    if (!Number.isFinite(target)) throw new InvalidArgumentError(`Cannot advance a manual clock to ${target}.`);
    await settle();
    for (;;) {
      const timer = nextTimer();
      if (!timer || timer.dueAt > target) break;
      timers.delete(timer.id);
      now = Math.max(now, timer.dueAt);
      timer.callback();
      await settle();
    }
    now = Math.max(now, target);
    await settle();
  };

  return {
    now: () => now,
    setTimeout(callback: () => void, delayMs: number): TimerHandle {
      const id = nextId++;
      const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
      timers.set(id, { id, dueAt: now + delay, callback });
      return id;
    },
    clearTimeout(handle: TimerHandle): void {
      timers.delete(handle as number);
    },
    advance(ms: number) {
      if (!(ms >= 0)) return Promise.reject(new InvalidArgumentError(`Cannot advance a manual clock by ${ms} ms.`));
      return advanceTo(now + ms);
    },
    advanceTo,
    async runAll(runOptions = {}) {
      const limit = runOptions.limit ?? 10_000;
      let ran = 0;
      await settle();
      for (;;) {
        const timer = nextTimer();
        if (!timer) return ran;
        if (ran >= limit) {
          throw new InvalidArgumentError(`manualClock.runAll ran ${limit} timers and more keep coming.`, {
            remedy: 'A timer is probably rescheduling itself; use advance(ms) instead.',
          });
        }
        timers.delete(timer.id);
        now = Math.max(now, timer.dueAt);
        timer.callback();
        ran++;
        await settle();
      }
    },
    flush: settle,
    get pendingTimers() {
      return timers.size;
    },
    nextDueAt: () => nextTimer()?.dueAt,
  };
}
