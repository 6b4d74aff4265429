import {
  abortReason,
  type Backoff,
  type BackoffOptions,
  type BucketOptions,
  backoff,
  type Clock,
  estimateRequestTokens,
  InvalidArgumentError,
  isRetryable,
  type LanguageModel,
  type ModelChunk,
  type ModelRequest,
  RateLimiter,
  type StreamOptions,
  sleep,
  toErrorInfo,
} from '@troupe/core';
import { isAborted } from '@troupe/core/internal';
import type { ModelCallConsumer, ModelCallOptions } from './model-call.ts';

/** A rate limit shared by every session calling one model. */
export interface ModelRateLimit {
  /** Requests per interval, e.g. `{ limit: 500, intervalMs: 60_000 }`. */
  requests?: BucketOptions;
  /** Tokens per interval; each request is charged an estimate up front and settled on its usage. */
  tokens?: BucketOptions;
  /** Token estimate of a request. Default: a quarter of its characters plus `maxOutputTokens`. */
  estimateTokens?: (request: ModelRequest) => number;
}

/** Options of a {@link ModelActor}. */
export interface ModelActorOptions {
  model: LanguageModel;
  clock: Clock;
  /** Retries on retryable provider errors. Default: 4 retries, 250 ms base, 20 s cap, full jitter. */
  retry?: BackoffOptions;
  /** Model calls streaming at once, across every session. Default: unlimited. */
  concurrency?: number;
  rateLimit?: ModelRateLimit;
}

/** The actor behind each model it hands out, so an agent can take the direct path. */
const actorsByModel = new WeakMap<LanguageModel, ModelActor>();

/** The model actor `model` was handed out by, if any. */
export function modelActorOf(model: LanguageModel): ModelActor | undefined {
  return actorsByModel.get(model);
}

/**
 * The options handed to the upstream model: only the signal, read from the caller's options when
 * the model reads it (a caller may create its signal lazily).
 */
function upstreamOptionsOf(callOptions: ModelCallOptions): StreamOptions {
  return new UpstreamOptions(callOptions);
}

class UpstreamOptions implements StreamOptions {
  constructor(private readonly call: ModelCallOptions) {}

  get signal(): AbortSignal | undefined {
    return this.call.signal;
  }
}

interface SlotWaiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * The single owner of one model inside a runtime: every completion of every session goes through
 * it, so its concurrency limit and rate limit are shared. It retries retryable provider errors with
 * exponential backoff and full jitter (the provider's `retryAfterMs` wins) and tells the caller
 * through `onRetry`. Each caller gets its own upstream stream, so cancelling one caller never
 * touches another's.
 */
export class ModelActor {
  /** The model as agents see it: same provider and id, calls routed through this actor. */
  readonly model: LanguageModel;
  private readonly policy: Backoff;
  private readonly concurrency: number;
  private readonly limiter: RateLimiter | undefined;
  private readonly estimate: (request: ModelRequest) => number;
  private readonly waiters: SlotWaiter[] = [];
  private active = 0;
  private peak = 0;

  constructor(private readonly options: ModelActorOptions) {
    this.policy = backoff(options.retry);
    this.concurrency = options.concurrency ?? Number.POSITIVE_INFINITY;
    if (!(this.concurrency >= 1)) {
      throw new InvalidArgumentError(`modelConcurrency is ${options.concurrency}; it must be a number >= 1.`);
    }
    const rateLimit = options.rateLimit;
    if (rateLimit?.requests || rateLimit?.tokens) {
      const limiterOptions: ConstructorParameters<typeof RateLimiter>[0] = { clock: options.clock };
      if (rateLimit.requests) limiterOptions.requests = rateLimit.requests;
      if (rateLimit.tokens) limiterOptions.tokens = rateLimit.tokens;
      this.limiter = new RateLimiter(limiterOptions);
    }
    this.estimate = rateLimit?.tokens ? (rateLimit.estimateTokens ?? estimateRequestTokens) : () => 0;
    const upstream = options.model;
    this.model = {
      provider: upstream.provider,
      modelId: upstream.modelId,
      stream: (request, streamOptions) => this.stream(request, streamOptions),
    };
    actorsByModel.set(this.model, this);
  }

  /** Calls streaming right now, calls waiting for a slot, and the most that ever streamed at once. */
  get load(): { active: number; waiting: number; peak: number } {
    return { active: this.active, waiting: this.waiters.length, peak: this.peak };
  }

  /**
   * Streams one call into `consumer`, with the same limits, retries and `onRetry` notices as the
   * model's `stream`, without an async-iterator layer of its own: each upstream chunk is handed
   * straight to the consumer, and a promise it returns (a full event buffer) is awaited before the
   * next chunk is read. Resolves with the consumer's `end()`, so the caller needs no async frame of
   * its own. An error thrown by the consumer ends the call and is never retried; the call rejects
   * with the consumer's `failure(error)` of whatever ended it.
   */
  async consume<T>(request: ModelRequest, callOptions: ModelCallOptions, consumer: ModelCallConsumer<T>): Promise<T> {
    const upstreamOptions = upstreamOptionsOf(callOptions);
    try {
      for (let retry = 0; ; retry++) {
        const admitted = this.admit(request, callOptions);
        const estimated = typeof admitted === 'number' ? admitted : await admitted;
        let yielded = false;
        let callerFailed = false;
        let delayMs = 0;
        let usedTokens: number | undefined;
        try {
          for await (const chunk of this.options.model.stream(request, upstreamOptions)) {
            if (chunk.type === 'usage') usedTokens = chunk.usage.inputTokens + chunk.usage.outputTokens;
            yielded = true;
            callerFailed = true;
            const wait = consumer.chunk(chunk);
            if (wait !== undefined) await wait;
            callerFailed = false;
          }
          break;
        } catch (error) {
          if (callerFailed) throw error;
          delayMs = this.retryDelay({ error, retry, afterOutput: yielded, callOptions });
        } finally {
          this.release(estimated, usedTokens);
        }
        // The slot is free while we wait, so other sessions keep using the model.
        await sleep(this.options.clock, delayMs, callOptions.signal);
      }
    } catch (error) {
      throw consumer.failure(error);
    }
    return consumer.end();
  }

  private async *stream(request: ModelRequest, callOptions: ModelCallOptions = {}): AsyncGenerator<ModelChunk> {
    const upstreamOptions = upstreamOptionsOf(callOptions);
    for (let retry = 0; ; retry++) {
      const estimated = await this.admit(request, callOptions);
      let yielded = false;
      let delayMs = 0;
      let usedTokens: number | undefined;
      try {
        for await (const chunk of this.options.model.stream(request, upstreamOptions)) {
          if (chunk.type === 'usage') usedTokens = chunk.usage.inputTokens + chunk.usage.outputTokens;
          yielded = true;
          yield chunk;
        }
        return;
      } catch (error) {
        delayMs = this.retryDelay({ error, retry, afterOutput: yielded, callOptions });
      } finally {
        this.release(estimated, usedTokens);
      }
      await sleep(this.options.clock, delayMs, callOptions.signal);
    }
  }

  /**
   * Waits for the rate limit and a slot; returns the tokens charged up front. Without a rate limit
   * and with a free slot it answers at once, without a promise.
   */
  private admit(request: ModelRequest, callOptions: ModelCallOptions): number | Promise<number> {
    if (
      this.limiter === undefined &&
      this.active < this.concurrency &&
      this.waiters.length === 0 &&
      !isAborted(callOptions)
    ) {
      this.take();
      return 0;
    }
    // Waiting needs the signal itself, to stop waiting when the caller aborts.
    return this.admitLater(request, callOptions.signal);
  }

  private async admitLater(request: ModelRequest, signal: AbortSignal | undefined): Promise<number> {
    let estimated = 0;
    if (this.limiter) {
      estimated = this.estimate(request);
      await this.limiter.acquire(estimated, signal);
    }
    await this.acquireSlot(signal);
    return estimated;
  }

  private release(estimated: number, usedTokens: number | undefined): void {
    this.releaseSlot();
    if (this.limiter && usedTokens !== undefined) this.limiter.settle(estimated, usedTokens);
  }

  /** The wait before the next attempt; rethrows `error` when it must not be retried. */
  private retryDelay(attempt: {
    error: unknown;
    retry: number;
    afterOutput: boolean;
    callOptions: ModelCallOptions;
  }): number {
    const { error, retry } = attempt;
    if (isAborted(attempt.callOptions) || !isRetryable(error) || retry >= this.policy.maxRetries) throw error;
    const delayMs = this.policy.delayMs(retry, error);
    attempt.callOptions.onRetry?.({
      attempt: retry + 1,
      delayMs,
      error: toErrorInfo(error),
      afterOutput: attempt.afterOutput,
    });
    return delayMs;
  }

  private acquireSlot(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.active < this.concurrency && this.waiters.length === 0) {
      this.take();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: SlotWaiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  private take(): void {
    this.active++;
    if (this.active > this.peak) this.peak = this.active;
  }

  private releaseSlot(): void {
    this.active--;
    while (this.active < this.concurrency && this.waiters.length > 0) {
      const waiter = this.waiters.shift() as SlotWaiter;
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
      this.take();
      waiter.resolve();
    }
  }
}
