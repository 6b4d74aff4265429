import { CountMap } from './count-map.ts';
import { ChangeTracker, type CrdtChange, type DeltaCrdt } from './delta-crdt.ts';
import { plainState } from './plain-state.ts';
import { CRDT_FORMAT_VERSION, readEnvelope, requireAmount, requireNodeId, requireVersion } from './state-validation.ts';

/** Serialised {@link PNCounter}: per-replica increments and decrements. */
export interface PNCounterState {
  type: 'pn-counter';
  formatVersion: 1;
  /** Each replica's own increments. */
  increments: Record<string, number>;
  /** Each replica's own decrements. */
  decrements: Record<string, number>;
}

/** Options of {@link PNCounter}. */
export interface PNCounterOptions {
  /** This replica's id, unique in the cluster. */
  node: string;
}

/**
 * A counter that goes up and down: two grow-only counters, value = increments - decrements. Use it
 * for quantities that can be given back (a token budget with refunds, seats in use).
 */
export class PNCounter implements DeltaCrdt<number, PNCounterState> {
  readonly type = 'pn-counter';
  readonly node: string;
  readonly deltaFloor = 0;
  readonly #increments = new CountMap();
  readonly #decrements = new CountMap();
  readonly #changes = new ChangeTracker();

  constructor(options: PNCounterOptions) {
    this.node = requireNodeId(options?.node, 'PNCounter');
  }

  /** Reads serialised state (validated: a CrdtFormatError names the bad field) into a replica `node`. */
  static fromJSON(json: unknown, options: PNCounterOptions): PNCounter {
    const counter = new PNCounter(options);
    if (counter.#join(json, 1)) counter.#changes.bump();
    return counter;
  }

  get value(): number {
    return this.#increments.total - this.#decrements.total;
  }

  /** The sum of all increments (never decreases). */
  get incremented(): number {
    return this.#increments.total;
  }

  /** The sum of all decrements (never decreases). */
  get decremented(): number {
    return this.#decrements.total;
  }

  get version(): number {
    return this.#changes.version;
  }

  /** Adds `amount` (a non-negative integer, default 1). */
  increment(amount = 1): void {
    requireAmount(amount, 'PNCounter.increment');
    if (amount === 0) return;
    this.#increments.add(this.node, amount, this.#changes.bump());
    this.#changes.notify('local');
  }

  /** Subtracts `amount` (a non-negative integer, default 1). */
  decrement(amount = 1): void {
    requireAmount(amount, 'PNCounter.decrement');
    if (amount === 0) return;
    this.#decrements.add(this.node, amount, this.#changes.bump());
    this.#changes.notify('local');
  }

  merge(other: PNCounter | PNCounterState): boolean {
    const changed = this.#join(plainState(other), this.#changes.version + 1);
    if (changed) {
      this.#changes.bump();
      this.#changes.notify('remote');
    }
    return changed;
  }

  #join(json: unknown, version: number): boolean {
    const fields = readEnvelope(json, 'pn-counter');
    // Parse both halves before touching state, so a bad second half changes nothing.
    const increments = CountMap.parse(fields.increments, 'increments');
    const decrements = CountMap.parse(fields.decrements, 'decrements');
    const up = this.#increments.join(increments, version);
    const down = this.#decrements.join(decrements, version);
    return up || down;
  }

  deltaSince(version: number): PNCounterState {
    requireVersion(version, 'PNCounter.deltaSince');
    return this.#state(version);
  }

  discardDeltasThrough(version: number): void {
    // Deltas are cut from per-replica change marks in the state itself; there is no history to drop.
    requireVersion(version, 'PNCounter.discardDeltasThrough');
  }

  toJSON(): PNCounterState {
    return this.#state(-1);
  }

  #state(since: number): PNCounterState {
    return {
      type: 'pn-counter',
      formatVersion: CRDT_FORMAT_VERSION,
      increments: this.#increments.toRecord(since),
      decrements: this.#decrements.toRecord(since),
    };
  }

  subscribe(listener: (change: CrdtChange) => void): () => void {
    return this.#changes.subscribe(listener);
  }
}
