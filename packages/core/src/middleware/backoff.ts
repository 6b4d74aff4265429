import { InvalidArgumentError, ProviderError } from '../errors.ts';

/** Exponential backoff settings. */
export interface BackoffOptions {
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  /** The cap of the first retry's delay. Default 250 ms. */
  baseDelayMs?: number;
  /** The cap of any computed delay. Default 20 000 ms. */
  maxDelayMs?: number;
  /** Source of randomness in [0, 1) for jitter. Default `Math.random`. */
  random?: () => number;
}

/** Resolved backoff settings. */
export interface Backoff {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * The delay before retry number `retry` (0-based) after `error`. A provider's `retryAfterMs`
   * wins; otherwise "full jitter": uniform in [0, min(max, base * 2^retry)].
   */
  delayMs(retry: number, error?: unknown): number;
}

/** Builds a {@link Backoff}, validating the options. */
export function backoff(options: BackoffOptions = {}): Backoff {
  const maxRetries = options.maxRetries ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const random = options.random ?? Math.random;
  for (const [name, value] of [
    ['maxRetries', maxRetries],
    ['baseDelayMs', baseDelayMs],
    ['maxDelayMs', maxDelayMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`Backoff option ${name} is ${value}; it must be a finite number >= 0.`);
    }
  }
  return {
    maxRetries,
    baseDelayMs,
    maxDelayMs,
    delayMs(retry, error) {
      if (ProviderError.isInstance(error) && error.retryAfterMs !== undefined && error.retryAfterMs >= 0) {
        return error.retryAfterMs;
      }
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
      return Math.floor(random() * ceiling);
    },
  };
}

/** True for errors that trying again can fix: `ProviderError`s marked `retryable`. */
export function isRetryable(error: unknown): boolean {
  return ProviderError.isInstance(error) && error.retryable;
}
