import {
  AuthenticationError,
  type LanguageModel,
  type ModelChunk,
  RateLimitError,
  TransientProviderError,
} from '@troupe/core';
import { manualClock, scriptedModel, textReply } from '@troupe/core/testing';
import { describe, expect, it } from 'vitest';
import { ModelActor } from './model-actor.ts';
import type { ModelRetryNotice } from './model-call.ts';

const request = { messages: [{ role: 'user' as const, content: 'hi' }] };

async function drain(stream: AsyncIterable<ModelChunk>): Promise<string> {
  let text = '';
  for await (const chunk of stream) if (chunk.type === 'text-delta') text += chunk.text;
  return text;
}

describe('ModelActor', () => {
  it('retries a retryable error after the delay the provider asked for, invisibly before output', async () => {
    const clock = manualClock();
    const upstream = scriptedModel([
      { chunks: [], error: new RateLimitError('429', { provider: 'scripted', retryAfterMs: 2000 }) },
      textReply('hello there'),
    ]);
    const actor = new ModelActor({ model: upstream, clock });
    const notices: ModelRetryNotice[] = [];
    const result = drain(
      actor.model.stream(request, { onRetry: (notice: ModelRetryNotice) => notices.push(notice) } as never),
    );
    await clock.advance(1999);
    expect(upstream.calls).toBe(1);
    await clock.advance(1);
    expect(await result).toBe('hello there');
    expect(upstream.calls).toBe(2);
    expect(notices).toEqual([
      { attempt: 1, delayMs: 2000, afterOutput: false, error: expect.objectContaining({ code: 'RATE_LIMITED' }) },
    ]);
  });

  it('reports a retry after partial output so the caller can discard it', async () => {
    const clock = manualClock();
    const upstream = scriptedModel([
      {
        chunks: textReply('partial answer'),
        error: new TransientProviderError('reset', { provider: 'x' }),
        errorAfter: 1,
      },
      textReply('full answer'),
    ]);
    const actor = new ModelActor({ model: upstream, clock, retry: { random: () => 0.5, baseDelayMs: 100 } });
    const notices: ModelRetryNotice[] = [];
    const result = drain(
      actor.model.stream(request, { onRetry: (notice: ModelRetryNotice) => notices.push(notice) } as never),
    );
    await clock.advance(50);
    expect(await result).toBe('partial full answer');
    expect(notices).toMatchObject([{ attempt: 1, delayMs: 50, afterOutput: true }]);
  });

  it('gives up after maxRetries and passes non-retryable errors straight through', async () => {
    const clock = manualClock();
    const failure = () => ({
      chunks: [],
      error: new TransientProviderError('down', { provider: 'x', retryAfterMs: 10 }),
    });
    const upstream = scriptedModel([failure(), failure(), failure()]);
    const actor = new ModelActor({ model: upstream, clock, retry: { maxRetries: 2 } });
    const outcome = drain(actor.model.stream(request)).catch((error: unknown) => error);
    await clock.advance(100);
    expect(TransientProviderError.isInstance(await outcome)).toBe(true);
    expect(upstream.calls).toBe(3);

    const auth = scriptedModel([{ chunks: [], error: new AuthenticationError('401', { provider: 'x' }) }]);
    const strict = new ModelActor({ model: auth, clock });
    await expect(drain(strict.model.stream(request))).rejects.toSatisfy((error) =>
      AuthenticationError.isInstance(error),
    );
    expect(auth.calls).toBe(1);
  });

  it('limits concurrent streams across callers and lets a cancelled waiter leave without touching others', async () => {
    const clock = manualClock();
    const upstream = scriptedModel([{ chunks: textReply('a b'), delayMs: 10 }], {
      whenExhausted: 'repeat-last',
      clock,
    });
    const actor = new ModelActor({ model: upstream, clock, concurrency: 2 });
    const first = drain(actor.model.stream(request));
    const second = drain(actor.model.stream(request));
    const controller = new AbortController();
    const third = drain(actor.model.stream(request, { signal: controller.signal })).catch((error: unknown) => error);
    const fourth = drain(actor.model.stream(request));
    await clock.flush();
    expect(actor.load).toMatchObject({ active: 2, waiting: 2 });
    controller.abort(new Error('caller left'));
    expect(((await third) as Error).message).toBe('caller left');
    await clock.advance(1000);
    expect(await Promise.all([first, second, fourth])).toEqual(['a b', 'a b', 'a b']);
    expect(actor.load).toEqual({ active: 0, waiting: 0, peak: 2 });
    expect(upstream.calls).toBe(3);
  });

  it('cancelling one streaming caller never aborts another caller', async () => {
    const clock = manualClock();
    const upstream = scriptedModel([{ chunks: textReply('one two three'), delayMs: 10 }], {
      whenExhausted: 'repeat-last',
      clock,
    });
    const actor = new ModelActor({ model: upstream, clock });
    const controller = new AbortController();
    const cancelled = drain(actor.model.stream(request, { signal: controller.signal })).catch(
      (error: unknown) => error,
    );
    const other = drain(actor.model.stream(request));
    await clock.advance(15);
    controller.abort(new Error('gone'));
    await clock.advance(100);
    expect(((await cancelled) as Error).message).toBe('gone');
    expect(await other).toBe('one two three');
  });

  it('shares a request rate limit between callers', async () => {
    const clock = manualClock();
    const upstream = scriptedModel([textReply('ok')], { whenExhausted: 'repeat-last' });
    const actor = new ModelActor({
      model: upstream,
      clock,
      rateLimit: { requests: { limit: 2, intervalMs: 1000 } },
    });
    const results = [1, 2, 3].map(() => drain(actor.model.stream(request)));
    await clock.flush();
    expect(upstream.calls).toBe(2);
    await clock.advance(499);
    expect(upstream.calls).toBe(2);
    await clock.advance(1);
    expect(upstream.calls).toBe(3);
    expect(await Promise.all(results)).toEqual(['ok', 'ok', 'ok']);
  });

  it('keeps the provider and model id of the model it owns', () => {
    const upstream: LanguageModel = scriptedModel([], { provider: 'acme', modelId: 'm-1' });
    const actor = new ModelActor({ model: upstream, clock: manualClock() });
    expect([actor.model.provider, actor.model.modelId]).toEqual(['acme', 'm-1']);
  });
});
