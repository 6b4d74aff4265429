import type { Invocation } from '@troupe/core';

/**
 * The key of a cheap abort check on invocations the runtime builds. The runtime creates a turn's
 * AbortSignal only when something reads `invocation.signal` (a provider does; a scripted model, a
 * synchronous tool or the loop's own checks need not), because constructing one costs
 * microseconds on Node 20 — more than the rest of a fast turn's bookkeeping.
 */
export const turnAbortCheck: unique symbol = Symbol('troupe.agent.turnAborted');

type CheckedInvocation = Pick<Invocation, 'signal'> & { [turnAbortCheck]?: () => boolean };

/** True when the turn of `invocation` was aborted, without creating its signal when avoidable. */
export function isTurnAborted(invocation: CheckedInvocation): boolean {
  return invocation[turnAbortCheck] === undefined ? invocation.signal.aborted : invocation[turnAbortCheck]();
}
