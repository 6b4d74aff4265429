import { abortReason, type Clock, systemClock, type TimerHandle } from '../clock.ts';
import { InvalidArgumentError } from '../errors.ts';

/** One bucket: at most `limit` units, refilled continuously over `intervalMs`. */
export interface BucketOptions {
  limit: number;
  /** Default 60 000 ms (a per-minute limit). */
  intervalMs?: number;
}

/**
 * A token bucket that starts full. `take` may drive the level negative (a debt, used to settle
 * actual usage after the fact); the bucket then admits nothing until refilled past zero.
 */
export class TokenBucket {
  readonly capacity: number;
  private readonly refillPerMs: number;
  private level: number;
  private updatedAt: number;

  constructor(
    options: BucketOptions,
    private readonly clock: Clock = systemClock,
  ) {
    const intervalMs = options.intervalMs ?? 60_000;
    if (!(options.limit > 0) || !Number.isFinite(options.limit)) {
      throw new InvalidArgumentError(
        `A rate limit of ${options.limit} per interval cannot admit anything; use a number > 0.`,
      );
    }
    if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
      throw new InvalidArgumentError(`A rate-limit interval of ${intervalMs} ms is invalid; use a number > 0.`);
    }
    this.capacity = options.limit;
    this.refillPerMs = options.limit / intervalMs;
    this.level = options.limit;
    this.updatedAt = clock.now();
  }

  /** Units available now. */
  available(): number {
    this.refill();
    return this.level;
  }

  /** Ms until `amount` units are available (0 when they are now). */
  waitMs(amount: number): number {
    this.refill();
    const wanted = Math.min(amount, this.capacity);
    if (this.level >= wanted) return 0;
    return Math.ceil((wanted - this.level) / this.refillPerMs);
  }

  /** Removes `amount` units (may go negative). */
  take(amount: number): void {
    this.refill();
    this.level -= amount;
  }

  /** Gives back `amount` units, never above capacity. */
  give(amount: number): void {
    this.refill();
    this.level = Math.min(this.capacity, this.level + amount);
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.updatedAt) {
      this.level = Math.min(this.capacity, this.level + (now - this.updatedAt) * this.refillPerMs);
    }
    this.updatedAt = Math.max(this.updatedAt, now);
  }
}

interface Waiter {
  tokens: number;
  resolve: () => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Options of a {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Requests per interval. */
  requests?: BucketOptions;
  /** Model tokens (input + output) per interval. */
  tokens?: BucketOptions;
  clock?: Clock;
}

/**
 * Admits work in FIFO order under a request bucket and a token bucket. One timer at a time waits
 * for the head of the queue; later waiters never overtake it.
 */
export class RateLimiter {
  private readonly requestBucket: TokenBucket | undefined;
  private readonly tokenBucket: TokenBucket | undefined;
  private readonly clock: Clock;
  private readonly waiters: Waiter[] = [];
  private head = 0;
  private timer: TimerHandle | undefined;

  constructor(options: RateLimiterOptions) {
    this.clock = options.clock ?? systemClock;
    this.requestBucket = options.requests ? new TokenBucket(options.requests, this.clock) : undefined;
    this.tokenBucket = options.tokens ? new TokenBucket(options.tokens, this.clock) : undefined;
  }

  /** Number of callers waiting. */
  get pending(): number {
    return this.waiters.length - this.head;
  }

  /** Resolves when one request estimated at `tokens` tokens may start; the units are then taken. */
  acquire(tokens = 0, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.pending === 0 && this.waitMs(tokens) === 0) {
      this.takeFor(tokens);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { tokens, resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter, this.head);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(abortReason(signal));
          this.schedule();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.schedule();
    });
  }

  /** Settles a request's token estimate against its actual usage (a debt or a refund). */
  settle(estimatedTokens: number, actualTokens: number): void {
    if (!this.tokenBucket) return;
    const difference = actualTokens - estimatedTokens;
    if (difference > 0) this.tokenBucket.take(difference);
    else if (difference < 0) this.tokenBucket.give(-difference);
  }

  private waitMs(tokens: number): number {
    return Math.max(this.requestBucket?.waitMs(1) ?? 0, this.tokenBucket?.waitMs(tokens) ?? 0);
  }

  private takeFor(tokens: number): void {
    this.requestBucket?.take(1);
    this.tokenBucket?.take(Math.min(tokens, this.tokenBucket.capacity));
  }

  private schedule(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.pending > 0) {
      const waiter = this.waiters[this.head] as Waiter;
      const wait = this.waitMs(waiter.tokens);
      if (wait > 0) {
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          this.schedule();
        }, wait);
        return;
      }
      this.head++;
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
      this.takeFor(waiter.tokens);
      waiter.resolve();
    }
    this.waiters.length = 0;
    this.head = 0;
  }
}
