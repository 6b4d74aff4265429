import type { Clock } from '../clock.ts';
import { messageText } from '../messages.ts';
import type { ModelChunk, ModelRequest, StreamOptions } from '../model.ts';
import { type BucketOptions, RateLimiter } from './rate-limiter.ts';
import type { ModelMiddleware } from './wrap-model.ts';

/** Options of {@link withRateLimit}. */
export interface RateLimitOptions {
  /** Requests per interval, e.g. `{ limit: 500, intervalMs: 60_000 }`. */
  requests?: BucketOptions;
  /** Tokens per interval; each request is charged an estimate up front, settled on its usage. */
  tokens?: BucketOptions;
  clock?: Clock;
  /** Token estimate of a request. Default: characters / 4 of the prompt plus `maxOutputTokens`. */
  estimateTokens?: (request: ModelRequest) => number;
}

/** A rough token count of a request: a quarter of its characters plus the output allowance. */
export function estimateRequestTokens(request: ModelRequest): number {
  let characters = request.system?.length ?? 0;
  for (const message of request.messages) characters += messageText(message).length;
  return Math.ceil(characters / 4) + (request.maxOutputTokens ?? 0);
}

/**
 * Token-bucket rate limiting on requests and tokens, shared by every caller of the wrapped model.
 * Callers wait in FIFO order; aborting a waiting caller's signal removes it from the queue.
 */
export function withRateLimit(options: RateLimitOptions): ModelMiddleware {
  const estimate = options.estimateTokens ?? estimateRequestTokens;
  const limiterOptions: ConstructorParameters<typeof RateLimiter>[0] = {};
  if (options.requests) limiterOptions.requests = options.requests;
  if (options.tokens) limiterOptions.tokens = options.tokens;
  if (options.clock) limiterOptions.clock = options.clock;
  return (model) => {
    const limiter = new RateLimiter(limiterOptions);
    return {
      provider: model.provider,
      modelId: model.modelId,
      async *stream(request: ModelRequest, streamOptions?: StreamOptions): AsyncIterable<ModelChunk> {
        const estimated = options.tokens ? estimate(request) : 0;
        await limiter.acquire(estimated, streamOptions?.signal);
        let actual: number | undefined;
        try {
          for await (const chunk of model.stream(request, streamOptions)) {
            if (chunk.type === 'usage') actual = chunk.usage.inputTokens + chunk.usage.outputTokens;
            yield chunk;
          }
        } finally {
          if (actual !== undefined) limiter.settle(estimated, actual);
        }
      },
    };
  };
}
