import { CrdtFormatError, InvalidArgumentError } from '@troupe/core';
import { copyJson } from './copy-json.ts';
import { ChangeTracker, type CrdtChange, type DeltaCrdt } from './delta-crdt.ts';
import {
  compareTimestamps,
  type HlcTimestamp,
  type HybridLogicalClock,
  parseTimestamp,
} from './hybrid-logical-clock.ts';
import { type LwwClockOptions, observeRemote, resolveHlc } from './lww-clock.ts';
import { plainState } from './plain-state.ts';
import { CRDT_FORMAT_VERSION, describe, readEnvelope, readRecord, requireVersion } from './state-validation.ts';

/** The latest write of one key: a value, or a deletion (kept as a tombstone so it can win). */
export type LwwMapEntry<V> = { value: V; timestamp: HlcTimestamp } | { deleted: true; timestamp: HlcTimestamp };

/** Serialised {@link LWWMap}. */
export interface LWWMapState<V> {
  type: 'lww-map';
  formatVersion: 1;
  entries: Record<string, LwwMapEntry<V>>;
}

/** Options of {@link LWWMap}. */
export type LWWMapOptions = LwwClockOptions;

interface Slot<V> {
  entry: LwwMapEntry<V>;
  changedAt: number;
}

/**
 * A map whose keys are independent last-writer-wins registers; deleting writes a timestamped
 * tombstone, so a delete beats older sets and loses to newer ones. Use it for shared settings or
 * per-key metadata where the latest write should win.
 */
export class LWWMap<V = unknown> implements DeltaCrdt<ReadonlyMap<string, V>, LWWMapState<V>> {
  readonly type = 'lww-map';
  readonly node: string;
  readonly deltaFloor = 0;
  readonly #hlc: HybridLogicalClock;
  readonly #changes = new ChangeTracker();
  readonly #slots = new Map<string, Slot<V>>();
  #live = 0;

  constructor(options: LWWMapOptions) {
    this.#hlc = resolveHlc(options, 'LWWMap');
    this.node = this.#hlc.node;
  }

  /** Reads serialised state (validated: a CrdtFormatError names the bad field) into a replica. */
  static fromJSON<V = unknown>(json: unknown, options: LWWMapOptions): LWWMap<V> {
    const map = new LWWMap<V>(options);
    if (map.#join(LWWMap.#parse<V>(json), 1)) map.#changes.bump();
    return map;
  }

  static #parse<V>(json: unknown): Map<string, LwwMapEntry<V>> {
    const fields = readEnvelope(json, 'lww-map');
    const record = readRecord(fields.entries, 'entries');
    const entries = new Map<string, LwwMapEntry<V>>();
    for (const [key, raw] of Object.entries(record)) {
      const path = `entries.${key}`;
      const slot = readRecord(raw, path);
      const timestamp = parseTimestamp(slot.timestamp, `${path}.timestamp`);
      if (slot.deleted !== undefined) {
        if (slot.deleted !== true) {
          throw new CrdtFormatError(
            `Field "${path}.deleted" must be true when present, got ${describe(slot.deleted)}.`,
          );
        }
        entries.set(key, { deleted: true, timestamp });
      } else if ('value' in slot) {
        entries.set(key, { value: copyJson(slot.value) as V, timestamp });
      } else {
        throw new CrdtFormatError(`Field "${path}" needs either "value" or "deleted".`);
      }
    }
    return entries;
  }

  /** The live entries (tombstones left out). */
  get value(): ReadonlyMap<string, V> {
    const live = new Map<string, V>();
    for (const [key, slot] of this.#slots) if ('value' in slot.entry) live.set(key, slot.entry.value);
    return live;
  }

  /** How many keys are live. */
  get size(): number {
    return this.#live;
  }

  get version(): number {
    return this.#changes.version;
  }

  get(key: string): V | undefined {
    const entry = this.#slots.get(key)?.entry;
    return entry && 'value' in entry ? entry.value : undefined;
  }

  has(key: string): boolean {
    const entry = this.#slots.get(key)?.entry;
    return entry !== undefined && 'value' in entry;
  }

  /** Writes `value` (plain JSON) under `key` with a fresh timestamp. */
  set(key: string, value: V): void {
    requireKey(key, 'LWWMap.set');
    this.#put(key, { value: copyJson(value), timestamp: this.#hlc.now() }, this.#changes.bump());
    this.#changes.notify('local');
  }

  /** Deletes `key` (a timestamped tombstone). Deleting an absent key still records the deletion. */
  delete(key: string): void {
    requireKey(key, 'LWWMap.delete');
    this.#put(key, { deleted: true, timestamp: this.#hlc.now() }, this.#changes.bump());
    this.#changes.notify('local');
  }

  merge(other: LWWMap<V> | LWWMapState<V>): boolean {
    const changed = this.#join(LWWMap.#parse<V>(plainState(other)), this.#changes.version + 1);
    if (changed) {
      this.#changes.bump();
      this.#changes.notify('remote');
    }
    return changed;
  }

  #join(entries: Map<string, LwwMapEntry<V>>, version: number): boolean {
    let changed = false;
    for (const [key, entry] of entries) {
      observeRemote(this.#hlc, entry.timestamp);
      const current = this.#slots.get(key);
      if (current && compareTimestamps(entry.timestamp, current.entry.timestamp) <= 0) continue;
      this.#put(key, entry, version);
      changed = true;
    }
    return changed;
  }

  #put(key: string, entry: LwwMapEntry<V>, version: number): void {
    const previous = this.#slots.get(key);
    if (previous && 'value' in previous.entry) this.#live -= 1;
    if ('value' in entry) this.#live += 1;
    this.#slots.set(key, { entry, changedAt: version });
  }

  deltaSince(version: number): LWWMapState<V> {
    requireVersion(version, 'LWWMap.deltaSince');
    return this.#state(version);
  }

  discardDeltasThrough(version: number): void {
    requireVersion(version, 'LWWMap.discardDeltasThrough');
  }

  toJSON(): LWWMapState<V> {
    return this.#state(-1);
  }

  #state(since: number): LWWMapState<V> {
    const pairs: [string, LwwMapEntry<V>][] = [];
    for (const [key, slot] of this.#slots) {
      if (slot.changedAt <= since) continue;
      const timestamp = { ...slot.entry.timestamp };
      pairs.push([
        key,
        'value' in slot.entry ? { value: copyJson(slot.entry.value), timestamp } : { deleted: true, timestamp },
      ]);
    }
    return { type: 'lww-map', formatVersion: CRDT_FORMAT_VERSION, entries: Object.fromEntries(pairs) };
  }

  subscribe(listener: (change: CrdtChange) => void): () => void {
    return this.#changes.subscribe(listener);
  }
}

function requireKey(key: unknown, operation: string): void {
  if (typeof key !== 'string') throw new InvalidArgumentError(`${operation} takes a string key; got ${describe(key)}.`);
}
