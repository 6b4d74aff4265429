import { AskTimeoutError, type Clock, type TimerHandle } from '@troupe/core';
import type { AskRecord } from './ask-record.ts';
import { RingQueue } from './ring-queue.ts';

/**
 * The one timer structure behind every ask timeout of a system. Asks with the same `timeoutMs` get
 * deadlines in the order they were made, so each distinct timeout is a FIFO queue and its head is
 * its earliest deadline. One clock timer is armed for the earliest head overall. A settled ask is
 * popped lazily when it reaches the head, which (replies usually arriving in order) keeps queues
 * short. Cost per ask: a clock read and a queue push, instead of a host timer each.
 */
export class AskTimeouts {
  private readonly queues = new Map<number, RingQueue<AskRecord>>();
  private handle: TimerHandle | undefined = undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  // The queue of the most recent timeout value: most programs use one or two.
  private lastTimeoutMs = -1;
  private lastQueue: RingQueue<AskRecord> | undefined = undefined;

  constructor(private readonly clock: Clock) {}

  /** Starts the timeout of `record`. */
  add(record: AskRecord, timeoutMs: number): void {
    record.timeoutMs = timeoutMs;
    record.deadline = this.clock.now() + timeoutMs;
    this.queueFor(timeoutMs).push(record);
    if (record.deadline < this.armedAt) this.arm(record.deadline);
  }

  /** Called when `record` settled some other way: drop settled heads so the queue stays short. */
  forget(record: AskRecord): void {
    const queue = record.timeoutMs === this.lastTimeoutMs ? this.lastQueue : this.queues.get(record.timeoutMs);
    if (!queue) return;
    while (queue.size > 0 && (queue.peek() as AskRecord).settled) queue.shift();
  }

  /** Pending asks with a timeout (including settled ones not yet popped). */
  get size(): number {
    let size = 0;
    for (const queue of this.queues.values()) size += queue.size;
    return size;
  }

  /** Cancels the clock timer (the system is stopping). */
  dispose(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  private queueFor(timeoutMs: number): RingQueue<AskRecord> {
    if (timeoutMs === this.lastTimeoutMs && this.lastQueue) return this.lastQueue;
    let queue = this.queues.get(timeoutMs);
    if (!queue) {
      queue = new RingQueue<AskRecord>();
      this.queues.set(timeoutMs, queue);
    }
    this.lastTimeoutMs = timeoutMs;
    this.lastQueue = queue;
    return queue;
  }

  private arm(deadline: number): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.armedAt = deadline;
    this.handle = this.clock.setTimeout(() => this.fire(), Math.max(0, deadline - this.clock.now()));
  }

  private fire(): void {
    this.handle = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const [timeoutMs, queue] of this.queues) {
      while (queue.size > 0) {
        const head = queue.peek() as AskRecord;
        if (!head.settled && head.deadline > now) break;
        queue.shift();
        if (!head.settled) {
          head.fail(
            new AskTimeoutError(`No reply from ${head.target.path} within ${timeoutMs} ms.`, {
              actor: head.target.path,
              timeoutMs,
            }),
          );
        }
      }
      if (queue.size === 0) {
        this.queues.delete(timeoutMs);
        if (this.lastQueue === queue) {
          this.lastQueue = undefined;
          this.lastTimeoutMs = -1;
        }
      } else {
        earliest = Math.min(earliest, (queue.peek() as AskRecord).deadline);
      }
    }
    if (earliest !== Number.POSITIVE_INFINITY) this.arm(earliest);
  }
}
