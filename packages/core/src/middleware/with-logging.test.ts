import { describe, expect, it } from 'vitest';
import { RateLimitError } from '../errors.ts';
import type { LogFields, Logger } from '../logger.ts';
import type { LanguageModel, ModelChunk } from '../model.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { scriptedModel, textReply } from '../testing/scripted-model.ts';
import { withLogging } from './with-logging.ts';
import { type ModelMiddleware, wrapModel } from './wrap-model.ts';

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields?: LogFields }> = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

const request = { messages: [{ role: 'user' as const, content: 'hi' }] };

async function drain(stream: AsyncIterable<ModelChunk>): Promise<void> {
  for await (const _chunk of stream) {
    // consume
  }
}

describe('withLogging', () => {
  it('logs start and finish with usage and duration', async () => {
    const clock = manualClock({ now: 1000 });
    const { logger, lines } = recordingLogger();
    const model = wrapModel(
      scriptedModel(
        [{ chunks: textReply('hello there', { usage: { inputTokens: 7, outputTokens: 2 } }), delayMs: 5 }],
        {
          clock,
        },
      ),
      withLogging({ logger, clock }),
    );
    const done = drain(model.stream(request));
    await clock.advance(100);
    await done;
    expect(lines.map((line) => line.message)).toEqual(['model call started', 'model call finished']);
    expect(lines[1]?.fields).toMatchObject({
      usage: { inputTokens: 7, outputTokens: 2 },
      finishReason: 'stop',
      durationMs: 20,
    });
  });

  it('logs failures and rethrows them unchanged', async () => {
    const { logger, lines } = recordingLogger();
    const failure = new RateLimitError('429', { provider: 'p' });
    const model = wrapModel(scriptedModel([{ chunks: [], error: failure }]), withLogging({ logger }));
    await expect(drain(model.stream(request))).rejects.toBe(failure);
    expect(lines.at(-1)).toMatchObject({
      level: 'warn',
      message: 'model call failed',
      fields: { error: { code: 'RATE_LIMITED' } },
    });
  });
});

describe('wrapModel', () => {
  it('applies the first middleware outermost', async () => {
    const order: string[] = [];
    const tag =
      (name: string): ModelMiddleware =>
      (inner: LanguageModel) => ({
        provider: inner.provider,
        modelId: inner.modelId,
        async *stream(req, options) {
          order.push(`${name}:start`);
          yield* inner.stream(req, options);
          order.push(`${name}:end`);
        },
      });
    const model = wrapModel(scriptedModel([textReply('x')]), tag('outer'), tag('inner'));
    await drain(model.stream(request));
    expect(order).toEqual(['outer:start', 'inner:start', 'inner:end', 'outer:end']);
    expect(model.provider).toBe('scripted');
  });
});
