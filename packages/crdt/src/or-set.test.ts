import { CrdtFormatError, InvalidArgumentError } from '@troupe/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ORSet, type ORSetState } from './or-set.ts';
import { seededRandom } from './seeded-random.ts';

const sorted = (set: ORSet<string>) => [...set.value].sort();

function formatError(run: () => unknown): CrdtFormatError {
  try {
    run();
  } catch (error) {
    if (CrdtFormatError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a CrdtFormatError');
}

describe('ORSet', () => {
  it('adds, removes and re-adds elements', () => {
    const set = new ORSet<string>({ node: 'a' });
    set.add('x');
    set.add('y');
    expect(set.delete('x')).toBe(true);
    expect(set.delete('x')).toBe(false);
    set.add('x');
    expect(sorted(set)).toEqual(['x', 'y']);
    expect(set.has('y')).toBe(true);
    set.clear();
    expect(set.size).toBe(0);
  });

  it('treats structurally equal JSON elements as one element', () => {
    const set = new ORSet<{ id: number; tag: string }>({ node: 'a' });
    set.add({ id: 1, tag: 't' });
    set.add({ tag: 't', id: 1 });
    expect(set.size).toBe(1);
    expect(set.has({ tag: 't', id: 1 })).toBe(true);
    expect(() => set.add({ id: Number.NaN, tag: 'x' })).toThrow(InvalidArgumentError);
  });

  it('add wins over a concurrent remove, whatever happened before', () => {
    const element = fc.constantFrom('p', 'q', 'r');
    const history = fc.array(fc.record({ add: fc.boolean(), element, onA: fc.boolean() }), { maxLength: 15 });
    fc.assert(
      fc.property(history, element, (steps, contested) => {
        const a = new ORSet<string>({ node: 'a' });
        const b = new ORSet<string>({ node: 'b' });
        for (const step of steps) {
          const replica = step.onA ? a : b;
          if (step.add) replica.add(step.element);
          else replica.delete(step.element);
        }
        a.merge(b);
        b.merge(a);
        a.add(contested);
        b.merge(a);
        // Concurrently: b removes what it has seen, a adds the element again.
        b.delete(contested);
        a.add(contested);
        const aDelta = a.toJSON();
        a.merge(b);
        b.merge(aDelta);
        expect(a.has(contested)).toBe(true);
        expect(sorted(a)).toEqual(sorted(b));
      }),
      { numRuns: 100 },
    );
  });

  it('a remove that arrives before the add it observed does not let that add through', () => {
    const a = new ORSet<string>({ node: 'a' });
    const b = new ORSet<string>({ node: 'b' });
    const c = new ORSet<string>({ node: 'c' });
    a.add('x');
    const addDelta = a.deltaSince(0);
    b.merge(addDelta);
    const before = b.version;
    b.delete('x');
    const removeDelta = b.deltaSince(before);
    c.merge(removeDelta);
    c.merge(addDelta);
    expect(c.has('x')).toBe(false);
    expect(c.footprint.contextRanges).toBe(1);
  });

  it('sends a delta of one element, not the whole set, after one change', () => {
    const set = new ORSet<string>({ node: 'a' });
    for (let index = 0; index < 1_000; index++) set.add(`item-${index}`);
    const version = set.version;
    set.add('new');
    set.delete('item-5');
    const delta = set.deltaSince(version);
    expect(delta.entries).toEqual([['new', [['a', 1_001]]]]);
    expect(delta.context).toEqual({
      a: [
        [6, 6],
        [1_001, 1_001],
      ],
    });
    const replica = ORSet.fromJSON<string>(set.toJSON(), { node: 'b' });
    expect(replica.merge(delta)).toBe(false);
  });

  it('keeps memory bounded under add/remove churn, and garbage collection never resurrects', () => {
    const random = seededRandom(42);
    const replicas = ['a', 'b', 'c'].map((node) => new ORSet<string>({ node, maxDeltaHistory: 500 }));
    const inFlight: ORSetState<string>[] = [];
    const churn = (rounds: number) => {
      for (let round = 0; round < rounds; round++) {
        const replica = replicas[Math.floor(random() * 3)] as ORSet<string>;
        const element = `e${Math.floor(random() * 20)}`;
        const before = replica.version;
        if (random() < 0.5) replica.add(element);
        else replica.delete(element);
        if (replica.version === before) continue;
        // Deliver the delta to the others out of order, with loss; keep a copy to replay later.
        const delta = replica.deltaSince(before);
        inFlight.push(delta);
        for (const other of replicas) if (other !== replica && random() < 0.6) other.merge(delta);
      }
      // Anti-entropy: everyone exchanges full state, then everyone has seen everything.
      for (const left of replicas) for (const right of replicas) left.merge(right.toJSON());
      for (const replica of replicas) replica.discardDeltasThrough(replica.version);
    };
    churn(2_000);
    const small = replicas.map((replica) => replica.footprint);
    churn(20_000);
    const large = replicas.map((replica) => replica.footprint);
    for (const [index, footprint] of large.entries()) {
      expect(footprint.contextRanges).toBeLessThanOrEqual(3);
      expect(footprint.historyRanges).toBe(0);
      expect(footprint.liveDots).toBeLessThanOrEqual(20 * 3);
      expect(footprint.contextRanges).toBeLessThanOrEqual((small[index]?.contextRanges ?? 0) + 3);
    }
    const settled = replicas.map(sorted);
    expect(settled[1]).toEqual(settled[0]);
    expect(settled[2]).toEqual(settled[0]);
    // Replaying every old delta (late duplicates) after the clean-up resurrects nothing.
    for (const replica of replicas) for (const delta of inFlight) replica.merge(delta);
    expect(replicas.map(sorted)).toEqual(settled);
  });

  it('answers deltaSince with the full state once the history is gone', () => {
    const set = new ORSet<string>({ node: 'a', maxDeltaHistory: 10 });
    for (let index = 0; index < 30; index++) set.add(`x${index}`);
    expect(set.footprint.historyRanges).toBeLessThanOrEqual(10);
    expect(set.deltaFloor).toBeGreaterThan(0);
    expect(set.deltaSince(0).entries).toHaveLength(30);
    expect(set.deltaSince(set.version - 1).entries).toHaveLength(1);
    set.discardDeltasThrough(set.version);
    expect(set.footprint.historyRanges).toBe(0);
    expect(set.deltaSince(set.version).entries).toHaveLength(0);
    expect(set.deltaSince(set.version - 1).entries).toHaveLength(30);
  });

  it('round-trips through JSON', () => {
    const set = new ORSet<string | number>({ node: 'a' });
    set.add('x');
    set.add(1);
    set.delete('x');
    const copy = ORSet.fromJSON<string | number>(JSON.parse(JSON.stringify(set)), { node: 'b' });
    expect([...copy.value]).toEqual([1]);
    expect(copy.toJSON().context).toEqual({ a: [[1, 2]] });
    copy.add('y');
    expect(copy.toJSON().context).toEqual({ a: [[1, 2]], b: [[1, 1]] });
  });

  it('rejects malformed state naming the field, and changes nothing', () => {
    const set = new ORSet<string>({ node: 'a' });
    set.add('keep');
    const good = { type: 'or-set', formatVersion: 1, entries: [['x', [['b', 1]]]], context: { b: [[1, 1]] } };
    const cases: [unknown, RegExp][] = [
      [null, /must be an object/],
      [{ ...good, type: 'g-counter' }, /"type"/],
      [{ ...good, formatVersion: 2 }, /"formatVersion"/],
      [{ ...good, entries: {} }, /"entries" must be an array/],
      [{ ...good, entries: [['x', [['b', 2]]]] }, /entries\[0\]\[1\]\[0\]" names dot 2@b/],
      [
        {
          ...good,
          entries: [
            ['x', [['b', 1]]],
            ['y', [['b', 1]]],
          ],
        },
        /uses dot 1@b a second time/,
      ],
      [{ ...good, entries: [['x', []]] }, /is empty/],
      [{ ...good, entries: [['x', [['', 1]]]] }, /entries\[0\]\[1\]\[0\]\[0\]/],
      [{ ...good, context: { b: [[3, 1]] } }, /context\.b\[0\]" is empty/],
      [{ ...good, context: { b: [[0, 1]] } }, /context\.b\[0\]\[0\]" must be an integer >= 1/],
    ];
    for (const [input, message] of cases) {
      expect(formatError(() => set.merge(input as ORSetState<string>)).message).toMatch(message);
      expect(() => ORSet.fromJSON(input, { node: 'z' })).toThrow(CrdtFormatError);
    }
    expect(sorted(set)).toEqual(['keep']);
    expect(set.version).toBe(1);
  });

  it('rejects bad options', () => {
    expect(() => new ORSet({ node: '' })).toThrow(InvalidArgumentError);
    expect(() => new ORSet({ node: 'a', maxDeltaHistory: 0 })).toThrow(/maxDeltaHistory/);
    expect(() => new ORSet({ node: 'a' }).deltaSince(-1)).toThrow(InvalidArgumentError);
  });
});
