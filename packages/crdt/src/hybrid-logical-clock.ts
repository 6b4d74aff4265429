import { type Clock, CrdtFormatError, InvalidArgumentError, systemClock } from '@troupe/core';
import { describe, readCount, readNodeId, readRecord, requireNodeId } from './state-validation.ts';

/** A hybrid logical clock reading: wall milliseconds, a logical counter within them, and the replica. */
export interface HlcTimestamp {
  /** Milliseconds since the epoch (the largest wall time this clock has seen). */
  wall: number;
  /** Orders events that share the same `wall`. */
  logical: number;
  /** The replica that issued the timestamp; breaks ties so no two replicas' timestamps are equal. */
  node: string;
}

/** Options of {@link HybridLogicalClock}. */
export interface HybridLogicalClockOptions {
  /** This replica's id, unique in the cluster. */
  node: string;
  /** Where wall time comes from. Default: `systemClock`. */
  clock?: Clock;
  /**
   * Refuse (with InvalidArgumentError) a remote timestamp more than this many ms ahead of the local
   * wall clock, so one replica with a broken clock cannot drag every clock forward. Default: no limit.
   */
  maxDriftMs?: number;
}

/**
 * Orders two timestamps: by wall time, then logical counter, then replica id. Negative when `a`
 * comes first, positive when `b` does, zero only for the same event.
 */
export function compareTimestamps(a: HlcTimestamp, b: HlcTimestamp): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

/** Reads a serialised timestamp, naming the bad field in a CrdtFormatError. */
export function parseTimestamp(value: unknown, path: string): HlcTimestamp {
  const fields = readRecord(value, path);
  return {
    wall: readCount(fields.wall, `${path}.wall`),
    logical: readCount(fields.logical, `${path}.logical`),
    node: readNodeId(fields.node, `${path}.node`),
  };
}

/**
 * A hybrid logical clock (Kulkarni et al.): timestamps close to wall time that never go backwards,
 * even when the wall clock does, and that order every event after the events it has observed.
 */
export class HybridLogicalClock {
  readonly node: string;
  readonly #clock: Clock;
  readonly #maxDriftMs: number;
  #wall = 0;
  #logical = 0;

  constructor(options: HybridLogicalClockOptions) {
    this.node = requireNodeId(options?.node, 'HybridLogicalClock');
    this.#clock = options.clock ?? systemClock;
    const drift = options.maxDriftMs ?? Number.POSITIVE_INFINITY;
    if (!(drift >= 0)) {
      throw new InvalidArgumentError(`HybridLogicalClock option "maxDriftMs" must be >= 0; got ${describe(drift)}.`);
    }
    this.#maxDriftMs = drift;
  }

  /** The last timestamp issued or observed (wall 0 before the first). */
  get last(): HlcTimestamp {
    return { wall: this.#wall, logical: this.#logical, node: this.node };
  }

  /** A timestamp for a local event (or a message about to be sent), later than every one before. */
  now(): HlcTimestamp {
    const physical = this.#physical();
    if (physical > this.#wall) {
      this.#wall = physical;
      this.#logical = 0;
    } else {
      this.#logical += 1;
    }
    return this.last;
  }

  /**
   * Takes a remote timestamp into account (on receiving a message) and returns a timestamp later
   * than both it and every local one so far.
   */
  observe(remote: HlcTimestamp): HlcTimestamp {
    let checked: HlcTimestamp;
    try {
      checked = parseTimestamp(remote, 'timestamp');
    } catch (error) {
      if (CrdtFormatError.isInstance(error)) {
        throw new InvalidArgumentError(`HybridLogicalClock.observe got a malformed timestamp: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
    const physical = this.#physical();
    if (checked.wall - physical > this.#maxDriftMs) {
      throw new InvalidArgumentError(
        `A timestamp from replica "${checked.node}" is ${checked.wall - physical} ms ahead of the local clock (maxDriftMs ${this.#maxDriftMs}).`,
        { remedy: "Check the remote replica's system clock, or raise maxDriftMs." },
      );
    }
    const wall = Math.max(this.#wall, checked.wall, physical);
    if (wall === this.#wall && wall === checked.wall) {
      this.#logical = Math.max(this.#logical, checked.logical) + 1;
    } else if (wall === this.#wall) {
      this.#logical += 1;
    } else if (wall === checked.wall) {
      this.#logical = checked.logical + 1;
    } else {
      this.#logical = 0;
    }
    this.#wall = wall;
    return this.last;
  }

  #physical(): number {
    const now = Math.floor(this.#clock.now());
    return Number.isFinite(now) && now > 0 ? now : 0;
  }
}
