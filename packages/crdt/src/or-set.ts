import { CrdtFormatError, InvalidArgumentError } from '@troupe/core';
import { canonicalJson } from './canonical-json.ts';
import { copyJson } from './copy-json.ts';
import { ChangeTracker, type CrdtChange, type DeltaCrdt } from './delta-crdt.ts';
import { type Dot, type DotRanges, DotSet, dotKey } from './dot-set.ts';
import { plainState } from './plain-state.ts';
import {
  CRDT_FORMAT_VERSION,
  describe,
  readArray,
  readCount,
  readEnvelope,
  readNodeId,
  requireNodeId,
  requireVersion,
} from './state-validation.ts';

/** Serialised {@link ORSet}: live elements with their dots, and the causal context. */
export interface ORSetState<T> {
  type: 'or-set';
  formatVersion: 1;
  /** Each live element with the dots (`[replica, counter]`) of the adds that keep it alive. */
  entries: [T, [string, number][]][];
  /** Every dot this state has seen, alive or removed, as per-replica ranges. */
  context: DotRanges;
}

/** Options of {@link ORSet}. */
export interface ORSetOptions {
  /** This replica's id, unique in the cluster for the life of its state. */
  node: string;
  /**
   * At most this many dot ranges of change history are kept for {@link ORSet.deltaSince}; older
   * history is dropped and a request for it gets the full state. Default 10,000.
   */
  maxDeltaHistory?: number;
}

/** What an {@link ORSet} holds in memory, to watch for growth. */
export interface ORSetFootprint {
  /** Live elements. */
  elements: number;
  /** Dots keeping them alive. */
  liveDots: number;
  /** Ranges in the causal context (one per replica once everything is seen). */
  contextRanges: number;
  /** Dot ranges of change history kept for deltas (dropped once every peer has them). */
  historyRanges: number;
}

interface Entry<T> {
  element: T;
  dots: Map<string, Dot>;
}

interface HistoryRange {
  version: number;
  origin: string;
  from: number;
  to: number;
}

interface ParsedState<T> {
  entries: Map<string, Entry<T>>;
  context: DotSet;
}

const DEFAULT_MAX_HISTORY = 10_000;

/**
 * An observed-remove set with add-wins semantics (the optimised OR-Set of Bieniusa et al. in its
 * delta-state form). Every add is tagged with a fresh dot; a remove removes the dots it has seen;
 * an add concurrent with a remove survives because the remove never saw its dot. Removals leave no
 * per-element tombstone: the causal context remembers seen dots as ranges that coalesce, and the
 * change history kept for deltas is dropped once every peer has acknowledged it.
 */
export class ORSet<T = string> implements DeltaCrdt<ReadonlySet<T>, ORSetState<T>> {
  readonly type = 'or-set';
  readonly node: string;
  readonly #maxHistory: number;
  readonly #changes = new ChangeTracker();
  readonly #entries = new Map<string, Entry<T>>();
  /** Live dot -> element key. */
  readonly #live = new Map<string, string>();
  readonly #context = new DotSet();
  /** Dots whose status changed, by version, oldest first: what a delta since a version covers. */
  #history: HistoryRange[] = [];
  #floor = 0;

  constructor(options: ORSetOptions) {
    this.node = requireNodeId(options?.node, 'ORSet');
    const max = options.maxDeltaHistory ?? DEFAULT_MAX_HISTORY;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new InvalidArgumentError(`ORSet option "maxDeltaHistory" must be an integer >= 1; got ${describe(max)}.`);
    }
    this.#maxHistory = max;
  }

  /** Reads serialised state (validated: a CrdtFormatError names the bad field) into a replica `node`. */
  static fromJSON<T = string>(json: unknown, options: ORSetOptions): ORSet<T> {
    const set = new ORSet<T>(options);
    set.#join(ORSet.#parse<T>(json));
    return set;
  }

  static #parse<T>(json: unknown): ParsedState<T> {
    const fields = readEnvelope(json, 'or-set');
    const context = DotSet.parse(fields.context, 'context');
    const entries = new Map<string, Entry<T>>();
    const seen = new Set<string>();
    readArray(fields.entries, 'entries').forEach((rawEntry, index) => {
      const path = `entries[${index}]`;
      const pair = readArray(rawEntry, path);
      if (pair.length !== 2) throw new CrdtFormatError(`Field "${path}" must be an [element, dots] pair.`);
      let key: string;
      try {
        key = canonicalJson(pair[0]);
      } catch (error) {
        throw new CrdtFormatError(`Field "${path}[0]" is not a JSON value.`, { cause: error });
      }
      if (entries.has(key)) throw new CrdtFormatError(`Field "${path}" repeats an element listed earlier.`);
      const dots = new Map<string, Dot>();
      readArray(pair[1], `${path}[1]`).forEach((rawDot, dotIndex) => {
        const dotPath = `${path}[1][${dotIndex}]`;
        const tuple = readArray(rawDot, dotPath);
        const origin = readNodeId(tuple[0], `${dotPath}[0]`);
        const counter = readCount(tuple[1], `${dotPath}[1]`, 1);
        const id = dotKey(origin, counter);
        if (seen.has(id)) throw new CrdtFormatError(`Field "${dotPath}" uses dot ${id} a second time.`);
        if (!context.has(origin, counter)) {
          throw new CrdtFormatError(`Field "${dotPath}" names dot ${id}, which "context" does not cover.`);
        }
        seen.add(id);
        dots.set(id, { origin, counter });
      });
      if (dots.size === 0)
        throw new CrdtFormatError(`Field "${path}[1]" is empty; a live element has at least one dot.`);
      entries.set(key, { element: copyJson(pair[0]) as T, dots });
    });
    return { entries, context };
  }

  /** The live elements. */
  get value(): ReadonlySet<T> {
    const elements = new Set<T>();
    for (const entry of this.#entries.values()) elements.add(entry.element);
    return elements;
  }

  get size(): number {
    return this.#entries.size;
  }

  get version(): number {
    return this.#changes.version;
  }

  get deltaFloor(): number {
    return this.#floor;
  }

  /** What this replica keeps in memory. */
  get footprint(): ORSetFootprint {
    return {
      elements: this.#entries.size,
      liveDots: this.#live.size,
      contextRanges: this.#context.rangeCount,
      historyRanges: this.#history.length,
    };
  }

  has(element: T): boolean {
    return this.#entries.has(canonicalJson(element));
  }

  /** Adds `element` (plain JSON). Re-adding a present element refreshes its dot, so it also wins over concurrent removes. */
  add(element: T): void {
    const key = canonicalJson(element);
    const counter = this.#context.max(this.node) + 1;
    const version = this.#changes.bump();
    const previous = this.#entries.get(key);
    if (previous) this.#dropEntry(key, version);
    const dot: Dot = { origin: this.node, counter };
    const id = dotKey(this.node, counter);
    this.#entries.set(key, { element: copyJson(element), dots: new Map([[id, dot]]) });
    this.#live.set(id, key);
    this.#context.add(this.node, counter);
    this.#record({ version, origin: this.node, from: counter, to: counter });
    this.#trimHistory();
    this.#changes.notify('local');
  }

  /** Removes `element` as observed here; returns false (and changes nothing) when it is absent. */
  delete(element: T): boolean {
    const key = canonicalJson(element);
    if (!this.#entries.has(key)) return false;
    this.#dropEntry(key, this.#changes.bump());
    this.#trimHistory();
    this.#changes.notify('local');
    return true;
  }

  /** Removes every element observed here. */
  clear(): void {
    if (this.#entries.size === 0) return;
    const version = this.#changes.bump();
    for (const key of [...this.#entries.keys()]) this.#dropEntry(key, version);
    this.#trimHistory();
    this.#changes.notify('local');
  }

  merge(other: ORSet<T> | ORSetState<T>): boolean {
    const changed = this.#join(ORSet.#parse<T>(plainState(other)));
    if (changed) this.#changes.notify('remote');
    return changed;
  }

  /** Joins a parsed state; bumps the version when something changed. */
  #join(other: ParsedState<T>): boolean {
    const version = this.#changes.version + 1;
    const otherLive = new Set<string>();
    for (const entry of other.entries.values()) for (const id of entry.dots.keys()) otherLive.add(id);
    let changed = false;
    // Removals: dots alive here that the other has seen and no longer holds. Walk the smaller side.
    const removed: Dot[] = [];
    if (other.context.count <= this.#live.size) {
      for (const dot of other.context.dots()) {
        const id = dotKey(dot.origin, dot.counter);
        if (this.#live.has(id) && !otherLive.has(id)) removed.push(dot);
      }
    } else {
      for (const [id, key] of this.#live) {
        const dot = this.#entries.get(key)?.dots.get(id) as Dot;
        if (!otherLive.has(id) && other.context.has(dot.origin, dot.counter)) removed.push(dot);
      }
    }
    for (const dot of removed) {
      this.#dropDot(dot);
      this.#record({ version, origin: dot.origin, from: dot.counter, to: dot.counter });
      changed = true;
    }
    // Additions: dots alive there that this replica has never seen.
    for (const [key, entry] of other.entries) {
      for (const [id, dot] of entry.dots) {
        if (this.#context.has(dot.origin, dot.counter)) continue;
        let target = this.#entries.get(key);
        if (!target) {
          target = { element: entry.element, dots: new Map() };
          this.#entries.set(key, target);
        }
        target.dots.set(id, dot);
        this.#live.set(id, key);
      }
    }
    const added = this.#context.union(other.context);
    for (const [origin, from, to] of added.ranges()) {
      this.#record({ version, origin, from, to });
      changed = true;
    }
    if (changed) {
      this.#changes.bump();
      this.#trimHistory();
    }
    return changed;
  }

  #dropEntry(key: string, version: number): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    for (const [id, dot] of entry.dots) {
      this.#live.delete(id);
      this.#record({ version, origin: dot.origin, from: dot.counter, to: dot.counter });
    }
  }

  #dropDot(dot: Dot): void {
    const id = dotKey(dot.origin, dot.counter);
    const key = this.#live.get(id);
    if (key === undefined) return;
    this.#live.delete(id);
    const entry = this.#entries.get(key);
    entry?.dots.delete(id);
    if (entry && entry.dots.size === 0) this.#entries.delete(key);
  }

  #record(range: HistoryRange): void {
    const { version, origin, from, to } = range;
    const last = this.#history[this.#history.length - 1];
    // Consecutive dots of one replica in the same change share one range.
    if (last && last.version === version && last.origin === origin && last.to + 1 === from) {
      last.to = to;
      return;
    }
    this.#history.push({ ...range });
  }

  #trimHistory(): void {
    if (this.#history.length <= this.#maxHistory) return;
    const excess = this.#history.length - this.#maxHistory;
    // Drop whole versions only, so a delta never covers part of a change.
    let cut = excess;
    const boundary = (this.#history[cut - 1] as HistoryRange).version;
    while (cut < this.#history.length && (this.#history[cut] as HistoryRange).version === boundary) cut++;
    this.#history = this.#history.slice(cut);
    this.#floor = Math.max(this.#floor, boundary);
  }

  /**
   * Everything that changed after `version`: the dots whose status changed since (as context) and
   * those of them still alive (as entries). The full state when that history has been dropped.
   */
  deltaSince(version: number): ORSetState<T> {
    requireVersion(version, 'ORSet.deltaSince');
    if (version < this.#floor) return this.toJSON();
    const covered = new DotSet();
    for (let index = this.#firstAfter(version); index < this.#history.length; index++) {
      const range = this.#history[index] as HistoryRange;
      covered.addRange(range.origin, range.from, range.to);
    }
    const groups = new Map<string, [string, number][]>();
    const collect = (id: string, dot: Dot) => {
      const key = this.#live.get(id);
      if (key === undefined) return;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = []));
      group.push([dot.origin, dot.counter]);
    };
    if (covered.count <= this.#live.size) {
      for (const dot of covered.dots()) collect(dotKey(dot.origin, dot.counter), dot);
    } else {
      for (const [id, key] of this.#live) {
        const dot = this.#entries.get(key)?.dots.get(id) as Dot;
        if (covered.has(dot.origin, dot.counter)) collect(id, dot);
      }
    }
    const entries: [T, [string, number][]][] = [];
    for (const [key, dots] of groups) {
      entries.push([copyJson((this.#entries.get(key) as Entry<T>).element), dots]);
    }
    return { type: 'or-set', formatVersion: CRDT_FORMAT_VERSION, entries, context: covered.toJSON() };
  }

  #firstAfter(version: number): number {
    let low = 0;
    let high = this.#history.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.#history[middle] as HistoryRange).version <= version) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Drops the change history up to `version` (every peer has it); older deltas become full states. */
  discardDeltasThrough(version: number): void {
    requireVersion(version, 'ORSet.discardDeltasThrough');
    const through = Math.min(version, this.#changes.version);
    if (through <= this.#floor) return;
    this.#history = this.#history.slice(this.#firstAfter(through));
    this.#floor = through;
  }

  toJSON(): ORSetState<T> {
    const entries: [T, [string, number][]][] = [];
    for (const entry of this.#entries.values()) {
      entries.push([copyJson(entry.element), [...entry.dots.values()].map((dot) => [dot.origin, dot.counter])]);
    }
    return { type: 'or-set', formatVersion: CRDT_FORMAT_VERSION, entries, context: this.#context.toJSON() };
  }

  subscribe(listener: (change: CrdtChange) => void): () => void {
    return this.#changes.subscribe(listener);
  }
}
