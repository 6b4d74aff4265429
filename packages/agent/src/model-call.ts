import type { ErrorInfo, StreamOptions } from '@troupe/core';

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

/** The key of a cheap abort check on call options, consulted instead of reading `signal`. */
export const callAborted: unique symbol = Symbol('troupe.agent.callAborted');

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
  [callAborted]?: () => boolean;
}

/** True when the call was aborted, reading `signal` only when no cheaper check was given. */
export function isCallAborted(options: ModelCallOptions): boolean {
  return options[callAborted] === undefined ? options.signal?.aborted === true : options[callAborted]();
}
