import { type AgentEvent, type Invocation, MaxStepsExceededError, type Message, TurnAbortedError } from '@troupe/core';
import { fakeTool, manualClock, scriptedModel, textReply, toolCallReply } from '@troupe/core/testing';
import { defineTool } from '@troupe/tool';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deniedResultText, type ResumeInvocation } from './approvals.ts';
import { emitEvents } from './emitted-events.ts';
import { llmAgent } from './llm-agent.ts';
import { TurnState } from './session-state.ts';

function invocation(overrides: Partial<Invocation> = {}): Invocation {
  return {
    sessionId: 's1',
    turnId: 't1',
    input: { role: 'user', content: 'hello' },
    history: [],
    state: new TurnState({}),
    signal: new AbortController().signal,
    ...overrides,
  };
}

async function collect(stream: AsyncIterable<AgentEvent>): Promise<AgentEvent[]> {
  const events: AgentEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('llmAgent', () => {
  it('pushed without deltas, emits only the structural events and hands every step message over', async () => {
    const weather = fakeTool('weather', () => 'sunny');
    const model = scriptedModel([toolCallReply([{ name: 'weather', arguments: {} }]), textReply('It is sunny')]);
    const agent = llmAgent({ model, name: 'assistant', tools: [weather] });
    const seen: Array<{ type: string; handOver: unknown }> = [];
    await agent[emitEvents](
      invocation(),
      (event, handOver) => {
        seen.push({ type: event.type, handOver });
        return undefined;
      },
      { deltas: false },
    );
    expect(seen.map((entry) => entry.type)).toEqual([
      'model-start',
      'model-finish',
      'tool-result',
      'model-start',
      'model-finish',
      'message',
    ]);
    expect(seen[0]?.handOver).toBe(true);
    expect(seen[1]?.handOver).toMatchObject({ role: 'assistant', toolCalls: [{ name: 'weather' }] });
    expect(seen[4]?.handOver).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'It is sunny' }] });
  });

  it('stamps events with the clock, or with 0 when told nobody reads them (times: false)', async () => {
    const clock = manualClock({ now: 1_000 });
    const stamped = async (times: boolean | undefined) => {
      const model = scriptedModel([textReply('Hi')]);
      const agent = llmAgent({ model, name: 'assistant', clock });
      const at: number[] = [];
      const sink = (event: AgentEvent) => {
        at.push(event.at);
        return undefined;
      };
      await agent[emitEvents](invocation(), sink, times === undefined ? {} : { deltas: false, times });
      return at;
    };
    const timed = await stamped(undefined);
    expect(timed.length).toBeGreaterThan(2);
    expect(new Set(timed)).toEqual(new Set([1_000]));
    const untimed = await stamped(false);
    expect(untimed.length).toBeGreaterThan(1);
    expect(new Set(untimed)).toEqual(new Set([0]));
  });

  it('streams a plain answer as stamped events ending in the final message', async () => {
    const model = scriptedModel([textReply('Hi there', { usage: { inputTokens: 7, outputTokens: 2 } })]);
    const agent = llmAgent({ model, name: 'assistant', instructions: 'Be brief.', temperature: 0.2 });
    const events = await collect(agent.run(invocation({ history: [{ role: 'user', content: 'earlier' }] })));
    expect(events.map((event) => event.type)).toEqual([
      'model-start',
      'text-delta',
      'text-delta',
      'model-finish',
      'message',
    ]);
    for (const [index, event] of events.entries()) {
      expect(event).toMatchObject({ sessionId: 's1', turnId: 't1', author: 'assistant', seq: index });
    }
    expect(events.at(-2)).toMatchObject({ usage: { inputTokens: 7, outputTokens: 2 }, finishReason: 'stop' });
    expect(events.at(-1)).toMatchObject({
      message: { role: 'assistant', content: [{ type: 'text', text: 'Hi there' }] },
    });
    expect(model.requests[0]).toEqual({
      system: 'Be brief.',
      temperature: 0.2,
      messages: [
        { role: 'user', content: 'earlier' },
        { role: 'user', content: 'hello' },
      ],
    });
  });

  it('runs tool round trips with zod validation, feeding results and failures back to the model', async () => {
    const weather = defineTool({
      name: 'get_weather',
      description: 'Weather in a city.',
      input: z.object({ city: z.string() }),
      execute: ({ city }) => `18C in ${city}`,
    });
    const model = scriptedModel([
      toolCallReply([
        { name: 'get_weather', arguments: { city: 'Lagos' }, id: 'a' },
        { name: 'get_weather', arguments: { town: 'Oslo' }, id: 'b' },
        { name: 'no_such_tool', arguments: {}, id: 'c' },
      ]),
      textReply('Lagos is warm.'),
    ]);
    const agent = llmAgent({ model, name: 'assistant', tools: [weather] });
    const events = await collect(agent.run(invocation()));
    expect(events.filter((event) => event.type === 'tool-call-start').map((event) => event.toolCallId)).toEqual([
      'a',
      'b',
      'c',
    ]);
    const results = events.flatMap((event) => (event.type === 'tool-result' ? [event] : []));
    expect(results.map((result) => [result.toolCallId, result.isError])).toEqual([
      ['a', false],
      ['b', true],
      ['c', true],
    ]);
    expect(results[0]?.content).toContain('18C in Lagos');
    const second = model.requests[1]?.messages ?? [];
    expect(second.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'tool']);
    expect(second[1]).toMatchObject({ toolCalls: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    expect(second.slice(2).map((message) => (message as { toolCallId: string }).toolCallId)).toEqual(['a', 'b', 'c']);
    expect(model.requests[0]?.tools?.[0]).toMatchObject({ name: 'get_weather', inputSchema: { type: 'object' } });
    expect(events.at(-1)).toMatchObject({ type: 'message', message: { content: [{ text: 'Lagos is warm.' }] } });
  });

  it('runs the calls of one step in parallel and keeps the results in the model order', async () => {
    const clock = manualClock();
    const started: string[] = [];
    const slow = fakeTool('slow', async (_args, context) => {
      started.push('slow');
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 100));
      return `slow done ${context.toolCallId}`;
    });
    const fast = fakeTool('fast', () => {
      started.push('fast');
      return 'fast done';
    });
    const model = scriptedModel([
      toolCallReply([
        { name: 'slow', id: 's' },
        { name: 'fast', id: 'f' },
      ]),
      textReply('ok'),
    ]);
    const agent = llmAgent({ model, name: 'a', tools: [slow, fast], clock });
    const done = collect(agent.run(invocation()));
    await clock.flush();
    expect(started).toEqual(['slow', 'fast']);
    await clock.advance(100);
    const events = await done;
    expect(events.flatMap((event) => (event.type === 'tool-result' ? [event.content] : []))).toEqual([
      'slow done s',
      'fast done',
    ]);
  });

  it('fails with MaxStepsExceededError when the model keeps calling tools', async () => {
    const model = scriptedModel([toolCallReply([{ name: 'loop' }])], { whenExhausted: 'repeat-last' });
    const loop = fakeTool('loop');
    const agent = llmAgent({ model, name: 'a', tools: [loop], maxSteps: 3 });
    await expect(collect(agent.run(invocation()))).rejects.toSatisfy(
      (error) => MaxStepsExceededError.isInstance(error) && error.maxSteps === 3,
    );
    expect(model.calls).toBe(3);
    expect(loop.calls).toHaveLength(2);
  });

  it('keeps reasoning with its signature and sends it back on the next step', async () => {
    const model = scriptedModel([
      [
        { type: 'reasoning-delta', text: 'I should look ' },
        { type: 'reasoning-delta', text: 'it up.', signature: 'sig-abc' },
        ...toolCallReply([{ name: 'lookup', id: 'r1' }]),
      ],
      textReply('Found it.'),
    ]);
    const agent = llmAgent({ model, name: 'a', tools: [fakeTool('lookup')] });
    const events = await collect(agent.run(invocation()));
    expect(events.filter((event) => event.type === 'reasoning-delta').at(-1)).toMatchObject({ signature: 'sig-abc' });
    expect(model.requests[1]?.messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'reasoning', text: 'I should look it up.', signature: 'sig-abc' }],
      toolCalls: [{ id: 'r1', name: 'lookup', arguments: {} }],
    });
  });

  it('gives tools the session state and records their changes in it', async () => {
    const counter = fakeTool('count', (_args, context) => {
      const next = (context.state.get<number>('count') ?? 0) + 1;
      context.state.set('count', next);
      return String(next);
    });
    const model = scriptedModel([toolCallReply([{ name: 'count' }]), textReply('counted')]);
    const state = new TurnState({ count: 41 });
    await collect(llmAgent({ model, name: 'a', tools: [counter] }).run(invocation({ state })));
    expect(state.toJSON()).toEqual({ count: 42 });
    expect(counter.calls[0]?.context.sessionId).toBe('s1');
  });

  it('pauses for approval without running any call of the step', async () => {
    const transfer = fakeTool('transfer', () => 'sent', { needsApproval: true });
    const balance = fakeTool('balance', () => '100');
    const model = scriptedModel([
      toolCallReply([
        { name: 'balance', id: 'b1' },
        { name: 'transfer', id: 't1', arguments: { amount: 5 } },
      ]),
    ]);
    const events = await collect(llmAgent({ model, name: 'a', tools: [transfer, balance] }).run(invocation()));
    expect(events.map((event) => event.type).slice(-2)).toEqual(['approval-requested', 'message']);
    expect(events.at(-2)).toMatchObject({ calls: [{ id: 't1', name: 'transfer' }] });
    expect(transfer.calls).toHaveLength(0);
    expect(balance.calls).toHaveLength(0);
  });

  it('resumes a paused step: approved and unguarded calls run, the rest are refused, then the loop goes on', async () => {
    const transfer = fakeTool('transfer', () => 'sent', { needsApproval: true });
    const balance = fakeTool('balance', () => '100');
    const history: Message[] = [
      { role: 'user', content: 'pay twice' },
      {
        role: 'assistant',
        content: [],
        toolCalls: [
          { id: 'b1', name: 'balance', arguments: {} },
          { id: 't1', name: 'transfer', arguments: {} },
          { id: 't2', name: 'transfer', arguments: {} },
        ],
      },
    ];
    const model = scriptedModel([textReply('One transfer sent.')]);
    const resume: ResumeInvocation = {
      ...invocation({ history, input: { role: 'user', content: 'pay twice' } }),
      approvals: { approve: ['t1'], deny: ['t2'] },
    };
    const events = await collect(llmAgent({ model, name: 'a', tools: [transfer, balance] }).run(resume));
    expect(transfer.calls).toHaveLength(1);
    expect(balance.calls).toHaveLength(1);
    expect(
      events.flatMap((event) => (event.type === 'tool-result' ? [[event.toolCallId, event.isError]] : [])),
    ).toEqual([
      ['b1', false],
      ['t1', false],
      ['t2', true],
    ]);
    const sent = model.requests[0]?.messages ?? [];
    expect(sent).toHaveLength(5);
    expect(sent[4]).toMatchObject({ role: 'tool', toolCallId: 't2', content: deniedResultText, isError: true });
  });

  it('aborts the model stream and in-flight tools when the signal fires', async () => {
    const clock = manualClock();
    let toolSignal: AbortSignal | undefined;
    const wait = fakeTool('wait', (_args, context) => {
      toolSignal = context.signal;
      return new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(new Error('x'))));
    });
    const model = scriptedModel([toolCallReply([{ name: 'wait' }])]);
    const controller = new AbortController();
    const agent = llmAgent({ model, name: 'a', tools: [wait], clock });
    const outcome = collect(agent.run(invocation({ signal: controller.signal }))).catch((error: unknown) => error);
    await clock.flush();
    expect(toolSignal?.aborted).toBe(false);
    controller.abort();
    const error = await outcome;
    expect(TurnAbortedError.isInstance(error)).toBe(true);
    expect(toolSignal?.aborted).toBe(true);

    const streaming = scriptedModel([{ chunks: textReply('a b c d e'), delayMs: 10 }], { clock });
    const second = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const event of llmAgent({ model: streaming, name: 'a', clock }).run(
        invocation({ signal: second.signal }),
      )) {
        seen.push(event.type);
      }
    })().catch((caught: unknown) => caught);
    await clock.advance(25);
    second.abort();
    expect(TurnAbortedError.isInstance(await run)).toBe(true);
    expect(seen).toEqual(['model-start', 'text-delta', 'text-delta']);
  });

  it('rejects a bad maxSteps with a typed error', () => {
    expect(() => llmAgent({ model: scriptedModel([]), name: 'a', maxSteps: 0 })).toThrow(/maxSteps/);
  });
});
