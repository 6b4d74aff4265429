import { describe, expect, it } from 'vitest';
import { manualClock } from '../testing/manual-clock.ts';
import { scriptedModel, textReply } from '../testing/scripted-model.ts';
import { RateLimiter, TokenBucket } from './rate-limiter.ts';
import { withRateLimit } from './with-rate-limit.ts';
import { wrapModel } from './wrap-model.ts';

describe('RateLimiter', () => {
  it('admits exactly the bucket at once, then one more per refill interval, in FIFO order', async () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ requests: { limit: 3, intervalMs: 3000 }, clock });
    const admitted: number[] = [];
    const all = Array.from({ length: 6 }, (_, index) => limiter.acquire(0).then(() => admitted.push(index)));
    await clock.flush();
    expect(admitted).toEqual([0, 1, 2]);
    await clock.advance(999);
    expect(admitted).toEqual([0, 1, 2]);
    await clock.advance(1);
    expect(admitted).toEqual([0, 1, 2, 3]);
    await clock.advance(2000);
    await Promise.all(all);
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5]);
    expect(limiter.pending).toBe(0);
  });

  it('limits tokens too, and settles estimates against actual usage', async () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ tokens: { limit: 1000, intervalMs: 1000 }, clock });
    await limiter.acquire(600);
    let second = false;
    const next = limiter.acquire(600).then(() => {
      second = true;
    });
    await clock.advance(199);
    expect(second).toBe(false);
    await clock.advance(1);
    await next;
    // The first request really used only 100 tokens: 500 come back.
    limiter.settle(600, 100);
    let third = false;
    void limiter.acquire(400).then(() => {
      third = true;
    });
    await clock.flush();
    expect(third).toBe(true);
  });

  it('a waiter whose signal aborts leaves the queue and does not block the others', async () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ requests: { limit: 1, intervalMs: 1000 }, clock });
    await limiter.acquire();
    const controller = new AbortController();
    const cancelled = limiter.acquire(0, controller.signal);
    const order: string[] = [];
    const kept = limiter.acquire().then(() => order.push('kept'));
    controller.abort(new Error('gone'));
    await expect(cancelled).rejects.toThrow('gone');
    expect(limiter.pending).toBe(1);
    await clock.advance(1000);
    await kept;
    expect(order).toEqual(['kept']);
  });

  it('never refuses a request larger than the whole token bucket: it waits for a full bucket', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ limit: 100, intervalMs: 100 }, clock);
    bucket.take(100);
    expect(bucket.waitMs(5000)).toBe(100);
  });

  it('rejects a zero or negative limit with a clear error', () => {
    expect(() => new TokenBucket({ limit: 0 })).toThrow(/cannot admit anything/);
  });
});

describe('withRateLimit', () => {
  it('shares one bucket across every caller of the wrapped model', async () => {
    const clock = manualClock();
    const inner = scriptedModel([textReply('a')], { whenExhausted: 'repeat-last' });
    const model = wrapModel(inner, withRateLimit({ requests: { limit: 2, intervalMs: 1000 }, clock }));
    const request = { messages: [{ role: 'user' as const, content: 'hi' }] };
    const drain = async () => {
      for await (const _chunk of model.stream(request)) {
        // consume
      }
    };
    const runs = [drain(), drain(), drain()];
    await clock.flush();
    expect(inner.calls).toBe(2);
    await clock.advance(500);
    await Promise.all(runs);
    expect(inner.calls).toBe(3);
  });
});
