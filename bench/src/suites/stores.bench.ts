import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Message, SessionSnapshot, SessionStore } from '@troupe/core';
import { lmdbStore } from '@troupe/store-lmdb';
import { memoryStore } from '@troupe/store-memory';
import { postgresStore } from '@troupe/store-postgres';
import { rawLmdb, rawPostgres } from '../baselines/stores-raw-drivers.ts';
import type { BenchContext, BenchSuite } from '../harness.ts';

const postgresUrl = process.env.TROUPE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A typical session: 20 messages, about 4 KB of JSON. */
function sessionOf(sessionId: string): SessionSnapshot {
  const history: Message[] = Array.from({ length: 20 }, (_, index) =>
    index % 2 === 0
      ? { role: 'user', content: `question ${index}: ${'lorem ipsum '.repeat(12)}` }
      : { role: 'assistant', content: [{ type: 'text', text: `answer ${index}: ${'dolor sit amet '.repeat(12)}` }] },
  );
  return { sessionId, history, state: { turns: 10, topic: 'benchmarks' }, version: 0, updatedAt: 0 };
}

type Writer = (snapshot: SessionSnapshot) => Promise<unknown>;
type Side = 'store' | 'raw';

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

/**
 * p50 latency in microseconds of awaited saves, one after another on one session per side. The
 * store's and the baseline's saves take turns (which goes first alternates), so both see the same
 * disk, server and machine load; the first `warmup` saves of each are not counted.
 */
async function awaitedLatencies(
  writers: Record<Side, Writer>,
  options: { sessionId: string; count: number; warmup: number },
): Promise<Record<Side, number>> {
  const snapshots: Record<Side, SessionSnapshot> = {
    store: sessionOf(options.sessionId),
    raw: sessionOf(options.sessionId),
  };
  const latencies: Record<Side, number[]> = { store: [], raw: [] };
  for (let index = 0; index < options.warmup + options.count; index++) {
    for (const side of index % 2 === 0 ? (['raw', 'store'] as const) : (['store', 'raw'] as const)) {
      const snapshot = snapshots[side];
      const start = performance.now();
      await writers[side](snapshot);
      if (index >= options.warmup) latencies[side].push((performance.now() - start) * 1000);
      snapshots[side] = { ...snapshot, version: snapshot.version + 1 };
    }
  }
  return { store: percentile(latencies.store, 0.5), raw: percentile(latencies.raw, 0.5) };
}

/** Saves per second with `inFlight` writers, each saving its own session `perWriter` times. */
async function throughput(
  write: Writer,
  options: { prefix: string; inFlight: number; perWriter: number },
): Promise<number> {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: options.inFlight }, async (_, writer) => {
      let snapshot = sessionOf(`${options.prefix}-${writer}`);
      for (let index = 0; index < options.perWriter; index++) {
        await write(snapshot);
        snapshot = { ...snapshot, version: snapshot.version + 1 };
      }
    }),
  );
  return (options.inFlight * options.perWriter) / ((performance.now() - start) / 1000);
}

/**
 * Runs store and baseline alternately (which goes first alternates) `rounds` times after one
 * uncounted warm-up round of each, and keeps the median figure of each.
 */
async function alternate(
  rounds: number,
  measure: (side: Side, round: number) => Promise<number>,
): Promise<Record<Side, number>> {
  const figures: Record<Side, number[]> = { store: [], raw: [] };
  for (let round = 0; round <= rounds; round++) {
    for (const side of round % 2 === 0 ? (['raw', 'store'] as const) : (['store', 'raw'] as const)) {
      const figure = await measure(side, round);
      if (round > 0) figures[side].push(figure);
    }
  }
  return { store: percentile(figures.store, 0.5), raw: percentile(figures.raw, 0.5) };
}

/** How a store is measured against its raw driver: one awaited save at a time, then many in flight. */
interface RawComparison {
  /** The store's name in the rows, e.g. `lmdbStore`. */
  name: string;
  store: SessionStore;
  /** What the baseline is, and its write of the same snapshot. */
  raw: { name: string; write: Writer };
  awaited: { count: number; warmup: number; target: number };
  busy: { inFlight: number; perWriter: number; rounds: number; target: number };
}

async function compareWithRaw(context: BenchContext, comparison: RawComparison): Promise<void> {
  const { name, store, raw, awaited, busy } = comparison;
  const save: Writer = (snapshot) => store.save(snapshot);
  const latency = await awaitedLatencies(
    { store: save, raw: raw.write },
    { sessionId: 'latency', count: awaited.count, warmup: awaited.warmup },
  );
  context.row({
    name: `${name} save, awaited (p50)`,
    value: latency.store,
    unit: 'µs',
    baseline: { name: raw.name, value: latency.raw },
    target: { max: awaited.target },
  });
  const throughputs = await alternate(busy.rounds, (side, round) =>
    throughput(side === 'store' ? save : raw.write, {
      prefix: `busy-${round}`,
      inFlight: busy.inFlight,
      perWriter: busy.perWriter,
    }),
  );
  context.row({
    name: `${name} saves, ${busy.inFlight} in flight`,
    value: throughputs.store,
    unit: 'saves/s',
    baseline: { name: raw.name, value: throughputs.raw },
    target: { min: busy.target },
    higherIsBetter: true,
  });
}

async function benchLmdb(context: BenchContext): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'troupe-bench-lmdb-'));
  const store = lmdbStore({ path: join(directory, 'store') });
  const raw = rawLmdb(join(directory, 'raw'));
  try {
    await compareWithRaw(context, {
      name: 'lmdbStore',
      store,
      raw: { name: 'lmdb-js put with ifVersion', write: (snapshot) => raw.put(snapshot.sessionId, snapshot) },
      awaited: { count: context.quick ? 50 : 900, warmup: context.quick ? 10 : 100, target: 1.1 },
      // Short rounds (about 0.1 s each), many of them: load from other processes changes over
      // seconds, so neighbouring rounds of the store and the baseline see about the same machine.
      busy: {
        inFlight: context.quick ? 64 : 256,
        perWriter: context.quick ? 3 : 8,
        rounds: context.quick ? 1 : 9,
        target: 0.8,
      },
    });
  } finally {
    await store.close();
    await raw.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function benchPostgres(context: BenchContext): Promise<void> {
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const store = postgresStore({ url: postgresUrl, table: `troupe_bench_${suffix}`, maxConnections: 10 });
  const raw = rawPostgres(postgresUrl, `troupe_bench_raw_${suffix}`);
  try {
    await store.migrate();
    await raw.setup();
    await compareWithRaw(context, {
      name: 'postgresStore',
      store,
      raw: { name: 'postgres.js conditional UPDATE', write: (snapshot) => raw.put(snapshot) },
      awaited: { count: context.quick ? 100 : 2_000, warmup: context.quick ? 10 : 200, target: 1.1 },
      busy: { inFlight: 32, perWriter: context.quick ? 10 : 60, rounds: context.quick ? 1 : 5, target: 0.9 },
    });
  } finally {
    await store.migrate().catch(() => undefined);
    await dropTable(store);
    await raw.close();
  }
}

async function dropTable(store: SessionStore): Promise<void> {
  // The bench table holds only bench sessions; deleting them keeps the database tidy for the next run.
  for (;;) {
    const page = await store.list({ limit: 1_000 });
    await Promise.all(page.sessions.map((summary) => store.delete(summary.sessionId)));
    if (!page.cursor) break;
  }
  await store.close();
}

async function benchMemory(context: BenchContext): Promise<void> {
  const store = memoryStore();
  const map = new Map<string, SessionSnapshot>();
  const iterations = context.quick ? 2_000 : 20_000;
  let storeSnapshot = sessionOf('memory');
  let rawSnapshot = sessionOf('memory');
  const raw = await context.timePerOpAsync(
    async () => {
      const stored = map.get('memory');
      if ((stored?.version ?? 0) !== rawSnapshot.version) throw new Error('conflict');
      map.set('memory', structuredClone({ ...rawSnapshot, version: rawSnapshot.version + 1 }));
      rawSnapshot = structuredClone(map.get('memory') as SessionSnapshot);
    },
    { iterations },
  );
  const value = await context.timePerOpAsync(
    async () => {
      storeSnapshot = await store.save(storeSnapshot);
    },
    { iterations },
  );
  context.row({
    name: 'memoryStore save (copy in and out)',
    value: value / 1000,
    unit: 'µs',
    baseline: { name: 'Map + structuredClone in and out', value: raw / 1000 },
    target: { max: 1.5 },
  });
  await store.close();
}

const suite: BenchSuite = {
  name: 'stores',
  async run(context) {
    await benchMemory(context);
    await benchLmdb(context);
    await benchPostgres(context);
  },
};

export default suite;
