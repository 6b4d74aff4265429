import type { Clock } from '@troupe/core';
import { InvalidArgumentError } from '@troupe/core';
import { type HlcTimestamp, HybridLogicalClock } from './hybrid-logical-clock.ts';
import { requireNodeId } from './state-validation.ts';

/** How a last-writer-wins type gets its timestamps: a shared clock, or a replica id to make one. */
export interface LwwClockOptions {
  /** This replica's id. Optional when `hlc` is given (its node is used). */
  node?: string;
  /** The replica's hybrid logical clock; share one between all LWW types of a replica. */
  hlc?: HybridLogicalClock;
  /** Wall time for the clock made when `hlc` is not given. Default: `systemClock`. */
  clock?: Clock;
}

export function resolveHlc(options: LwwClockOptions, owner: string): HybridLogicalClock {
  if (options?.hlc) {
    if (options.node !== undefined && options.node !== options.hlc.node) {
      throw new InvalidArgumentError(
        `${owner} got node "${options.node}" but its hlc belongs to "${options.hlc.node}"; they must match.`,
      );
    }
    return options.hlc;
  }
  const node = requireNodeId(options?.node, owner);
  return new HybridLogicalClock(options.clock ? { node, clock: options.clock } : { node });
}

/** Moves the clock past a remote write so the next local write orders after it. */
export function observeRemote(hlc: HybridLogicalClock, timestamp: HlcTimestamp): void {
  try {
    hlc.observe(timestamp);
  } catch {
    // A timestamp beyond maxDriftMs still merges (merge must be total for replicas to converge);
    // the local clock just does not jump forward to it.
  }
}
