/**
 * The key of a cheap abort check an object may carry beside a `signal` it creates lazily: the
 * runtime makes a turn's AbortSignal only when something reads it (a provider does; a scripted
 * model, a synchronous tool or the loop's own checks need not), because constructing one costs
 * microseconds on Node 20 — more than the rest of a fast turn's bookkeeping. The invocation, the
 * model-call options and the tool dispatch context of a turn all carry it.
 */
export const abortCheck: unique symbol = Symbol.for('troupe.abortCheck');

/** An object with an abort signal, possibly made on first read, and maybe a cheaper check. */
export interface AbortCheckable {
  readonly signal?: AbortSignal | undefined;
  [abortCheck]?: () => boolean;
}

/** True when `holder` was aborted, reading its `signal` only when it has no cheaper check. */
export function isAborted(holder: AbortCheckable): boolean {
  return holder[abortCheck] === undefined ? holder.signal?.aborted === true : holder[abortCheck]();
}
