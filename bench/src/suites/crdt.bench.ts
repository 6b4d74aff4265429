import { ORSet, PNCounter } from '@troupe/crdt';
import type { BenchContext, BenchSuite } from '../harness.ts';

const bytes = (state: unknown) => Buffer.byteLength(JSON.stringify(state));

/** A 10k-element set built on one replica, copied to another: the usual shape of a shared set. */
function orSetPair(size: number) {
  const source = new ORSet<string>({ node: 'source' });
  for (let index = 0; index < size; index++) source.add(`element-${index}`);
  const replica = ORSet.fromJSON<string>(source.toJSON(), { node: 'replica' });
  return { source, replica };
}

/** A counter every one of `nodes` replicas has incremented, as seen by one of them. */
function counterPair(nodes: number) {
  const source = new PNCounter({ node: 'node-0' });
  for (let node = 1; node < nodes; node++) {
    const other = new PNCounter({ node: `node-${node}` });
    other.increment(node);
    other.decrement(1);
    source.merge(other);
  }
  const replica = PNCounter.fromJSON(source.toJSON(), { node: 'replica' });
  return { source, replica };
}

function orSetRows(context: BenchContext): void {
  const size = context.quick ? 2_000 : 10_000;
  const { source, replica } = orSetPair(size);
  const before = source.version;
  source.add('fresh');
  source.delete('element-7');
  const delta = source.deltaSince(before);
  const full = source.toJSON();
  context.row({
    name: `ORSet ${size} elements: delta of 1 add + 1 remove, size`,
    value: bytes(delta),
    unit: 'B',
    baseline: { name: 'full state', value: bytes(full) },
    target: { max: 0.01 },
  });
  const iterations = context.quick ? 20 : 100;
  const deltaMerge = context.timePerOp(() => replica.merge(delta), { iterations: iterations * 10, samples: 5 });
  const fullMerge = context.timePerOp(() => replica.merge(full), { iterations, samples: 5, warmup: 5 });
  context.row({
    name: `ORSet ${size} elements: merge the delta`,
    value: deltaMerge / 1000,
    unit: 'µs',
    baseline: { name: 'merge full state', value: fullMerge / 1000 },
    target: { max: 0.05 },
  });
  const extract = context.timePerOp(() => source.deltaSince(before), { iterations: iterations * 10, samples: 5 });
  const serialise = context.timePerOp(() => source.toJSON(), { iterations, samples: 5, warmup: 5 });
  context.row({
    name: `ORSet ${size} elements: extract the delta`,
    value: extract / 1000,
    unit: 'µs',
    baseline: { name: 'toJSON full state', value: serialise / 1000 },
    target: { max: 0.05 },
  });
}

function counterRows(context: BenchContext): void {
  const { source, replica } = counterPair(100);
  const before = source.version;
  source.increment(3);
  const delta = source.deltaSince(before);
  const full = source.toJSON();
  context.row({
    name: 'PNCounter 100 replicas: delta of 1 increment, size',
    value: bytes(delta),
    unit: 'B',
    baseline: { name: 'full state', value: bytes(full) },
    target: { max: 0.05 },
  });
  const iterations = context.quick ? 2_000 : 20_000;
  const deltaMerge = context.timePerOp(() => replica.merge(delta), { iterations });
  const fullMerge = context.timePerOp(() => replica.merge(full), { iterations: iterations / 10 });
  context.row({
    name: 'PNCounter 100 replicas: merge the delta',
    value: deltaMerge / 1000,
    unit: 'µs',
    baseline: { name: 'merge full state', value: fullMerge / 1000 },
    target: { max: 0.2 },
  });
}

// Delta-state replication pays off when a delta is a small fraction of the state to ship and merge.
const suite: BenchSuite = {
  name: 'crdt deltas',
  run(context) {
    orSetRows(context);
    counterRows(context);
  },
};

export default suite;
