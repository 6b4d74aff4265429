import { readCount, readRecord } from './state-validation.ts';

interface CountEntry {
  count: number;
  /** The version at which this entry last changed, so deltas can be cut from the state itself. */
  changedAt: number;
}

/** Per-replica monotonic counts joined by maximum: the state of a grow-only counter. */
export class CountMap {
  readonly #entries = new Map<string, CountEntry>();
  #total = 0;

  get total(): number {
    return this.#total;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(node: string): number {
    return this.#entries.get(node)?.count ?? 0;
  }

  add(node: string, amount: number, version: number): void {
    const entry = this.#entries.get(node);
    if (entry) {
      entry.count += amount;
      entry.changedAt = version;
    } else {
      this.#entries.set(node, { count: amount, changedAt: version });
    }
    this.#total += amount;
  }

  /** Raises each count to the other's where it is higher; true when anything rose. */
  join(other: ReadonlyMap<string, number>, version: number): boolean {
    let changed = false;
    for (const [node, count] of other) {
      const entry = this.#entries.get(node);
      const current = entry?.count ?? 0;
      if (count <= current) continue;
      if (entry) {
        entry.count = count;
        entry.changedAt = version;
      } else {
        this.#entries.set(node, { count, changedAt: version });
      }
      this.#total += count - current;
      changed = true;
    }
    return changed;
  }

  /** The entries changed after `version` (all of them for 0). */
  toRecord(since = 0): Record<string, number> {
    const pairs: [string, number][] = [];
    for (const [node, entry] of this.#entries) if (entry.changedAt > since) pairs.push([node, entry.count]);
    // fromEntries defines own properties, so even a replica named "__proto__" survives.
    return Object.fromEntries(pairs);
  }

  static parse(value: unknown, path: string): Map<string, number> {
    const record = readRecord(value, path);
    const counts = new Map<string, number>();
    for (const [node, count] of Object.entries(record)) {
      counts.set(node, readCount(count, `${path}.${node}`));
    }
    return counts;
  }
}
