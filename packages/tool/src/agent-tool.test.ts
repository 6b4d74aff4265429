import { type Agent, type AgentEvent, eventStamper, type Invocation, sleep, type ToolCall } from '@troupe/core';
import { manualClock } from '@troupe/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { agentTool } from './agent-tool.ts';
import { memorySessionState } from './memory-session-state.ts';
import { createToolDispatcher } from './tool-dispatcher.ts';

type Clock = ReturnType<typeof manualClock>;

/** A sub-agent that "thinks" for `delay(task)` ms on the clock, spends usage and answers. */
function fakeAgent(clock: Clock, options: { delay?: (task: string) => number; fail?: boolean; steps?: number } = {}) {
  const started: string[] = [];
  let running = 0;
  let peak = 0;
  const agent: Agent & { started: string[]; peak: () => number } = {
    name: 'researcher',
    started,
    peak: () => peak,
    async *run(invocation: Invocation): AsyncIterable<AgentEvent> {
      const task = invocation.input.content as string;
      started.push(task);
      running++;
      peak = Math.max(peak, running);
      const stamp = eventStamper({ invocation, author: 'researcher', now: clock.now });
      try {
        for (let step = 0; step < (options.steps ?? 1); step++) {
          yield stamp({ type: 'model-start', step, provider: 'fake', modelId: 'fake' });
          await sleep(clock, options.delay?.(task) ?? 10, invocation.signal);
          yield stamp({ type: 'text-delta', text: `notes on ${task}` });
          yield stamp({
            type: 'model-finish',
            step,
            usage: { inputTokens: 100, outputTokens: 20 },
            finishReason: 'stop',
          });
        }
        if (options.fail) {
          yield stamp({ type: 'error', error: { name: 'ProviderError', code: 'PROVIDER', message: 'model exploded' } });
          return;
        }
        yield stamp({
          type: 'message',
          message: { role: 'assistant', content: [{ type: 'text', text: `report: ${task}` }] },
        });
      } finally {
        running--;
      }
    },
  };
  return agent;
}

const call = (task: string, id = task): ToolCall => ({ id, name: 'researcher', arguments: { task } });
const context = (signal = new AbortController().signal) => ({ sessionId: 's', state: memorySessionState(), signal });

describe('agentTool', () => {
  it('returns the final answer and reports summed usage', async () => {
    const clock = manualClock();
    const tool = agentTool(fakeAgent(clock, { steps: 3 }));
    expect(tool.kind).toBe('agent');
    expect(tool.inputSchema).toMatchObject({ type: 'object', required: ['task'] });
    const dispatcher = createToolDispatcher({ tools: [tool], clock });
    const pending = dispatcher.dispatch([call('tides')], context());
    await clock.runAll();
    const [outcome] = await pending;
    expect(outcome?.message.content).toBe('report: tides');
    expect(outcome?.usage).toEqual({ inputTokens: 300, outputTokens: 60 });
  });

  it('turns a sub-agent error into an error result, still reporting usage', async () => {
    const clock = manualClock();
    const dispatcher = createToolDispatcher({ tools: [agentTool(fakeAgent(clock, { fail: true }))], clock });
    const pending = dispatcher.dispatch([call('x')], context());
    await clock.runAll();
    const [outcome] = await pending;
    expect(outcome?.message.isError).toBe(true);
    expect(outcome?.message.content).toMatch(/^Sub-agent researcher failed: model exploded\./);
    expect(outcome?.usage).toEqual({ inputTokens: 100, outputTokens: 20 });
  });

  it('takes a custom input schema and prompt', async () => {
    const clock = manualClock();
    const agent = fakeAgent(clock);
    const tool = agentTool(agent, {
      name: 'translate',
      input: z.object({ text: z.string(), to: z.string() }),
      prompt: ({ text, to }) => `Translate "${text}" to ${to}`,
    });
    const dispatcher = createToolDispatcher({ tools: [tool], clock });
    const pending = dispatcher.dispatch(
      [{ id: '1', name: 'translate', arguments: { text: 'hi', to: 'fr' } }],
      context(),
    );
    await clock.runAll();
    const [outcome] = await pending;
    expect(agent.started).toEqual(['Translate "hi" to fr']);
    expect(outcome?.message.content).toBe('report: Translate "hi" to fr');
  });

  it('refuses more waiting calls than maxQueued', async () => {
    const clock = manualClock();
    const tool = agentTool(fakeAgent(clock, { delay: () => 100 }), { poolSize: 1, maxQueued: 1 });
    const dispatcher = createToolDispatcher({ tools: [tool], clock });
    const pending = dispatcher.dispatch([call('a'), call('b'), call('c')], context());
    await clock.flush();
    expect(tool.running).toBe(1);
    expect(tool.waiting).toBe(1);
    await clock.runAll();
    const outcomes = await pending;
    expect(outcomes.map((o) => o.error?.code)).toEqual([undefined, undefined, 'TOOL_UNAVAILABLE']);
    expect(outcomes[2]?.message.content).toContain('Sub-agent researcher is busy');
  });

  it('property: never more than poolSize run at once and waiting calls start in FIFO order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 12 }),
        async (poolSize, delays) => {
          const clock = manualClock();
          const agent = fakeAgent(clock, { delay: (task) => delays[Number(task)] ?? 1 });
          const tool = agentTool(agent, { poolSize });
          // The dispatcher's own bound is above the pool, so the pool is what queues.
          const dispatcher = createToolDispatcher({ tools: [tool], clock, concurrency: 16 });
          const calls = delays.map((_, index) => call(String(index)));
          const pending = dispatcher.dispatch(calls, context());
          await clock.runAll();
          const outcomes = await pending;
          expect(agent.peak()).toBeLessThanOrEqual(poolSize);
          expect(agent.peak()).toBe(Math.min(poolSize, delays.length));
          // Every worker frees up and the queue is served oldest first: starts follow call order.
          expect(agent.started).toEqual(delays.map((_, index) => String(index)));
          expect(outcomes.map((o) => o.message.content)).toEqual(delays.map((_, index) => `report: ${index}`));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('an aborted waiting call leaves the queue without running', async () => {
    const clock = manualClock();
    const agent = fakeAgent(clock, { delay: () => 100 });
    const tool = agentTool(agent, { poolSize: 1 });
    const controller = new AbortController();
    const dispatcher = createToolDispatcher({ tools: [tool], clock });
    const pending = dispatcher.dispatch([call('a'), call('b')], context(controller.signal));
    await clock.flush();
    controller.abort();
    const outcomes = await pending;
    await clock.runAll();
    expect(agent.started).toEqual(['a']);
    expect(outcomes.map((o) => o.message.isError)).toEqual([true, true]);
    expect(tool.waiting).toBe(0);
    expect(tool.running).toBe(0);
  });

  it('an abort reaches the running sub-agent, and tokens it already spent still count', async () => {
    const clock = manualClock();
    const signals: AbortSignal[] = [];
    const agent: Agent = {
      name: 'writer',
      async *run(invocation) {
        signals.push(invocation.signal);
        const stamp = eventStamper({ invocation, author: 'writer', now: clock.now });
        yield stamp({
          type: 'model-finish',
          step: 0,
          usage: { inputTokens: 50, outputTokens: 5 },
          finishReason: 'tool-calls',
        });
        await sleep(clock, 10_000, invocation.signal);
        yield stamp({ type: 'message', message: { role: 'assistant', content: [{ type: 'text', text: 'never' }] } });
      },
    };
    const controller = new AbortController();
    const dispatcher = createToolDispatcher({ tools: [agentTool(agent)], clock });
    const pending = dispatcher.dispatch(
      [{ id: 'w1', name: 'writer', arguments: { task: 'essay' } }],
      context(controller.signal),
    );
    await clock.advance(100);
    expect(signals[0]?.aborted).toBe(false);
    controller.abort();
    const [outcome] = await pending;
    expect(signals[0]?.aborted).toBe(true);
    expect(outcome?.message.content).toMatch(/cancelled because the turn was aborted/);
    expect(outcome?.usage).toEqual({ inputTokens: 50, outputTokens: 5 });
  });

  it('FIFO overflow on the clock: the third call starts only when the first worker frees up', async () => {
    const clock = manualClock();
    const agent = fakeAgent(clock, { delay: (task) => ({ a: 300, b: 100, c: 50, d: 10 })[task] ?? 1 });
    const tool = agentTool(agent, { poolSize: 2 });
    const dispatcher = createToolDispatcher({ tools: [tool], clock });
    const finished: string[] = [];
    const pending = dispatcher.dispatch([call('a'), call('b'), call('c'), call('d')], {
      ...context(),
      onResult: (outcome) => finished.push(`${outcome.message.toolCallId}@${clock.now()}`),
    });
    await clock.advance(1);
    expect(agent.started).toEqual(['a', 'b']);
    expect(tool.waiting).toBe(2);
    await clock.advance(99);
    // b finished at 100: c (the oldest waiting call) takes its worker, d keeps waiting.
    expect(agent.started).toEqual(['a', 'b', 'c']);
    expect(tool.waiting).toBe(1);
    await clock.runAll();
    await pending;
    expect(agent.started).toEqual(['a', 'b', 'c', 'd']);
    expect(finished).toEqual(['b@100', 'c@150', 'd@160', 'a@300']);
  });

  it('rejects a bad poolSize', () => {
    expect(() => agentTool(fakeAgent(manualClock()), { poolSize: 0 })).toThrow(/poolSize/);
  });
});
