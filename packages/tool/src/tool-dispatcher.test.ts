import { InvalidArgumentError, sleep, type ToolCall, ToolTimeoutError, ToolValidationError } from '@troupe/core';
import { fakeTool, manualClock } from '@troupe/core/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from './define-tool.ts';
import { jsonSchema } from './json-schema-input.ts';
import { memorySessionState } from './memory-session-state.ts';
import {
  createToolDispatcher,
  type DispatchedToolContext,
  dispatchAbortCheck,
  dispatchNow,
  reportToolUsage,
  type ToolOutcome,
} from './tool-dispatcher.ts';

const call = (name: string, args: unknown, id = `call-${name}`): ToolCall => ({ id, name, arguments: args });

function dispatchContext(signal = new AbortController().signal) {
  return { sessionId: 'session-1', state: memorySessionState({ unit: 'C' }), signal };
}

const add = defineTool({
  name: 'add',
  description: 'Add two numbers.',
  input: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
});

describe('createToolDispatcher', () => {
  it('lists specs and finds tools by name', () => {
    const dispatcher = createToolDispatcher({ tools: [add] });
    expect(dispatcher.specs()).toEqual([
      { name: 'add', description: 'Add two numbers.', inputSchema: add.inputSchema },
    ]);
    expect(dispatcher.get('add')).toBe(add);
    expect(dispatcher.get('nope')).toBeUndefined();
  });

  it('answers without a promise when every call did (dispatchNow), and with one when a call is async', async () => {
    const later = defineTool({
      name: 'later',
      description: 'Answers on the next tick.',
      input: z.object({}),
      execute: async () => 'later',
    });
    const dispatcher = createToolDispatcher({ tools: [add, later] });
    const dispatchStep = dispatcher[dispatchNow];
    if (dispatchStep === undefined) throw new Error('createToolDispatcher offers dispatchNow');
    const now = dispatchStep([call('add', { a: 1, b: 2 }), call('nope', {})], dispatchContext());
    expect(Array.isArray(now)).toBe(true);
    expect((now as ToolOutcome[]).map((outcome) => outcome.message.content)).toEqual([
      '3',
      expect.stringContaining('nope'),
    ]);
    const pending = dispatchStep([call('add', { a: 2, b: 2 }), call('later', {})], dispatchContext());
    expect(pending).toBeInstanceOf(Promise);
    expect((await pending).map((outcome) => outcome.message.content)).toEqual(['4', 'later']);
    // `dispatch` resolves either way.
    const resolved = await dispatcher.dispatch([call('add', { a: 3, b: 2 })], dispatchContext());
    expect(resolved.map((outcome) => outcome.message.content)).toEqual(['5']);
  });

  it('refuses duplicate names and bad options', () => {
    expect(() => createToolDispatcher({ tools: [add, add] })).toThrow(InvalidArgumentError);
    expect(() => createToolDispatcher({ tools: [], concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createToolDispatcher({ tools: [], maxOutputChars: -1 })).toThrow(/maxOutputChars/);
  });

  it('refuses plain tools with names a provider would reject, and non-tools', () => {
    expect(() => createToolDispatcher({ tools: [fakeTool('weather.get')] })).toThrow(/underscores or dashes/);
    expect(() => createToolDispatcher({ tools: [fakeTool('')] })).toThrow(InvalidArgumentError);
    expect(() => createToolDispatcher({ tools: [{ name: 'x' } as never] })).toThrow(/without an execute function/);
    expect(() => createToolDispatcher({} as never)).toThrow(/needs \{ tools/);
  });

  it('runs a valid call and serialises non-string output as JSON', async () => {
    const info = defineTool({
      name: 'info',
      description: 'x',
      input: z.object({}),
      execute: (_args, ctx) => ({ session: ctx.sessionId, call: ctx.toolCallId, unit: ctx.state.get('unit') }),
    });
    const dispatcher = createToolDispatcher({ tools: [add, info] });
    const [sum, details] = await dispatcher.dispatch(
      [call('add', { a: 2, b: 3 }), call('info', {})],
      dispatchContext(),
    );
    expect(sum?.message).toEqual({ role: 'tool', toolCallId: 'call-add', toolName: 'add', content: '5' });
    expect(JSON.parse(details?.message.content ?? '')).toEqual({ session: 'session-1', call: 'call-info', unit: 'C' });
  });

  it('turns invalid arguments into an error result listing path and reason, without running the tool', async () => {
    const spy = fakeTool('spy');
    const strict = defineTool({
      name: 'strict',
      description: 'x',
      input: z.object({ a: z.number(), b: z.number() }),
      execute: (args, ctx) => spy.execute(args, ctx),
    });
    const dispatcher = createToolDispatcher({ tools: [strict] });
    const [outcome] = await dispatcher.dispatch([call('strict', { a: 'one' })], dispatchContext());
    expect(outcome?.message.isError).toBe(true);
    expect(outcome?.message.content).toContain('The arguments for tool strict are invalid (2 problems)');
    expect(outcome?.message.content).toContain('- a: expected number, received string');
    expect(outcome?.message.content).toContain('- b: is required but missing (expected number)');
    expect(outcome?.message.content).toMatch(/Fix these and call strict again/);
    expect(ToolValidationError.isInstance(outcome?.error)).toBe(true);
    expect(spy.calls).toHaveLength(0);
  });

  it('reads null for an optional property as absent (strict schema modes send it), but not for a required one', async () => {
    const seen: unknown[] = [];
    const book = defineTool({
      name: 'book',
      description: 'x',
      input: z.object({
        city: z.string(),
        note: z.string().optional(),
        rooms: z.array(z.object({ beds: z.number(), view: z.enum(['sea', 'city']).optional() })),
        reason: z.string().nullable().optional(),
      }),
      execute: (args) => {
        seen.push(args);
        return 'booked';
      },
    });
    const dispatcher = createToolDispatcher({ tools: [book] });
    const outcomes = await dispatcher.dispatch(
      [
        call('book', { city: 'Oslo', note: null, rooms: [{ beds: 2, view: null }], reason: null }, '1'),
        call('book', { city: null, rooms: [] }, '2'),
      ],
      dispatchContext(),
    );
    expect(outcomes[0]?.message.content).toBe('booked');
    // `reason` accepts null, so it stays; the others are dropped.
    expect(seen).toEqual([{ city: 'Oslo', rooms: [{ beds: 2 }], reason: null }]);
    expect(outcomes[1]?.message.content).toContain('- city: expected string, received null');
  });

  it('names the available tools when the model calls an unknown one', async () => {
    const dispatcher = createToolDispatcher({ tools: [add] });
    const [outcome] = await dispatcher.dispatch([call('subtract', {})], dispatchContext());
    expect(outcome?.message).toMatchObject({ isError: true, toolName: 'subtract' });
    expect(outcome?.message.content).toContain('There is no tool named "subtract". Available tools: add.');
    expect(outcome?.error?.code).toBe('TOOL_NOT_FOUND');
  });

  it('reports a throw as an error result with the reason', async () => {
    const failing = defineTool({
      name: 'failing',
      description: 'x',
      input: z.object({}),
      execute: () => {
        throw new Error('disk full');
      },
    });
    const dispatcher = createToolDispatcher({ tools: [failing, add] });
    const outcomes = await dispatcher.dispatch([call('failing', {}), call('add', { a: 1, b: 1 })], dispatchContext());
    expect(outcomes[0]?.message.content).toMatch(/^Tool failing failed: disk full\./);
    expect(outcomes[0]?.error?.code).toBe('TOOL_EXECUTION');
    expect(outcomes[1]?.message.content).toBe('2');
  });

  it('reports a value JSON cannot hold as an error result', async () => {
    const cyclic = defineTool({
      name: 'cyclic',
      description: 'x',
      input: z.object({}),
      execute: () => {
        const value: Record<string, unknown> = {};
        value.self = value;
        return value;
      },
    });
    const [outcome] = await createToolDispatcher({ tools: [cyclic] }).dispatch([call('cyclic', {})], dispatchContext());
    expect(outcome?.message.isError).toBe(true);
    expect(outcome?.message.content).toContain('cannot be serialised as JSON');
  });

  it('reports a function or symbol returned by a tool as an error result, not an empty answer', async () => {
    const returnsFunction = defineTool({
      name: 'lazy',
      description: 'x',
      input: z.object({}),
      execute: () => () => 'never called',
    });
    const returnsSymbol = defineTool({
      name: 'sym',
      description: 'x',
      input: z.object({}),
      execute: () => Symbol('s'),
    });
    const returnsBigInt = defineTool({
      name: 'big',
      description: 'x',
      input: z.object({}),
      execute: () => ({ n: 2n }),
    });
    const outcomes = await createToolDispatcher({ tools: [returnsFunction, returnsSymbol, returnsBigInt] }).dispatch(
      [call('lazy', {}), call('sym', {}), call('big', {})],
      dispatchContext(),
    );
    expect(outcomes[0]?.message.isError).toBe(true);
    expect(outcomes[0]?.message.content).toMatch(/^Tool lazy returned a function, which cannot be serialised as JSON/);
    expect(outcomes[1]?.message.content).toMatch(/^Tool sym returned a symbol/);
    expect(outcomes[2]?.message).toMatchObject({ content: '{"n":"2"}' });
    expect(outcomes[2]?.message.isError).toBeUndefined();
  });

  it('truncates long output with a marker', async () => {
    const long = defineTool({ name: 'long', description: 'x', input: z.object({}), execute: () => 'y'.repeat(5000) });
    const dispatcher = createToolDispatcher({ tools: [long], maxOutputChars: 200 });
    const [outcome] = await dispatcher.dispatch([call('long', {})], dispatchContext());
    const content = outcome?.message.content ?? '';
    expect(content.length).toBeLessThanOrEqual(200);
    expect(content).toMatch(/\[output truncated: showing the first \d+ of 5000 characters\]$/);
    expect(outcome?.message.isError).toBeUndefined();
  });

  it('reads empty and string-encoded arguments', async () => {
    const none = defineTool({ name: 'none', description: 'x', input: z.object({}), execute: () => 'ran' });
    const dispatcher = createToolDispatcher({ tools: [none, add] });
    const outcomes = await dispatcher.dispatch(
      [call('none', null, '1'), call('none', '', '2'), call('add', '{"a":1,"b":2}', '3'), call('add', 'not json', '4')],
      dispatchContext(),
    );
    expect(outcomes.map((o) => o.message.content.slice(0, 20))).toEqual(['ran', 'ran', '3', 'The arguments for to']);
  });

  it('times a call out on the injected clock and aborts its signal', async () => {
    const clock = manualClock();
    let seenSignal: AbortSignal | undefined;
    const slow = defineTool({
      name: 'slow',
      description: 'x',
      input: z.object({}),
      timeoutMs: 1000,
      execute: async (_args, ctx) => {
        seenSignal = ctx.signal;
        await new Promise(() => undefined);
      },
    });
    const dispatcher = createToolDispatcher({ tools: [slow], clock });
    const pending = dispatcher.dispatch([call('slow', {})], dispatchContext());
    await clock.advance(999);
    expect(seenSignal?.aborted).toBe(false);
    await clock.advance(1);
    const [outcome] = await pending;
    expect(seenSignal?.aborted).toBe(true);
    expect(ToolTimeoutError.isInstance(outcome?.error)).toBe(true);
    expect(outcome?.message.content).toMatch(/^Tool slow did not finish within 1000 ms and was cancelled\./);
    expect(outcome?.durationMs).toBe(1000);
  });

  it('uses defaultTimeoutMs for tools without their own', async () => {
    const clock = manualClock();
    const slow = defineTool({
      name: 'slow',
      description: 'x',
      input: z.object({}),
      execute: (_args, ctx) => sleep(clock, 10_000, ctx.signal),
    });
    const dispatcher = createToolDispatcher({ tools: [slow], clock, defaultTimeoutMs: 50 });
    const pending = dispatcher.dispatch([call('slow', {})], dispatchContext());
    await clock.advance(50);
    const [outcome] = await pending;
    expect(outcome?.error?.code).toBe('TOOL_TIMEOUT');
  });

  it('turns an abort into error results for running and waiting calls', async () => {
    const clock = manualClock();
    const started: string[] = [];
    const wait = defineTool({
      name: 'wait',
      description: 'x',
      input: z.object({}),
      execute: async (_args, ctx) => {
        started.push(ctx.toolCallId);
        await sleep(clock, 5000, ctx.signal);
        return 'done';
      },
    });
    const controller = new AbortController();
    const dispatcher = createToolDispatcher({ tools: [wait], clock, concurrency: 1 });
    const pending = dispatcher.dispatch(
      [call('wait', {}, 'a'), call('wait', {}, 'b')],
      dispatchContext(controller.signal),
    );
    await clock.advance(10);
    controller.abort();
    const outcomes = await pending;
    expect(started).toEqual(['a']);
    expect(outcomes.map((o) => o.message.isError)).toEqual([true, true]);
    expect(outcomes[0]?.message.content).toMatch(/^Tool wait was cancelled because the turn was aborted\./);
    expect(outcomes[1]?.message.content).toMatch(/cancelled because the turn was aborted/);
  });

  it('an abort fires the signal of every running call, even of tools that ignore it', async () => {
    const clock = manualClock();
    const signals: AbortSignal[] = [];
    const stubborn = defineTool({
      name: 'stubborn',
      description: 'x',
      input: z.object({}),
      execute: (_args, ctx) => {
        signals.push(ctx.signal);
        return new Promise(() => undefined);
      },
    });
    const controller = new AbortController();
    const dispatcher = createToolDispatcher({ tools: [stubborn], clock, concurrency: 3 });
    const pending = dispatcher.dispatch(
      ['a', 'b', 'c'].map((id) => call('stubborn', {}, id)),
      dispatchContext(controller.signal),
    );
    await clock.advance(1);
    expect(signals.map((signal) => signal.aborted)).toEqual([false, false, false]);
    controller.abort(new Error('user pressed stop'));
    const outcomes = await pending;
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true, true]);
    expect(outcomes.map((o) => o.error?.code)).toEqual(['TOOL_EXECUTION', 'TOOL_EXECUTION', 'TOOL_EXECUTION']);
    expect(outcomes.map((o) => o.message.toolCallId)).toEqual(['a', 'b', 'c']);
  });

  it('a step dispatched with an already aborted signal runs nothing', async () => {
    const spy = fakeTool('spy');
    const controller = new AbortController();
    controller.abort();
    const outcomes = await createToolDispatcher({ tools: [spy] }).dispatch(
      [call('spy', {}, '1'), call('spy', {}, '2')],
      dispatchContext(controller.signal),
    );
    expect(spy.calls).toHaveLength(0);
    expect(outcomes.every((o) => o.message.isError === true)).toBe(true);
  });

  it('adds usage a tool reports, through ctx.reportUsage or the reportToolUsage symbol', async () => {
    const spending = defineTool({
      name: 'spending',
      description: 'x',
      input: z.object({}),
      execute: (_args, ctx) => {
        ctx.reportUsage?.({ inputTokens: 10, outputTokens: 2 });
        (ctx as DispatchedToolContext)[reportToolUsage]?.({ inputTokens: 5, outputTokens: 1, cachedInputTokens: 4 });
        return 'ok';
      },
    });
    const [outcome, plain] = await createToolDispatcher({ tools: [spending, add] }).dispatch(
      [call('spending', {}), call('add', { a: 1, b: 2 })],
      dispatchContext(),
    );
    expect(outcome?.usage).toEqual({ inputTokens: 15, outputTokens: 3, cachedInputTokens: 4 });
    expect(plain?.usage).toBeUndefined();
  });

  it('runs calls in parallel up to the bound and keeps the calls order', async () => {
    const clock = manualClock();
    let running = 0;
    let peak = 0;
    const delayed = defineTool({
      name: 'delayed',
      description: 'x',
      input: z.object({ ms: z.number() }),
      execute: async ({ ms }, ctx) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(clock, ms, ctx.signal);
        running--;
        return ms;
      },
    });
    const finished: number[] = [];
    const dispatcher = createToolDispatcher({ tools: [delayed], clock, concurrency: 2 });
    const pending = dispatcher.dispatch(
      [300, 100, 200, 50].map((ms, i) => call('delayed', { ms }, `c${i}`)),
      { ...dispatchContext(), onResult: (_outcome: ToolOutcome, index: number) => finished.push(index) },
    );
    await clock.runAll();
    const outcomes = await pending;
    expect(outcomes.map((o) => o.message.toolCallId)).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(outcomes.map((o) => o.message.content)).toEqual(['300', '100', '200', '50']);
    expect(peak).toBe(2);
    // c2 takes c1's slot at 100 ms; c0 and c2 end at 300 ms, then c3 (started at 300) at 350 ms.
    expect(finished).toEqual([1, 0, 2, 3]);
  });

  it('keeps dispatching when onResult throws', async () => {
    const dispatcher = createToolDispatcher({ tools: [add] });
    const outcomes = await dispatcher.dispatch([call('add', { a: 1, b: 2 })], {
      ...dispatchContext(),
      onResult: () => {
        throw new Error('listener broke');
      },
    });
    expect(outcomes[0]?.message.content).toBe('3');
  });

  it('works with plain core tools without validate', async () => {
    const plain = fakeTool('plain', (args: { x: number }) => args.x * 2);
    const [outcome] = await createToolDispatcher({ tools: [plain] }).dispatch(
      [call('plain', { x: 4 })],
      dispatchContext(),
    );
    expect(outcome?.message.content).toBe('8');
  });

  it('validates JSON Schema tools with ajv before running them', async () => {
    const echo = defineTool({
      name: 'echo',
      description: 'x',
      input: jsonSchema<{ text: string }>({
        type: 'object',
        properties: { text: { type: 'string' } },
        required: ['text'],
      }),
      execute: ({ text }) => text,
    });
    const dispatcher = createToolDispatcher({ tools: [echo] });
    const outcomes = await dispatcher.dispatch(
      [call('echo', { text: 'hi' }, '1'), call('echo', { text: 1 }, '2')],
      dispatchContext(),
    );
    expect(outcomes[0]?.message.content).toBe('hi');
    expect(outcomes[1]?.message.content).toContain('- text: must be string, got integer');
  });

  it('runs a synchronous tool without arming a timer, and still reports its throw as an error result', async () => {
    const clock = manualClock();
    const boom = defineTool({
      name: 'boom',
      description: 'Throws.',
      input: z.object({}),
      execute: () => {
        throw new Error('kaput');
      },
    });
    const dispatcher = createToolDispatcher({ tools: [add, boom], clock });
    const outcomes = await dispatcher.dispatch([call('add', { a: 1, b: 2 }), call('boom', {})], dispatchContext());
    expect(clock.pendingTimers).toBe(0);
    expect(outcomes.map((outcome) => outcome.message.content)).toEqual([
      '3',
      expect.stringMatching(/^Tool boom failed: kaput/),
    ]);
    expect(outcomes[1]?.error?.code).toBe('TOOL_EXECUTION');
  });

  it('gives a context that survives a spread, with a signal already aborted when first read after a timeout', async () => {
    const clock = manualClock();
    let spreadSignal: AbortSignal | undefined;
    let lateSignal: AbortSignal | undefined;
    const slow = defineTool({
      name: 'slow',
      description: 'Reads its signal only after waiting.',
      input: z.object({}),
      timeoutMs: 50,
      execute: async (_args, ctx) => {
        spreadSignal = { ...ctx }.signal;
        await sleep(clock, 100);
        lateSignal = ctx.signal;
        return 'late';
      },
    });
    const dispatcher = createToolDispatcher({ tools: [slow], clock });
    const pending = dispatcher.dispatch([call('slow', {})], dispatchContext());
    await clock.runAll();
    const [outcome] = await pending;
    expect(outcome?.error?.code).toBe('TOOL_TIMEOUT');
    expect(spreadSignal).toBeInstanceOf(AbortSignal);
    expect(spreadSignal?.aborted).toBe(true);
    expect(lateSignal?.aborted).toBe(true);
    expect(ToolTimeoutError.isInstance(lateSignal?.reason)).toBe(true);
  });

  it('consults the cheap abort check instead of the signal, so a lazily made signal stays unmade', async () => {
    let signalReads = 0;
    const context = {
      sessionId: 'session-1',
      state: memorySessionState({}),
      get signal(): AbortSignal {
        signalReads++;
        return new AbortController().signal;
      },
      [dispatchAbortCheck]: () => false,
    };
    const dispatcher = createToolDispatcher({ tools: [add] });
    const outcomes = await dispatcher.dispatch([call('add', { a: 2, b: 2 })], context);
    expect(outcomes[0]?.message.content).toBe('4');
    expect(signalReads).toBe(0);
    const aborted = { ...context, [dispatchAbortCheck]: () => true, signal: AbortSignal.abort('stop') };
    const refused = await dispatcher.dispatch([call('add', { a: 2, b: 2 })], aborted);
    expect(refused[0]?.message.content).toMatch(/cancelled because the turn was aborted/);
  });
});
