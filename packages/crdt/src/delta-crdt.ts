/** Where a change to a CRDT came from. */
export type CrdtChangeOrigin = 'local' | 'remote';

/** Told to listeners after every change of a CRDT's state. */
export interface CrdtChange {
  /** `local` for this replica's own operations, `remote` for a merge that changed something. */
  origin: CrdtChangeOrigin;
  /** The CRDT's {@link DeltaCrdt.version} after the change. */
  version: number;
}

/**
 * What every Troupe CRDT offers, and all the {@link Replicator} needs.
 *
 * `version` counts this replica's state changes (its own operations and merges that changed
 * something); it is local to the instance and is not comparable across replicas. For any version
 * `v` this instance had, `merge(deltaSince(v))` brings a replica that had already seen the state at
 * `v` up to the current state, so a delta is what has changed since, not the whole state.
 */
export interface DeltaCrdt<TValue = unknown, TState = unknown> {
  /** The wire name of the type, e.g. `or-set`; carried in serialised state and replication messages. */
  readonly type: string;
  /** This replica's id. */
  readonly node: string;
  /** The current value. */
  readonly value: TValue;
  /** Increases by one on every change of state (local operation or effective merge). */
  readonly version: number;
  /** Joins another replica's full state or a delta (an instance or its serialised form) into this one; true when something changed. Serialised input is validated first. */
  merge(other: unknown): boolean;
  /** Everything that changed after `version`, as serialised state of this type (the full state when the history needed is gone). */
  deltaSince(version: number): TState;
  /** The oldest `version` that {@link deltaSince} can answer with a delta rather than the full state. */
  readonly deltaFloor: number;
  /** Lets this replica forget the delta history up to `version` (every peer has seen it). */
  discardDeltasThrough(version: number): void;
  /** The full state, plain JSON. */
  toJSON(): TState;
  /** Calls `listener` after every change; returns the function that unsubscribes. */
  subscribe(listener: (change: CrdtChange) => void): () => void;
}

/** Version counting and change listeners, shared by every CRDT class. */
export class ChangeTracker {
  #version = 0;
  readonly #listeners = new Set<(change: CrdtChange) => void>();

  get version(): number {
    return this.#version;
  }

  /** Records one change and returns the new version; call {@link notify} once the state is consistent. */
  bump(): number {
    this.#version += 1;
    return this.#version;
  }

  notify(origin: CrdtChangeOrigin): void {
    const change: CrdtChange = { origin, version: this.#version };
    for (const listener of [...this.#listeners]) listener(change);
  }

  subscribe(listener: (change: CrdtChange) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}
