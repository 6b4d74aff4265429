import { CountMap } from './count-map.ts';
import { ChangeTracker, type CrdtChange, type DeltaCrdt } from './delta-crdt.ts';
import { plainState } from './plain-state.ts';
import { CRDT_FORMAT_VERSION, readEnvelope, requireAmount, requireNodeId, requireVersion } from './state-validation.ts';

/** Serialised {@link GCounter}: one count per replica. */
export interface GCounterState {
  type: 'g-counter';
  formatVersion: 1;
  /** Each replica's own increments. */
  counts: Record<string, number>;
}

/** Options of {@link GCounter}. */
export interface GCounterOptions {
  /** This replica's id, unique in the cluster. */
  node: string;
}

/**
 * A grow-only counter: each replica counts its own increments; the value is their sum; merge keeps
 * the larger count per replica. Use it for totals that never go down (requests served, tokens spent).
 */
export class GCounter implements DeltaCrdt<number, GCounterState> {
  readonly type = 'g-counter';
  readonly node: string;
  readonly deltaFloor = 0;
  readonly #counts = new CountMap();
  readonly #changes = new ChangeTracker();

  constructor(options: GCounterOptions) {
    this.node = requireNodeId(options?.node, 'GCounter');
  }

  /** Reads serialised state (validated: a CrdtFormatError names the bad field) into a replica `node`. */
  static fromJSON(json: unknown, options: GCounterOptions): GCounter {
    const counter = new GCounter(options);
    if (counter.#counts.join(GCounter.#parse(json), 1)) counter.#changes.bump();
    return counter;
  }

  static #parse(json: unknown): Map<string, number> {
    const fields = readEnvelope(json, 'g-counter');
    return CountMap.parse(fields.counts, 'counts');
  }

  get value(): number {
    return this.#counts.total;
  }

  get version(): number {
    return this.#changes.version;
  }

  /** Adds `amount` (a non-negative integer, default 1) to this replica's count. */
  increment(amount = 1): void {
    requireAmount(amount, 'GCounter.increment');
    if (amount === 0) return;
    this.#counts.add(this.node, amount, this.#changes.bump());
    this.#changes.notify('local');
  }

  merge(other: GCounter | GCounterState): boolean {
    const counts = GCounter.#parse(plainState(other));
    const changed = this.#counts.join(counts, this.#changes.version + 1);
    if (changed) {
      this.#changes.bump();
      this.#changes.notify('remote');
    }
    return changed;
  }

  deltaSince(version: number): GCounterState {
    requireVersion(version, 'GCounter.deltaSince');
    return { type: 'g-counter', formatVersion: CRDT_FORMAT_VERSION, counts: this.#counts.toRecord(version) };
  }

  discardDeltasThrough(version: number): void {
    // Deltas are cut from per-replica change marks in the state itself; there is no history to drop.
    requireVersion(version, 'GCounter.discardDeltasThrough');
  }

  toJSON(): GCounterState {
    return { type: 'g-counter', formatVersion: CRDT_FORMAT_VERSION, counts: this.#counts.toRecord(-1) };
  }

  subscribe(listener: (change: CrdtChange) => void): () => void {
    return this.#changes.subscribe(listener);
  }
}
