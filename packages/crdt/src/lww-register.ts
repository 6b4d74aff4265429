import { CrdtFormatError } from '@troupe/core';
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
import { CRDT_FORMAT_VERSION, readEnvelope, readRecord, requireVersion } from './state-validation.ts';

/** One timestamped write. */
export interface LwwWrite<T> {
  /** The value written (plain JSON). */
  value: T;
  /** When, by hybrid logical clock; the greater timestamp wins. */
  timestamp: HlcTimestamp;
}

/** Serialised {@link LWWRegister}: the winning write, or null before any write. */
export interface LWWRegisterState<T> {
  type: 'lww-register';
  formatVersion: 1;
  write: LwwWrite<T> | null;
}

/** Options of {@link LWWRegister}. */
export type LWWRegisterOptions = LwwClockOptions;

/**
 * A last-writer-wins register: the write with the greatest hybrid-logical-clock timestamp wins,
 * ties broken by replica id, so every replica picks the same one. Use it for a single value that
 * is replaced wholesale (a session's model choice, a leader's announcement).
 */
export class LWWRegister<T = unknown> implements DeltaCrdt<T | undefined, LWWRegisterState<T>> {
  readonly type = 'lww-register';
  readonly node: string;
  readonly deltaFloor = 0;
  readonly #hlc: HybridLogicalClock;
  readonly #changes = new ChangeTracker();
  #write: LwwWrite<T> | null = null;
  #changedAt = 0;

  constructor(options: LWWRegisterOptions) {
    this.#hlc = resolveHlc(options, 'LWWRegister');
    this.node = this.#hlc.node;
  }

  /** Reads serialised state (validated: a CrdtFormatError names the bad field) into a replica. */
  static fromJSON<T = unknown>(json: unknown, options: LWWRegisterOptions): LWWRegister<T> {
    const register = new LWWRegister<T>(options);
    const write = LWWRegister.#parse<T>(json);
    if (write) {
      observeRemote(register.#hlc, write.timestamp);
      register.#write = write;
      register.#changedAt = register.#changes.bump();
    }
    return register;
  }

  static #parse<T>(json: unknown): LwwWrite<T> | null {
    const fields = readEnvelope(json, 'lww-register');
    if (fields.write === null) return null;
    const write = readRecord(fields.write, 'write');
    if (!('value' in write)) throw new CrdtFormatError('Field "write.value" is missing.');
    const timestamp = parseTimestamp(write.timestamp, 'write.timestamp');
    return { value: copyJson(write.value) as T, timestamp };
  }

  /** The winning value, undefined before any write. */
  get value(): T | undefined {
    return this.#write?.value;
  }

  /** The winning write's timestamp. */
  get timestamp(): HlcTimestamp | undefined {
    return this.#write?.timestamp;
  }

  get version(): number {
    return this.#changes.version;
  }

  /** Writes `value` (plain JSON) with a fresh timestamp. */
  set(value: T): void {
    this.#write = { value: copyJson(value), timestamp: this.#hlc.now() };
    this.#changedAt = this.#changes.bump();
    this.#changes.notify('local');
  }

  merge(other: LWWRegister<T> | LWWRegisterState<T>): boolean {
    const write = LWWRegister.#parse<T>(plainState(other));
    if (!write) return false;
    observeRemote(this.#hlc, write.timestamp);
    if (this.#write && compareTimestamps(write.timestamp, this.#write.timestamp) <= 0) return false;
    this.#write = write;
    this.#changedAt = this.#changes.bump();
    this.#changes.notify('remote');
    return true;
  }

  deltaSince(version: number): LWWRegisterState<T> {
    requireVersion(version, 'LWWRegister.deltaSince');
    return this.#state(this.#changedAt > version);
  }

  discardDeltasThrough(version: number): void {
    requireVersion(version, 'LWWRegister.discardDeltasThrough');
  }

  toJSON(): LWWRegisterState<T> {
    return this.#state(true);
  }

  #state(includeWrite: boolean): LWWRegisterState<T> {
    const write =
      includeWrite && this.#write
        ? { value: copyJson(this.#write.value), timestamp: { ...this.#write.timestamp } }
        : null;
    return { type: 'lww-register', formatVersion: CRDT_FORMAT_VERSION, write };
  }

  subscribe(listener: (change: CrdtChange) => void): () => void {
    return this.#changes.subscribe(listener);
  }
}
