import { describe, expect, it } from 'vitest';
import { RateLimitError, ProviderError, TroupeError } from './errors.ts';

describe('smoke', () => {
  it('marks subclasses', () => {
    const error = new RateLimitError('429 from openai', { provider: 'openai', retryAfterMs: 2000 });
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(TroupeError.isInstance(new Error('x'))).toBe(false);
  });
});
