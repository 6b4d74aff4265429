import { InvalidArgumentError, type SessionState } from '@troupe/core';

/** Keys with this prefix belong to the runtime (the persisted route); agents and tools cannot set them. */
export const reservedStatePrefix = 'troupe.';

const deleted: unique symbol = Symbol('deleted');

/**
 * The state of one turn: reads see the committed state plus this turn's changes; writes are kept
 * as a delta so the turn can commit them with its messages, or drop them with it.
 */
export class TurnState implements SessionState {
  /** The turn's changes; made on the first one (most turns change nothing). */
  private changes: Map<string, unknown> | undefined;

  constructor(private readonly committed: Readonly<Record<string, unknown>>) {}

  get<T = unknown>(key: string): T | undefined {
    if (this.changes?.has(key)) {
      const value = this.changes.get(key);
      return value === deleted ? undefined : (value as T);
    }
    return this.committed[key] as T | undefined;
  }

  set(key: string, value: unknown): void {
    assertUserKey(key);
    if (value === undefined) {
      this.delete(key);
      return;
    }
    (this.changes ??= new Map()).set(key, value);
  }

  delete(key: string): void {
    assertUserKey(key);
    (this.changes ??= new Map()).set(key, deleted);
  }

  has(key: string): boolean {
    if (this.changes?.has(key)) return this.changes.get(key) !== deleted;
    return Object.hasOwn(this.committed, key);
  }

  toJSON(): Record<string, unknown> {
    return this.applyTo(this.committed);
  }

  /** True when the turn changed nothing. */
  get unchanged(): boolean {
    return this.changes === undefined || this.changes.size === 0;
  }

  /** The committed state with this turn's delta applied, as a new object. */
  applyTo(base: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const next: Record<string, unknown> = { ...base };
    for (const [key, value] of this.changes ?? []) {
      if (value === deleted) delete next[key];
      else next[key] = value;
    }
    return next;
  }
}

function assertUserKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidArgumentError(`Session state keys must be non-empty strings; got ${String(key)}.`);
  }
  if (key.startsWith(reservedStatePrefix)) {
    throw new InvalidArgumentError(`The session state key "${key}" is reserved for the runtime.`, {
      remedy: `Use a key that does not start with "${reservedStatePrefix}".`,
    });
  }
}
