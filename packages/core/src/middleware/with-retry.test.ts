import { describe, expect, it } from 'vitest';
import { AuthenticationError, RateLimitError, TransientProviderError } from '../errors.ts';
import type { ModelChunk } from '../model.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { scriptedModel, textReply } from '../testing/scripted-model.ts';
import { backoff } from './backoff.ts';
import { type RetryNotice, withRetry } from './with-retry.ts';
import { wrapModel } from './wrap-model.ts';

const request = { messages: [{ role: 'user' as const, content: 'hi' }] };
const unavailable = () => new TransientProviderError('503 from test', { provider: 'test', status: 503 });

async function drain(stream: AsyncIterable<ModelChunk>): Promise<ModelChunk[]> {
  const chunks: ModelChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('backoff', () => {
  it('doubles the ceiling each retry and caps it at maxDelayMs (full jitter)', () => {
    const top = backoff({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999_999 });
    expect([0, 1, 2, 3, 4, 5].map((retry) => top.delayMs(retry))).toEqual([99, 199, 399, 799, 999, 999]);
    const bottom = backoff({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
    expect(bottom.delayMs(3)).toBe(0);
    const middle = backoff({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });
    expect(middle.delayMs(2)).toBe(200);
  });

  it('lets Retry-After win over the computed delay, even above the cap', () => {
    const policy = backoff({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });
    const limited = new RateLimitError('429', { provider: 'p', retryAfterMs: 7000 });
    expect(policy.delayMs(0, limited)).toBe(7000);
    expect(policy.delayMs(0, new RateLimitError('429', { provider: 'p' }))).toBe(50);
  });

  it('rejects nonsense options', () => {
    expect(() => backoff({ maxRetries: -1 })).toThrow(/maxRetries is -1/);
    expect(() => backoff({ baseDelayMs: Number.NaN })).toThrow(/baseDelayMs/);
  });
});

describe('withRetry', () => {
  it('retries retryable errors on the backoff sequence, then succeeds', async () => {
    const clock = manualClock();
    const notices: RetryNotice[] = [];
    const inner = scriptedModel([
      { chunks: [], error: unavailable() },
      { chunks: [], error: unavailable() },
      textReply('finally'),
    ]);
    const model = wrapModel(
      inner,
      withRetry({ clock, baseDelayMs: 100, random: () => 0.999_999, onRetry: (notice) => notices.push(notice) }),
    );
    const result = drain(model.stream(request));
    await clock.advance(98);
    expect(inner.calls).toBe(1);
    await clock.advance(1);
    expect(inner.calls).toBe(2);
    await clock.advance(199);
    expect(inner.calls).toBe(3);
    expect((await result).filter((chunk) => chunk.type === 'text-delta')).toEqual([
      { type: 'text-delta', text: 'finally' },
    ]);
    expect(notices.map(({ attempt, delayMs, afterOutput }) => ({ attempt, delayMs, afterOutput }))).toEqual([
      { attempt: 1, delayMs: 99, afterOutput: false },
      { attempt: 2, delayMs: 199, afterOutput: false },
    ]);
  });

  it('waits exactly what Retry-After asks', async () => {
    const clock = manualClock();
    const inner = scriptedModel([
      { chunks: [], error: new RateLimitError('429', { provider: 'p', retryAfterMs: 5000 }) },
      textReply('ok'),
    ]);
    const model = wrapModel(inner, withRetry({ clock, baseDelayMs: 10, random: () => 0.5 }));
    const result = drain(model.stream(request));
    await clock.advance(4999);
    expect(inner.calls).toBe(1);
    await clock.advance(1);
    await result;
    expect(inner.calls).toBe(2);
  });

  it('passes non-retryable errors straight through without waiting', async () => {
    const clock = manualClock();
    const denied = new AuthenticationError('401', { provider: 'p', status: 401 });
    const inner = scriptedModel([{ chunks: [], error: denied }, textReply('never')]);
    const model = wrapModel(inner, withRetry({ clock }));
    await expect(drain(model.stream(request))).rejects.toBe(denied);
    expect(inner.calls).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('gives up after maxRetries with the last error', async () => {
    const clock = manualClock();
    const last = unavailable();
    const inner = scriptedModel([
      { chunks: [], error: unavailable() },
      { chunks: [], error: unavailable() },
      { chunks: [], error: last },
    ]);
    const model = wrapModel(inner, withRetry({ clock, maxRetries: 2, baseDelayMs: 10 }));
    const result = drain(model.stream(request));
    const assertion = expect(result).rejects.toBe(last);
    await clock.advance(1000);
    await assertion;
    expect(inner.calls).toBe(3);
  });

  it('does not retry after a chunk was yielded unless told to', async () => {
    const clock = manualClock();
    const midStream = () => ({
      chunks: [{ type: 'text-delta' as const, text: 'par' }],
      error: unavailable(),
      errorAfter: 1,
    });
    const strict = scriptedModel([midStream(), textReply('again')]);
    await expect(drain(wrapModel(strict, withRetry({ clock })).stream(request))).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
    });
    expect(strict.calls).toBe(1);

    const notices: RetryNotice[] = [];
    const lenient = scriptedModel([midStream(), textReply('again')]);
    const model = wrapModel(
      lenient,
      withRetry({ clock, retryAfterOutput: true, random: () => 0, onRetry: (notice) => notices.push(notice) }),
    );
    const chunks = await drain(model.stream(request));
    expect(chunks.filter((chunk) => chunk.type === 'text-delta').map((chunk) => chunk.text)).toEqual(['par', 'again']);
    expect(notices[0]?.afterOutput).toBe(true);
  });

  it('an abort cuts the wait short', async () => {
    const clock = manualClock();
    const inner = scriptedModel([{ chunks: [], error: unavailable() }, textReply('never')]);
    const controller = new AbortController();
    const model = wrapModel(inner, withRetry({ clock, baseDelayMs: 60_000, random: () => 0.9 }));
    const result = drain(model.stream(request, { signal: controller.signal }));
    const assertion = expect(result).rejects.toThrow('user pressed stop');
    await clock.advance(10);
    controller.abort(new Error('user pressed stop'));
    await assertion;
    expect(inner.calls).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });
});
