import { InvalidArgumentError } from '../errors.ts';
import type { LanguageModel, ModelChunk, ModelRequest, StreamOptions } from '../model.ts';
import { isRetryable } from './backoff.ts';
import type { ModelMiddleware } from './wrap-model.ts';

/** Options of {@link withFallback}. */
export interface FallbackOptions {
  /** Told each time a model fails over to the next. */
  onFallback?: (notice: { from: LanguageModel; to: LanguageModel; error: unknown }) => void;
}

/**
 * On a retryable error before any chunk was yielded, tries the next model in `fallbacks`, in order.
 * Non-retryable errors, errors after output and the last model's error pass through.
 */
export function withFallback(fallbacks: LanguageModel[], options: FallbackOptions = {}): ModelMiddleware {
  if (fallbacks.length === 0) {
    throw new InvalidArgumentError('withFallback needs at least one fallback model.');
  }
  return (primary) => {
    const chain = [primary, ...fallbacks];
    return {
      provider: primary.provider,
      modelId: primary.modelId,
      async *stream(request: ModelRequest, streamOptions?: StreamOptions): AsyncIterable<ModelChunk> {
        for (let index = 0; ; index++) {
          const model = chain[index] as LanguageModel;
          let yielded = false;
          try {
            for await (const chunk of model.stream(request, streamOptions)) {
              yielded = true;
              yield chunk;
            }
            return;
          } catch (error) {
            const next = chain[index + 1];
            if (!next || yielded || !isRetryable(error) || streamOptions?.signal?.aborted) throw error;
            options.onFallback?.({ from: model, to: next, error });
          }
        }
      },
    };
  };
}
