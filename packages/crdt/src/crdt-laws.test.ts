import { manualClock } from '@troupe/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeltaCrdt } from './delta-crdt.ts';
import { GCounter } from './g-counter.ts';
import { HybridLogicalClock } from './hybrid-logical-clock.ts';
import { LWWMap } from './lww-map.ts';
import { LWWRegister } from './lww-register.ts';
import { ORSet } from './or-set.ts';
import { PNCounter } from './pn-counter.ts';

// One step of a script run on three replicas: a local operation, a merge of another replica's full
// state, or the wall clock under the replica's hybrid logical clock moving on.
type Step =
  | { replica: number; action: 'op'; op: number; argument: number }
  | { replica: number; action: 'merge'; from: number }
  | { replica: number; action: 'time'; ms: number };

interface Subject {
  name: string;
  /** How many distinct local operations the type has (`op` is taken modulo this). */
  operations: number;
  create(node: string, hlc: HybridLogicalClock): DeltaCrdt;
  fromJSON(json: unknown, node: string): DeltaCrdt;
  apply(crdt: DeltaCrdt, op: number, argument: number): void;
}

const clockFor = (node: string) => {
  const clock = manualClock({ now: 1_000 });
  return { clock, hlc: new HybridLogicalClock({ node, clock }) };
};

const subjects: Subject[] = [
  {
    name: 'GCounter',
    operations: 1,
    create: (node) => new GCounter({ node }),
    fromJSON: (json, node) => GCounter.fromJSON(json, { node }),
    apply: (crdt, _op, argument) => (crdt as GCounter).increment(argument),
  },
  {
    name: 'PNCounter',
    operations: 2,
    create: (node) => new PNCounter({ node }),
    fromJSON: (json, node) => PNCounter.fromJSON(json, { node }),
    apply: (crdt, op, argument) =>
      op === 0 ? (crdt as PNCounter).increment(argument) : (crdt as PNCounter).decrement(argument),
  },
  {
    name: 'LWWRegister',
    operations: 1,
    create: (_node, hlc) => new LWWRegister<number>({ hlc }),
    fromJSON: (json, node) => LWWRegister.fromJSON<number>(json, { hlc: clockFor(node).hlc }),
    apply: (crdt, _op, argument) => (crdt as LWWRegister<number>).set(argument),
  },
  {
    name: 'ORSet',
    operations: 3,
    create: (node) => new ORSet<string>({ node }),
    fromJSON: (json, node) => ORSet.fromJSON<string>(json, { node }),
    apply: (crdt, op, argument) => {
      const set = crdt as ORSet<string>;
      const element = `e${argument % 4}`;
      if (op === 0) set.add(element);
      else if (op === 1) set.delete(element);
      else if (argument === 0) set.clear();
      else set.add(element);
    },
  },
  {
    name: 'LWWMap',
    operations: 2,
    create: (_node, hlc) => new LWWMap<number>({ hlc }),
    fromJSON: (json, node) => LWWMap.fromJSON<number>(json, { hlc: clockFor(node).hlc }),
    apply: (crdt, op, argument) => {
      const map = crdt as LWWMap<number>;
      const key = `k${argument % 3}`;
      if (op === 0) map.set(key, argument);
      else map.delete(key);
    },
  },
];

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      replica: fc.nat(2),
      action: fc.constant('op' as const),
      op: fc.nat(5),
      argument: fc.nat(5),
    }),
  },
  { weight: 2, arbitrary: fc.record({ replica: fc.nat(2), action: fc.constant('merge' as const), from: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ replica: fc.nat(2), action: fc.constant('time' as const), ms: fc.nat(50) }) },
);
const scriptArbitrary = fc.array(stepArbitrary, { maxLength: 30 });

interface Run {
  replicas: DeltaCrdt[];
  /** Every delta each replica produced, one per change, in order. */
  deltas: unknown[];
  /** Each replica's state at each of its versions, to check deltaSince from any of them. */
  snapshots: Map<number, unknown>[];
}

/** Runs a script on three fresh replicas, recording every delta and every intermediate state. */
function run(subject: Subject, script: Step[]): Run {
  const nodes = ['a', 'b', 'c'];
  const clocks = nodes.map(clockFor);
  const replicas = nodes.map((node, index) => subject.create(node, (clocks[index] as ReturnType<typeof clockFor>).hlc));
  const snapshots = replicas.map((crdt) => new Map<number, unknown>([[crdt.version, crdt.toJSON()]]));
  const deltas: unknown[] = [];
  for (const step of script) {
    const crdt = replicas[step.replica] as DeltaCrdt;
    const before = crdt.version;
    if (step.action === 'op') subject.apply(crdt, step.op % subject.operations, step.argument);
    else if (step.action === 'merge') crdt.merge((replicas[step.from] as DeltaCrdt).toJSON());
    else {
      void (clocks[step.replica] as ReturnType<typeof clockFor>).clock.advance(step.ms);
    }
    if (crdt.version !== before) {
      deltas.push(crdt.deltaSince(before));
      (snapshots[step.replica] as Map<number, unknown>).set(crdt.version, crdt.toJSON());
    }
  }
  return { replicas, deltas, snapshots };
}

/** A comparable form of a state: ORSet lists sorted, everything else as is. */
function normalise(state: unknown): unknown {
  const record = state as { type: string; entries?: unknown };
  if (record.type !== 'or-set') return state;
  const entries = (record.entries as [unknown, [string, number][]][])
    .map(
      ([element, dots]) =>
        [element, [...dots].sort((x, y) => `${x[0]}${x[1]}`.localeCompare(`${y[0]}${y[1]}`))] as const,
    )
    .sort((x, y) => JSON.stringify(x[0]).localeCompare(JSON.stringify(y[0])));
  return { ...record, entries };
}

function joined(subject: Subject, states: unknown[]): DeltaCrdt {
  const target = subject.create('observer', clockFor('observer').hlc);
  for (const state of states) target.merge(state);
  return target;
}

const same = (left: DeltaCrdt, right: DeltaCrdt) => {
  expect(normalise(left.toJSON())).toEqual(normalise(right.toJSON()));
  expect(left.value).toEqual(right.value);
};

const settings = { numRuns: 60 };

describe.each(subjects)('$name laws', (subject) => {
  it('merge is commutative', () => {
    fc.assert(
      fc.property(scriptArbitrary, (script) => {
        const [a, b] = run(subject, script).replicas as [DeltaCrdt, DeltaCrdt];
        same(joined(subject, [a.toJSON(), b.toJSON()]), joined(subject, [b.toJSON(), a.toJSON()]));
      }),
      settings,
    );
  });

  it('merge is associative', () => {
    fc.assert(
      fc.property(scriptArbitrary, (script) => {
        const [a, b, c] = run(subject, script).replicas as [DeltaCrdt, DeltaCrdt, DeltaCrdt];
        const left = subject.fromJSON(a.toJSON(), 'left');
        left.merge(b);
        left.merge(c);
        const right = subject.fromJSON(b.toJSON(), 'right');
        right.merge(c);
        const outer = subject.fromJSON(a.toJSON(), 'outer');
        outer.merge(right);
        same(left, outer);
      }),
      settings,
    );
  });

  it('merge is idempotent, and merging a state already included changes nothing', () => {
    fc.assert(
      fc.property(scriptArbitrary, (script) => {
        const [a, b] = run(subject, script).replicas as [DeltaCrdt, DeltaCrdt];
        const copy = subject.fromJSON(a.toJSON(), 'copy');
        expect(copy.merge(a)).toBe(false);
        same(copy, a);
        copy.merge(b);
        const version = copy.version;
        expect(copy.merge(b)).toBe(false);
        expect(copy.merge(a)).toBe(false);
        expect(copy.version).toBe(version);
      }),
      settings,
    );
  });

  it('any order and duplication of the deltas converges to the full-state merge', () => {
    fc.assert(
      fc.property(scriptArbitrary, fc.infiniteStream(fc.nat()), (script, dice) => {
        const { replicas, deltas } = run(subject, script);
        const fullState = joined(
          subject,
          replicas.map((replica) => replica.toJSON()),
        );
        // Shuffle, and deliver some deltas twice.
        const deliveries = [...deltas, ...deltas.filter((_delta, index) => index % 3 === 0)];
        const random = dice[Symbol.iterator]();
        for (let index = deliveries.length - 1; index > 0; index--) {
          const swap = (random.next().value as number) % (index + 1);
          [deliveries[index], deliveries[swap]] = [deliveries[swap], deliveries[index]];
        }
        same(joined(subject, deliveries), fullState);
      }),
      settings,
    );
  });

  it('the state at any version joined with deltaSince(that version) is the current state', () => {
    fc.assert(
      fc.property(scriptArbitrary, fc.nat(2), (script, which) => {
        const { replicas, snapshots } = run(subject, script);
        const replica = replicas[which] as DeltaCrdt;
        for (const [version, state] of snapshots[which] as Map<number, unknown>) {
          const rebuilt = subject.fromJSON(state, 'rebuilt');
          rebuilt.merge(replica.deltaSince(version));
          same(rebuilt, replica);
        }
      }),
      settings,
    );
  });
});
