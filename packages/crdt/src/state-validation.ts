import { CrdtFormatError, InvalidArgumentError } from '@troupe/core';

/** The current serialisation format of every CRDT in this package. */
export const CRDT_FORMAT_VERSION = 1;

type Fields = Record<string, unknown>;

/** Checks the envelope every serialised CRDT carries and returns it as a record. */
export function readEnvelope(json: unknown, type: string): Fields {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CrdtFormatError(`A serialised ${type} must be an object, got ${describe(json)}.`);
  }
  const fields = json as Fields;
  if (fields.type !== type) {
    throw new CrdtFormatError(`Field "type" is ${describe(fields.type)}; expected "${type}".`);
  }
  if (fields.formatVersion !== CRDT_FORMAT_VERSION) {
    throw new CrdtFormatError(
      `Field "formatVersion" of a ${type} is ${describe(fields.formatVersion)}; this version reads ${CRDT_FORMAT_VERSION}.`,
    );
  }
  return fields;
}

/** A plain object (not an array, not null), or a CrdtFormatError naming `path`. */
export function readRecord(value: unknown, path: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CrdtFormatError(`Field "${path}" must be an object, got ${describe(value)}.`);
  }
  return value as Fields;
}

export function readArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new CrdtFormatError(`Field "${path}" must be an array, got ${describe(value)}.`);
  return value;
}

/** A safe integer >= `minimum`. */
export function readCount(value: unknown, path: string, minimum = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    throw new CrdtFormatError(`Field "${path}" must be an integer >= ${minimum}, got ${describe(value)}.`);
  }
  return value;
}

export function readNodeId(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new CrdtFormatError(`Field "${path}" must be a non-empty replica id, got ${describe(value)}.`);
  }
  return value;
}

/** Validates a replica id passed by a user. */
export function requireNodeId(node: unknown, owner: string): string {
  if (typeof node !== 'string' || node.length === 0) {
    throw new InvalidArgumentError(`${owner} needs option "node", a non-empty string; got ${describe(node)}.`);
  }
  return node;
}

/** Validates an amount passed to a counter operation. */
export function requireAmount(amount: unknown, operation: string): number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0) {
    throw new InvalidArgumentError(`${operation} takes a non-negative integer amount; got ${describe(amount)}.`);
  }
  return amount;
}

/** Validates a version passed to deltaSince / discardDeltasThrough. */
export function requireVersion(version: unknown, operation: string): number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw new InvalidArgumentError(`${operation} takes a version, an integer >= 0; got ${describe(version)}.`);
  }
  return version;
}

export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
