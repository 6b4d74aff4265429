import type { ErrorInfo, StreamOptions } from '@troupe/core';
import type { abortCheck } from '@troupe/core/internal';

/** Told to a model caller when the runtime's model actor retries its call. */
export interface ModelRetryNotice {
  /** 1 for the first retry. */
  attempt: number;
  /** How long the model actor waits before trying again. */
  delayMs: number;
  error: ErrorInfo;
  /** True when chunks of the failed attempt were already yielded: the caller must discard them. */
  afterOutput: boolean;
}

/**
 * Stream options the runtime's model actor understands besides the signal. Plain models ignore
 * the extra fields, so an agent may always pass them.
 */
export interface ModelCallOptions extends StreamOptions {
  /** Called before each retry of this call. */
  onRetry?: (notice: ModelRetryNotice) => void;
  /**
   * True once the call is aborted. Lets the model actor check without reading `signal`, which
   * the caller may create lazily (only a model that needs a signal then pays for one).
   */
  [abortCheck]?: () => boolean;
}
