import type { ErrorInfo, ModelChunk, StreamOptions } from '@troupe/core';
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

/**
 * Where the model actor hands one call's chunks (`ModelActor.consume`): without an async-iterator
 * layer, and with the call's end and failure so that the caller needs no async frame of its own.
 */
export interface ModelCallConsumer<T> {
  /** One chunk; a promise when the consumer's buffer is full (the next chunk waits for it). */
  chunk(chunk: ModelChunk): Promise<void> | undefined;
  /** The call ended: what `consume` resolves with. */
  end(): T | Promise<T>;
  /** The call failed for good (or `chunk` threw): what `consume` rejects with instead. */
  failure(error: unknown): unknown;
}
