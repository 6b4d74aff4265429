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
  sleep,
  toErrorInfo,
} from '@troupe/core';
import type { ModelCallOptions } from './model-call.ts';

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
  }

  /** Calls streaming right now, calls waiting for a slot, and the most that ever streamed at once. */
  get load(): { active: number; waiting: number; peak: number } {
    return { active: this.active, waiting: this.waiters.length, peak: this.peak };
  }

  private async *stream(request: ModelRequest, callOptions: ModelCallOptions = {}): AsyncGenerator<ModelChunk> {
    const signal = callOptions.signal;
    const upstreamOptions = signal ? { signal } : {};
    for (let retry = 0; ; retry++) {
      const estimated = this.estimate(request);
      if (this.limiter) await this.limiter.acquire(estimated, signal);
      await this.acquireSlot(signal);
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
        if (signal?.aborted || !isRetryable(error) || retry >= this.policy.maxRetries) throw error;
        delayMs = this.policy.delayMs(retry, error);
        callOptions.onRetry?.({ attempt: retry + 1, delayMs, error: toErrorInfo(error), afterOutput: yielded });
      } finally {
        this.releaseSlot();
        if (this.limiter && usedTokens !== undefined) this.limiter.settle(estimated, usedTokens);
      }
      // The slot is free while we wait, so other sessions keep using the model.
      await sleep(this.options.clock, delayMs, signal);
    }
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
