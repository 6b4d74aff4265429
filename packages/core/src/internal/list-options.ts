import { InvalidArgumentError } from '../errors.ts';
import type { ListSessionsOptions } from '../store.ts';

/** Page size when `list` is called without `limit`. */
export const defaultListLimit = 100;
/** The largest page `list` returns. */
export const maximumListLimit = 10_000;

/** `list` options with defaults applied. */
export interface ResolvedListOptions {
  /** Only ids starting with this ('' for all). */
  prefix: string;
  /** Page size. */
  limit: number;
  /** Return only ids after this one (the last id of the previous page). */
  after: string | undefined;
}

/** Validates and completes `list` options; throws `InvalidArgumentError` for bad values. */
export function resolveListOptions(options: ListSessionsOptions = {}): ResolvedListOptions {
  const { prefix = '', limit = defaultListLimit, cursor } = options;
  if (typeof prefix !== 'string')
    throw new InvalidArgumentError(`list() got prefix ${String(prefix)}; it must be a string.`);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maximumListLimit) {
    throw new InvalidArgumentError(
      `list() got limit ${String(limit)}; it must be an integer from 1 to ${maximumListLimit}.`,
    );
  }
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length === 0)) {
    throw new InvalidArgumentError(
      'list() got a cursor that is not one it returned; pass the `cursor` of the previous page.',
    );
  }
  return { prefix, limit, after: cursor };
}

/**
 * Orders strings by Unicode code point (the order of their UTF-8 bytes, which is also what LMDB
 * and PostgreSQL's "C" collation use), unlike `<` which compares UTF-16 code units.
 */
export function compareByCodePoint(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// Surrogate halves stand for code points above U+FFFF, so they must rank above U+E000..U+FFFF.
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
