import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createRuntime, llmAgent } from '@troupe/agent';
import type { LanguageModel, ModelChunk, SessionStore, Tool } from '@troupe/core';
import { manualClock, referenceStore, scriptedModel } from '@troupe/core/testing';
import { memoryStore } from '@troupe/store-memory';
import { defineTool } from '@troupe/tool';
import { z } from 'zod';
import { bareStream, bareTurn } from '../baselines/agent-bare-loop.ts';
import { aiSdkTurn, langGraphTurn, openAiAgentsTurn } from '../baselines/agent-peers.ts';
import { deltaModel, weatherModel } from '../baselines/replay-model.ts';
import {
  type BenchContext,
  type BenchRow,
  type BenchSuite,
  gc,
  isolatedRows,
  median,
  runIsolated,
} from '../harness.ts';

const input = z.object({ city: z.string() });
const execute = ({ city }: { city: string }) => `18C in ${city}`;

function deltaChunks(deltas: number, text = 'x'): ModelChunk[] {
  const chunks: ModelChunk[] = [];
  for (let index = 0; index < deltas; index++) chunks.push({ type: 'text-delta', text });
  chunks.push({ type: 'usage', usage: { inputTokens: 1, outputTokens: deltas } });
  chunks.push({ type: 'finish', reason: 'stop' });
  return chunks;
}

/** A model that answers "ok" at once and records nothing (memory figures must not count a recorder). */
function okModel(): LanguageModel {
  return {
    provider: 'bench',
    modelId: 'ok',
    async *stream() {
      yield { type: 'text-delta', text: 'ok' };
      yield { type: 'usage', usage: { inputTokens: 1, outputTokens: 1 } };
      yield { type: 'finish', reason: 'stop' };
    },
  };
}

async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _event of stream) count++;
  return count;
}

/** A runtime serving the per-turn benchmark's agent, with a store the caller can empty. */
async function weatherRuntime(weather: Tool) {
  const store = memoryStore();
  const runtime = await createRuntime({
    model: weatherModel(),
    agent: (model) => llmAgent({ model, name: 'bench', tools: [weather] }),
    store,
  });
  return {
    send: (sessionId: string) => runtime.send(sessionId, 'Weather in Lagos?'),
    /** Stops the runtime and lets go of every session it kept. */
    async release() {
      await runtime.stop();
      store.records.clear();
      gc();
    },
  };
}

/** The bare loop's tool: the same zod schema and function, its spec computed once. */
function bareWeatherTools() {
  const weather = defineTool({ name: 'get_weather', description: 'Weather.', input, execute });
  const spec = { name: weather.name, description: 'Weather.', inputSchema: weather.inputSchema };
  return [{ name: 'get_weather', schema: input, spec, execute: (args: unknown) => execute(args as { city: string }) }];
}

/**
 * Turns timed per subject for the speed-up rows (Troupe and the bare loop keep every session they
 * create). Each subject is warmed up until its JIT has settled before the first sample: Troupe and
 * the bare loop run their first few thousand turns several times slower than later ones, and so do
 * the peers their first thousand or so; timing any of them while it still compiles measures the
 * compiler, not the framework.
 */
function perTurnOptions(context: BenchContext) {
  return { iterations: context.quick ? 300 : 3_000, samples: 5, warmup: context.quick ? 500 : 6_000 };
}

/** The same for the peers, whose turns cost a hundred times more (see {@link perTurnOptions}). */
function peerTurnOptions(context: BenchContext) {
  return { iterations: context.quick ? 40 : 300, samples: context.quick ? 3 : 5, warmup: context.quick ? 20 : 1_500 };
}

/** The peers do the same turn (no session store: that only flatters them). */
const peers = [
  { key: 'aiSdk', name: 'Vercel AI SDK generateText (MockLanguageModelV3)', turn: aiSdkTurn, min: 40 },
  { key: 'openAiAgents', name: 'OpenAI Agents JS run (fake Model)', turn: openAiAgentsTurn, min: 80 },
  { key: 'langGraph', name: 'LangGraph.js createReactAgent (fake chat model)', turn: langGraphTurn, min: 100 },
] as const;

/**
 * One subject of the speed-up rows, timed alone in the fresh process it runs in (see `perTurn`):
 * reports one row, `turn alone: <subject>`, in nanoseconds per turn.
 */
async function turnAlone(context: BenchContext, subject: 'troupe' | 'bare' | (typeof peers)[number]['key']) {
  let value: number;
  if (subject === 'troupe') {
    const weather = defineTool({ name: 'get_weather', description: 'Weather.', input, execute });
    const runtime = await weatherRuntime(weather);
    let session = 0;
    value = await context.timePerOpAsync(() => runtime.send(`a${session++}`), perTurnOptions(context));
    await runtime.release();
  } else if (subject === 'bare') {
    const store = memoryStore();
    const model = weatherModel();
    const tools = bareWeatherTools();
    let session = 0;
    value = await context.timePerOpAsync(
      () => bareTurn({ model, tools, store, sessionId: `b${session++}`, input: 'Weather in Lagos?' }),
      perTurnOptions(context),
    );
  } else {
    const peer = peers.find((candidate) => candidate.key === subject);
    if (peer === undefined) throw new Error(`no peer ${subject}`);
    value = await context.timePerOpAsync(peer.turn(), peerTurnOptions(context));
  }
  context.row({ name: `turn alone: ${subject}`, value, unit: 'ns' });
}

async function perTurn(context: BenchContext): Promise<void> {
  // Against the peers, which keep nothing between turns: Troupe (one tool round trip per turn on a
  // zero-latency model, keeping every session it creates), the bare loop and each peer are timed
  // alone, each in a fresh process of its own, in rounds (the median of each is reported), so no
  // subject runs on a heap, a JIT state or a moment of the host's load another one chose for it.
  // The bare loop's own ratio is printed beside each peer's as a reference: the least a turn with
  // this store costs; a runtime doing its work and more cannot reach a ratio it misses.
  const rounds = context.quick ? 1 : 3;
  const subjects = ['troupe', 'bare', ...peers.map((peer) => peer.key)];
  const figures = new Map<string, number[]>(subjects.map((subject) => [subject, []]));
  for (let round = 0; round < rounds; round++) {
    for (const subject of subjects) {
      const [row] = isolatedRows(context, import.meta.url, `turnAlone_${subject}`);
      if (row === undefined) throw new Error(`turnAlone_${subject} reported nothing`);
      figures.get(subject)?.push(row.value);
    }
  }
  const medianOf = (subject: string) => median(figures.get(subject) ?? []);
  const single = medianOf('troupe');
  const bareAlone = medianOf('bare');
  for (const peer of peers) {
    const value = medianOf(peer.key);
    context.row({
      name: `speed-up over ${peer.name}: ${(value / 1000).toFixed(0)} µs vs ${(single / 1000).toFixed(1)} µs per turn, each alone in fresh processes (median of ${rounds})`,
      value: value / single,
      unit: '×',
      higherIsBetter: true,
      target: { min: peer.min, note: 'absolute' },
    });
    context.row({
      name: `reference: the bare loop's speed-up over ${peer.name}, measured the same way (${(bareAlone / 1000).toFixed(1)} µs per turn)`,
      value: value / bareAlone,
      unit: '×',
    });
  }

  // Against the bare loop: each round in a fresh process of its own, like the rows above; the row of
  // the round with the median ratio is reported (one round swings by a quarter on a busy host).
  const comparisons = Array.from({ length: rounds }, () => isolatedRows(context, import.meta.url, 'againstBare')[0]);
  const ratioOf = (row: BenchRow | undefined) => (row?.baseline ? row.value / row.baseline.value : Number.NaN);
  const middle = comparisons.sort((a, b) => ratioOf(a) - ratioOf(b))[Math.floor(comparisons.length / 2)];
  if (middle === undefined) throw new Error('the comparison with the bare loop reported no row');
  const how = rounds === 1 ? 'in a fresh process' : `median of ${rounds} rounds in fresh processes`;
  context.row({ ...middle, name: `${middle.name}, ${how}` });
}

/**
 * Against the bare loop: alternating samples in this process, each side keeping every session it
 * creates, so the heap grows for both alike. Reports one row.
 */
async function againstBare(context: BenchContext): Promise<void> {
  const weather = defineTool({ name: 'get_weather', description: 'Weather.', input, execute });
  const tools = bareWeatherTools();
  let session = 0;
  const runtime = await weatherRuntime(weather);
  const store = memoryStore();
  const model = weatherModel();
  const { baseline: bare, subject: troupe } = await context.compareAsync(
    {
      baseline: () => bareTurn({ model, tools, store, sessionId: `b${session++}`, input: 'Weather in Lagos?' }),
      subject: () => runtime.send(`t${session++}`),
    },
    // Each side is warmed up as long as when it is timed alone (see `perTurnOptions`).
    {
      iterations: Math.round(perTurnOptions(context).iterations / 2),
      samples: 10,
      warmup: perTurnOptions(context).warmup,
    },
  );
  await runtime.release();
  store.records.clear();
  gc();
  context.row({
    name: 'turn with one tool round trip (memory store)',
    value: troupe / 1000,
    unit: 'µs',
    baseline: { name: 'bare hand-written loop', value: bare / 1000 },
    target: { max: 2 },
  });
}

async function streaming(context: BenchContext): Promise<void> {
  const deltas = context.quick ? 2_000 : 20_000;
  const runtime = await createRuntime({
    model: deltaModel(deltas),
    agent: (model) => llmAgent({ model, name: 'bench' }),
  });
  const store = memoryStore();
  const bareModel = deltaModel(deltas);
  let session = 0;
  const { baseline: bare, subject: troupe } = await context.compareAsync(
    {
      baseline: () => drain(bareStream({ model: bareModel, store, sessionId: `b${session++}`, input: 'go' })),
      subject: () => drain(runtime.run(`s${session++}`, 'go')),
    },
    { iterations: context.quick ? 3 : 10, samples: 8, warmup: 2 },
  );
  await runtime.stop();
  context.row({
    name: `streaming, per delta (${deltas} deltas)`,
    value: troupe / deltas,
    unit: 'ns',
    baseline: { name: 'bare async generator yielding each delta', value: bare / deltas },
    target: { max: 1.5 },
  });

  const firstRuntime = await createRuntime({
    model: deltaModel(1),
    agent: (model) => llmAgent({ model, name: 'bench' }),
  });
  const samples: number[] = [];
  const count = context.quick ? 300 : 3_000;
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    for await (const event of firstRuntime.run(`f${index}`, 'go')) {
      if (event.type === 'text-delta') samples.push(performance.now() - started);
    }
  }
  await firstRuntime.stop();
  samples.sort((a, b) => a - b);
  context.row({
    name: 'time to first delta, new session (median)',
    value: (samples[Math.floor(samples.length / 2)] ?? Number.NaN) * 1000,
    unit: 'µs',
    target: { max: 20, note: 'absolute' },
  });
}

async function longStream(context: BenchContext): Promise<void> {
  // Time per delta of a 10k-delta and a 100k-delta turn (linear: the same).
  const small = 10_000;
  const large = context.quick ? 50_000 : 100_000;
  const deltaText = 'abcdefgh';
  const runtime = await createRuntime({
    model: { default: deltaModel(small, deltaText), large: deltaModel(large, deltaText) },
    agent: (model) => llmAgent({ model, name: 'bench' }),
    store: referenceStore(),
  });
  let session = 0;
  const options = { iterations: 1, samples: context.quick ? 3 : 5, warmup: 1 };
  // The short stream takes a few milliseconds: several per sample, so its figure is as steady as the long one's.
  const perSmall =
    (await context.timePerOpAsync(() => drain(runtime.run(`l${session++}`, 'go')), { ...options, iterations: 10 })) /
    small;
  const perLarge =
    (await context.timePerOpAsync(() => drain(runtime.run(`l${session++}`, 'go', { model: 'large' })), options)) /
    large;
  context.row({
    name: `${large}-delta stream, per delta (linear in size)`,
    value: perLarge,
    unit: 'ns',
    baseline: { name: `${small}-delta stream`, value: perSmall },
    target: { max: 1.25 },
  });
  await runtime.stop();
}

async function longStreamHeap(context: BenchContext): Promise<void> {
  // The live heap during a 100k-delta stream against the text it delivers, in a process of its own
  // after one unmeasured stream: what the heap holds beside the stream (JIT code and feedback made
  // on first use, what earlier sections left) is not the stream's. The store keeps references, so
  // the figure is the runtime's own (a copying store adds its copies).
  const large = context.quick ? 50_000 : 100_000;
  const deltaText = 'abcdefgh';
  const runtime = await createRuntime({
    model: deltaModel(large, deltaText),
    agent: (model) => llmAgent({ model, name: 'bench' }),
    store: referenceStore(),
  });
  await drain(runtime.run('warm-up', 'go'));
  const before = context.heapUsed();
  let peak = 0;
  let seen = 0;
  for await (const _event of runtime.run('heap', 'go')) {
    if (++seen % 5_000 === 0) peak = Math.max(peak, context.heapUsed() - before);
  }
  // The committed session holds the text once more than the stream itself needs; measure it too.
  peak = Math.max(peak, context.heapUsed() - before);
  const output = large * deltaText.length;
  context.row({
    name: `${large}-delta stream, peak live heap (sampled after GC) vs its ${(output / 1e6).toFixed(1)} MB of text`,
    value: peak / 1e6,
    unit: 'MB',
    baseline: { name: 'text delivered', value: output / 1e6 },
    target: { max: 1.2 },
  });
  await runtime.stop();
}

/** The memory store seen through `SessionStore` only: its saves copy, like a store that encodes. */
function copyingStore(store: SessionStore): SessionStore {
  return {
    load: (sessionId) => store.load(sessionId),
    save: (snapshot) => store.save(snapshot),
    delete: (sessionId) => store.delete(sessionId),
    list: (options) => store.list(options),
    close: () => store.close(),
  };
}

async function idleMemory(context: BenchContext): Promise<void> {
  // Idle sessions, before and after passivation; the store's own copies cancel out (they stay).
  // With the memory store a session shares its committed history with the store, so what an idle
  // session costs is its bookkeeping; with a store that keeps no objects (LMDB, Postgres: measured
  // here as the memory store seen through `SessionStore` only) it holds the only copy in the heap.
  const count = context.quick ? 5_000 : 100_000;
  for (const shared of [true, false]) {
    const clock = manualClock();
    const memory = memoryStore();
    const runtime = await createRuntime({
      model: okModel(),
      agent: (model) => llmAgent({ model, name: 'bench', clock }),
      store: shared ? memory : copyingStore(memory),
      clock,
      passivateAfterMs: 60_000,
    });
    const batch = async (make: (index: number) => Promise<unknown>) => {
      for (let index = 0; index < count; index += 1_000) {
        await Promise.all(Array.from({ length: Math.min(1_000, count - index) }, (_, offset) => make(index + offset)));
      }
    };
    const empty = context.heapUsed();
    await batch((index) => runtime.send(`i${index}`, 'hi'));
    const withHistory = context.heapUsed();
    await clock.advance(120_000);
    const passivatedOnce = context.heapUsed();
    const live = runtime.activeSessions;
    if (!shared) {
      context.row({
        name: `idle session after one turn, holding its own 2-message history (${count} sessions; a store that keeps no objects)`,
        value: Math.max(0, withHistory - passivatedOnce) / count,
        unit: 'B',
        target: { max: 1024, note: 'absolute' },
      });
      await runtime.stop();
      memory.records.clear();
      gc();
      continue;
    }
    // Sessions with an empty history: created by a route change (one save of the state).
    await batch((index) => runtime.setRoute(`r${index}`, 'default'));
    const withoutHistory = context.heapUsed();
    await clock.advance(120_000);
    const passivatedTwice = context.heapUsed();
    memory.records.clear();
    gc();
    const after = context.heapUsed();
    context.row({
      name: `idle session after one turn, its 2-message history shared with the memory store (${count} sessions)`,
      value: Math.max(0, withHistory - passivatedOnce) / count,
      unit: 'B',
      target: { max: 1024, note: 'absolute' },
    });
    context.row({
      name: `idle session with an empty history (${count} sessions)`,
      value: Math.max(0, withoutHistory - passivatedTwice) / count,
      unit: 'B',
      target: { max: 1024, note: 'absolute' },
    });
    context.row({
      name: 'sessions live after passivation',
      value: live + runtime.activeSessions,
      unit: 'sessions',
      target: { max: 0 },
    });
    context.row({
      name: 'heap left per session after passivation (store emptied)',
      value: Math.max(0, after - empty) / (2 * count),
      unit: 'B',
      target: { max: 16, note: 'absolute' },
    });
    await runtime.stop();
  }
}

/** The event-loop delay scenario: how many sessions stream, and how fast. */
function streamingLoad(context: BenchContext) {
  const sessions = context.quick ? 200 : 1_000;
  const deltasPerSession = context.quick ? 50 : 150;
  const period = 20;
  /** How long after the first session started the steady window opens (every session is streaming by then). */
  const settleMs = context.quick ? 200 : 500;
  const model = () =>
    scriptedModel([{ chunks: deltaChunks(deltasPerSession, 'token '), delayMs: period }], {
      whenExhausted: 'repeat-last',
      recordRequests: false,
    });
  return { sessions, deltasPerSession, period, settleMs, model };
}

/**
 * The p99 event-loop delay while `sessions` turns run on the real clock, each started at its own
 * point of one `period` (as independent users would, not all in phase): over the whole run, and
 * over the steady window in which every session is streaming (from `settleMs` after the start
 * until the first session finishes), which leaves out the start of a thousand sessions within one
 * period.
 */
async function loopDelayWhile(
  load: ReturnType<typeof streamingLoad>,
  turn: (index: number) => Promise<unknown>,
): Promise<{ steady: number; whole: number }> {
  // The histogram records the time between the ticks of its own timer, so an idle loop reads the
  // resolution itself (about 1.1 ms at 1 ms); the delay is what comes on top of it.
  const resolution = 1;
  gc();
  const whole = monitorEventLoopDelay({ resolution });
  const steady = monitorEventLoopDelay({ resolution });
  whole.enable();
  const opening = setTimeout(() => steady.enable(), load.settleMs);
  await Promise.all(
    Array.from({ length: load.sessions }, async (_, index) => {
      await new Promise((resolve) => setTimeout(resolve, (index * load.period) / load.sessions));
      await turn(index);
      steady.disable();
    }),
  );
  clearTimeout(opening);
  whole.disable();
  const beyond = (histogram: typeof whole) => Math.max(0, histogram.percentile(99) / 1e6 - resolution);
  return { steady: beyond(steady), whole: beyond(whole) };
}

// Many sessions streaming at once on the real clock: each model sends a delta every 20 ms. The same
// streams read by bare loops, and the bare timers alone, show what the machine and the model's
// timers cost by themselves. Each of the three runs in a fresh process, so none pays for the heap,
// JIT state or stored sessions another left (GC pauses decide this figure).

async function eventLoopDelay(context: BenchContext): Promise<void> {
  const load = streamingLoad(context);
  const runtime = await createRuntime({
    model: load.model(),
    agent: (routed) => llmAgent({ model: routed, name: 'bench' }),
  });
  const delay = await loopDelayWhile(load, (index) => drain(runtime.run(`d${index}`, 'go')));
  await runtime.stop();
  context.row({
    name: `event-loop delay p99 (beyond the 1 ms sampling interval), ${load.sessions} sessions each streaming 50 deltas/s`,
    value: delay.steady,
    unit: 'ms',
    target: { max: 2, note: 'absolute' },
  });
  context.row({
    name: `  the same over the whole run, their start within ${load.period} ms included`,
    value: delay.whole,
    unit: 'ms',
  });
}

async function eventLoopDelayBare(context: BenchContext): Promise<void> {
  const load = streamingLoad(context);
  const model = load.model();
  const store = memoryStore();
  const delay = await loopDelayWhile(load, (index) =>
    bareTurn({ model, tools: [], store, sessionId: `d${index}`, input: 'go', onDelta: () => {} }),
  );
  context.row({
    name: `event-loop delay p99, the same streams read by bare loops (reference; whole run ${delay.whole.toFixed(2)} ms)`,
    value: delay.steady,
    unit: 'ms',
  });
}

async function eventLoopDelayTimers(context: BenchContext): Promise<void> {
  const load = streamingLoad(context);
  const delay = await loopDelayWhile(load, async () => {
    for (let delta = 0; delta < load.deltasPerSession; delta++) {
      await new Promise((resolve) => setTimeout(resolve, load.period));
    }
  });
  context.row({
    name: `event-loop delay p99, the same timers with no stream (reference; whole run ${delay.whole.toFixed(2)} ms)`,
    value: delay.steady,
    unit: 'ms',
  });
}

/** Sections run in a fresh process (see `runIsolated`). */
export const sections = {
  eventLoopDelay,
  eventLoopDelayBare,
  eventLoopDelayTimers,
  longStreamHeap,
  againstBare,
  turnAlone_troupe: (context: BenchContext) => turnAlone(context, 'troupe'),
  turnAlone_bare: (context: BenchContext) => turnAlone(context, 'bare'),
  turnAlone_aiSdk: (context: BenchContext) => turnAlone(context, 'aiSdk'),
  turnAlone_openAiAgents: (context: BenchContext) => turnAlone(context, 'openAiAgents'),
  turnAlone_langGraph: (context: BenchContext) => turnAlone(context, 'langGraph'),
};

const suite: BenchSuite = {
  name: 'agent runtime',
  async run(context) {
    // Sections whose figures depend on what others leave for the collector come first, and each
    // lets go of what it kept: the per-turn figures (the speed-up rows time each subject in a
    // process of its own) and the long stream's linearity. The long stream's peak heap and the event-loop delay (GC pauses,
    // which grow with the heap the earlier sections leave behind) run in processes of their own.
    await perTurn(context);
    await longStream(context);
    runIsolated(context, import.meta.url, 'longStreamHeap');
    runIsolated(context, import.meta.url, 'eventLoopDelay');
    runIsolated(context, import.meta.url, 'eventLoopDelayBare');
    runIsolated(context, import.meta.url, 'eventLoopDelayTimers');
    await streaming(context);
    await idleMemory(context);
  },
};

export default suite;
