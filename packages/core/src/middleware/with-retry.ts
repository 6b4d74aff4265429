import { type Clock, sleep, systemClock } from '../clock.ts';
import type { ModelChunk, ModelRequest, StreamOptions } from '../model.ts';
import { type BackoffOptions, backoff, isRetryable } from './backoff.ts';
import type { ModelMiddleware } from './wrap-model.ts';

/** What `onRetry` is told before each wait. */
export interface RetryNotice {
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  error: unknown;
  /** True when chunks of the failed attempt already reached the consumer. */
  afterOutput: boolean;
}

/** Options of {@link withRetry}. */
export interface RetryOptions extends BackoffOptions {
  clock?: Clock;
  /**
   * Retry even when chunks were already yielded (the consumer then sees the restarted output after
   * the partial one, and should use `onRetry` to discard it). Default false: such errors pass through.
   */
  retryAfterOutput?: boolean;
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * Retries retryable provider errors with exponential backoff and full jitter, honouring the
 * provider's `retryAfterMs`. Non-retryable errors pass straight through; aborting the signal cuts
 * a wait short.
 */
export function withRetry(options: RetryOptions = {}): ModelMiddleware {
  const policy = backoff(options);
  const clock = options.clock ?? systemClock;
  return (model) => ({
    provider: model.provider,
    modelId: model.modelId,
    async *stream(request: ModelRequest, streamOptions?: StreamOptions): AsyncIterable<ModelChunk> {
      for (let retry = 0; ; retry++) {
        let yielded = false;
        try {
          for await (const chunk of model.stream(request, streamOptions)) {
            yielded = true;
            yield chunk;
          }
          return;
        } catch (error) {
          const canRetry =
            isRetryable(error) &&
            retry < policy.maxRetries &&
            (!yielded || options.retryAfterOutput === true) &&
            !streamOptions?.signal?.aborted;
          if (!canRetry) throw error;
          const delayMs = policy.delayMs(retry, error);
          options.onRetry?.({ attempt: retry + 1, delayMs, error, afterOutput: yielded });
          await sleep(clock, delayMs, streamOptions?.signal);
        }
      }
    },
  });
}
