import { performance } from 'node:perf_hooks';
import { createRuntime, llmAgent } from '@troupe/agent';
import type { AgentEvent, ModelChunk } from '@troupe/core';
import { manualClock, scriptedModel, textReply, toolCallReply } from '@troupe/core/testing';
import { memoryStore } from '@troupe/store-memory';
import { defineTool } from '@troupe/tool';
import { z } from 'zod';
import { bareTurn } from '../baselines/agent-bare-loop.ts';
import type { BenchSuite } from '../harness.ts';

const input = z.object({ city: z.string() });
const execute = ({ city }: { city: string }) => `18C in ${city}`;

// One tool round trip per turn on a zero-latency scripted model: tool call, then a short answer.
function roundTripModel() {
  let call = 0;
  return scriptedModel(
    [
      () =>
        call++ % 2 === 0
          ? toolCallReply([{ name: 'get_weather', arguments: { city: 'Lagos' } }])
          : textReply('It is 18C.'),
    ],
    { whenExhausted: 'repeat-last' },
  );
}

function deltaModel(deltas: number) {
  const chunks: ModelChunk[] = [];
  for (let index = 0; index < deltas; index++) chunks.push({ type: 'text-delta', text: 'x' });
  chunks.push({ type: 'usage', usage: { inputTokens: 1, outputTokens: deltas } });
  chunks.push({ type: 'finish', reason: 'stop' });
  return scriptedModel([chunks], { whenExhausted: 'repeat-last' });
}

async function drain(stream: AsyncIterable<AgentEvent>): Promise<number> {
  let count = 0;
  for await (const _event of stream) count++;
  return count;
}

const suite: BenchSuite = {
  name: 'agent runtime',
  async run(context) {
    const turns = context.quick ? 300 : 3_000;

    // Per-turn overhead, one tool round trip.
    {
      const weather = defineTool({ name: 'get_weather', description: 'Weather.', input, execute });
      const runtime = await createRuntime({
        model: roundTripModel(),
        agent: (model) => llmAgent({ model, name: 'bench', tools: [weather] }),
      });
      const store = memoryStore();
      const model = roundTripModel();
      const tools = [
        { name: 'get_weather', schema: input, execute: (args: unknown) => execute(args as { city: string }) },
      ];
      let session = 0;
      const bare = await context.timePerOpAsync(
        () => bareTurn({ model, tools, store, sessionId: `b${session++}`, input: 'Weather in Lagos?' }),
        { iterations: turns, samples: 5 },
      );
      const troupe = await context.timePerOpAsync(() => runtime.send(`t${session++}`, 'Weather in Lagos?'), {
        iterations: turns,
        samples: 5,
      });
      context.row({
        name: 'turn with one tool round trip (memory store)',
        value: troupe / 1000,
        unit: 'µs',
        baseline: { name: 'bare hand-written loop', value: bare / 1000 },
        target: { max: 2 },
      });
      await runtime.stop();
    }

    // Streaming: cost per delta and time to the first delta.
    {
      const deltas = context.quick ? 2_000 : 20_000;
      const runtime = await createRuntime({
        model: deltaModel(deltas),
        agent: (model) => llmAgent({ model, name: 'bench' }),
      });
      const store = memoryStore();
      const bareModel = deltaModel(deltas);
      let session = 0;
      const iterations = context.quick ? 5 : 20;
      const bare = await context.timePerOpAsync(
        () =>
          bareTurn({ model: bareModel, tools: [], store, sessionId: `b${session++}`, input: 'go', onDelta: () => {} }),
        { iterations, samples: 5, warmup: 2 },
      );
      const troupe = await context.timePerOpAsync(() => drain(runtime.run(`s${session++}`, 'go')), {
        iterations,
        samples: 5,
        warmup: 2,
      });
      context.row({
        name: `streaming, per delta (${deltas} deltas)`,
        value: troupe / deltas,
        unit: 'ns',
        baseline: { name: 'bare loop over the model stream', value: bare / deltas },
        target: { max: 1.5 },
      });

      const firstRuntime = await createRuntime({
        model: deltaModel(1),
        agent: (model) => llmAgent({ model, name: 'bench' }),
      });
      const samples: number[] = [];
      const count = context.quick ? 200 : 2_000;
      for (let index = 0; index < count; index++) {
        const started = performance.now();
        const stream = firstRuntime.run(`f${index}`, 'go');
        for await (const event of stream) {
          if (event.type === 'text-delta') {
            samples.push(performance.now() - started);
          }
        }
      }
      samples.sort((a, b) => a - b);
      context.row({
        name: 'time to first delta (median)',
        value: (samples[Math.floor(samples.length / 2)] ?? Number.NaN) * 1000,
        unit: 'µs',
        target: { max: 20, note: 'absolute' },
      });
      await runtime.stop();
      await firstRuntime.stop();
    }

    // Idle session memory, before and after passivation (the store's own copy excluded).
    {
      const clock = manualClock();
      const count = context.quick ? 2_000 : 20_000;
      const store = memoryStore();
      const runtime = await createRuntime({
        model: scriptedModel([textReply('ok')], { whenExhausted: 'repeat-last' }),
        agent: (model) => llmAgent({ model, name: 'bench', clock }),
        store,
        clock,
        passivateAfterMs: 60_000,
      });
      for (let index = 0; index < count; index += 500) {
        await Promise.all(
          Array.from({ length: Math.min(500, count - index) }, (_, offset) => runtime.send(`i${index + offset}`, 'hi')),
        );
      }
      const active = context.heapUsed();
      await clock.advance(120_000);
      const passivated = context.heapUsed();
      context.row({
        name: `idle session in memory (${count} sessions)`,
        value: Math.max(0, active - passivated) / count,
        unit: 'B',
        target: { max: 1024, note: 'absolute' },
      });
      context.row({
        name: 'sessions live after passivation',
        value: runtime.activeSessions,
        unit: 'sessions',
        target: { max: 0 },
      });
      await runtime.stop();
    }
  },
};

export default suite;
