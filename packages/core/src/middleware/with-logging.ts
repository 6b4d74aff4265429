import { type Clock, systemClock } from '../clock.ts';
import { toErrorInfo } from '../errors.ts';
import { consoleLogger, type Logger } from '../logger.ts';
import type { Usage } from '../messages.ts';
import type { FinishReason, ModelChunk, ModelRequest, StreamOptions } from '../model.ts';
import type { ModelMiddleware } from './wrap-model.ts';

/** Options of {@link withLogging}. */
export interface LoggingOptions {
  /** Default: the console. */
  logger?: Logger;
  clock?: Clock;
}

/**
 * Logs each model call: its start (messages, tools), its end (duration, usage, finish reason) or
 * its error. Message contents are not logged.
 */
export function withLogging(options: LoggingOptions = {}): ModelMiddleware {
  const logger = options.logger ?? consoleLogger;
  const clock = options.clock ?? systemClock;
  return (model) => ({
    provider: model.provider,
    modelId: model.modelId,
    async *stream(request: ModelRequest, streamOptions?: StreamOptions): AsyncIterable<ModelChunk> {
      const startedAt = clock.now();
      const base = { provider: model.provider, modelId: model.modelId };
      logger.debug('model call started', {
        ...base,
        messages: request.messages.length,
        tools: request.tools?.length ?? 0,
      });
      let usage: Usage | undefined;
      let finishReason: FinishReason | undefined;
      try {
        for await (const chunk of model.stream(request, streamOptions)) {
          if (chunk.type === 'usage') usage = chunk.usage;
          else if (chunk.type === 'finish') finishReason = chunk.reason;
          yield chunk;
        }
        logger.info('model call finished', { ...base, durationMs: clock.now() - startedAt, usage, finishReason });
      } catch (error) {
        logger.warn('model call failed', { ...base, durationMs: clock.now() - startedAt, error: toErrorInfo(error) });
        throw error;
      }
    },
  });
}
