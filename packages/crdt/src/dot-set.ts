import { CrdtFormatError } from '@troupe/core';
import { describe, readArray, readCount, readRecord } from './state-validation.ts';

/** A dot: the `counter`-th event issued by replica `origin`. */
export interface Dot {
  origin: string;
  counter: number;
}

/** Serialised dot set: per replica, sorted disjoint inclusive ranges `[from, to]`. */
export type DotRanges = Record<string, [number, number][]>;

export function dotKey(origin: string, counter: number): string {
  return `${counter}@${origin}`;
}

/**
 * A set of dots kept as per-replica ranges that merge as they touch. A replica that has seen every
 * event of another up to n holds the single range [1, n] for it, however many elements were added
 * and removed: this coalescing is what keeps a causal context (and so removal information) small.
 */
export class DotSet {
  readonly #ranges = new Map<string, [number, number][]>();
  #count = 0;

  /** How many dots. */
  get count(): number {
    return this.#count;
  }

  /** How many ranges are stored (the memory it takes). */
  get rangeCount(): number {
    let total = 0;
    for (const list of this.#ranges.values()) total += list.length;
    return total;
  }

  /** The highest counter seen from `origin` (0 for none). */
  max(origin: string): number {
    const list = this.#ranges.get(origin);
    return list?.[list.length - 1]?.[1] ?? 0;
  }

  has(origin: string, counter: number): boolean {
    const list = this.#ranges.get(origin);
    if (!list) return false;
    let low = 0;
    let high = list.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const range = list[middle] as [number, number];
      if (counter < range[0]) high = middle - 1;
      else if (counter > range[1]) low = middle + 1;
      else return true;
    }
    return false;
  }

  add(origin: string, counter: number): boolean {
    return this.addRange(origin, counter, counter) > 0;
  }

  /** Adds the dots `from..to` of `origin`; returns how many were new. */
  addRange(origin: string, from: number, to: number): number {
    let list = this.#ranges.get(origin);
    if (!list) {
      list = [];
      this.#ranges.set(origin, list);
    }
    // Fast path: appending after the last range, the common case for a replica's own events.
    const last = list[list.length - 1];
    if (!last || from > last[1] + 1) {
      list.push([from, to]);
      this.#count += to - from + 1;
      return to - from + 1;
    }
    if (from === last[1] + 1) {
      last[1] = to;
      this.#count += to - from + 1;
      return to - from + 1;
    }
    // General case: collect the ranges overlapping or touching [from, to] and replace them by one.
    let first = 0;
    while (first < list.length && (list[first] as [number, number])[1] < from - 1) first++;
    let end = first;
    let low = from;
    let high = to;
    let covered = 0;
    while (end < list.length && (list[end] as [number, number])[0] <= to + 1) {
      const range = list[end] as [number, number];
      covered += Math.max(0, Math.min(range[1], to) - Math.max(range[0], from) + 1);
      low = Math.min(low, range[0]);
      high = Math.max(high, range[1]);
      end++;
    }
    list.splice(first, end - first, [low, high]);
    const added = to - from + 1 - covered;
    this.#count += added;
    return added;
  }

  /** Adds every dot of `other`; returns the dots that were new here, as a DotSet. */
  union(other: DotSet): DotSet {
    const added = new DotSet();
    for (const [origin, list] of other.#ranges) {
      for (const [from, to] of list) {
        for (const [gapFrom, gapTo] of this.#gaps(origin, from, to)) added.addRange(origin, gapFrom, gapTo);
        this.addRange(origin, from, to);
      }
    }
    return added;
  }

  /** The parts of [from, to] of `origin` not in this set. */
  #gaps(origin: string, from: number, to: number): [number, number][] {
    const gaps: [number, number][] = [];
    let cursor = from;
    for (const [low, high] of this.#ranges.get(origin) ?? []) {
      if (high < cursor) continue;
      if (low > to) break;
      if (low > cursor) gaps.push([cursor, low - 1]);
      cursor = high + 1;
      if (cursor > to) break;
    }
    if (cursor <= to) gaps.push([cursor, to]);
    return gaps;
  }

  /** Every range, as `[origin, from, to]`. */
  *ranges(): Generator<[string, number, number]> {
    for (const [origin, list] of this.#ranges) for (const [from, to] of list) yield [origin, from, to];
  }

  *dots(): Generator<Dot> {
    for (const [origin, from, to] of this.ranges()) {
      for (let counter = from; counter <= to; counter++) yield { origin, counter };
    }
  }

  toJSON(): DotRanges {
    const pairs: [string, [number, number][]][] = [];
    for (const [origin, list] of this.#ranges) {
      if (list.length > 0) pairs.push([origin, list.map(([from, to]) => [from, to])]);
    }
    return Object.fromEntries(pairs);
  }

  static parse(value: unknown, path: string): DotSet {
    const record = readRecord(value, path);
    const set = new DotSet();
    for (const [origin, rawList] of Object.entries(record)) {
      if (origin.length === 0) throw new CrdtFormatError(`Field "${path}" has an empty replica id.`);
      const list = readArray(rawList, `${path}.${origin}`);
      list.forEach((rawRange, index) => {
        const rangePath = `${path}.${origin}[${index}]`;
        const range = readArray(rawRange, rangePath);
        if (range.length !== 2) {
          throw new CrdtFormatError(`Field "${rangePath}" must be a [from, to] pair, got ${range.length} items.`);
        }
        const from = readCount(range[0], `${rangePath}[0]`, 1);
        const to = readCount(range[1], `${rangePath}[1]`, 1);
        if (to < from) throw new CrdtFormatError(`Field "${rangePath}" is empty: ${describe(to)} < ${describe(from)}.`);
        set.addRange(origin, from, to);
      });
    }
    return set;
  }
}
