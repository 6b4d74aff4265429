import { createActorSystem } from '@troupe/actor';
import {
  type AgentEvent,
  type AssistantMessage,
  ConcurrentWriteError,
  InvalidArgumentError,
  type LanguageModel,
  MaxStepsExceededError,
  messageText,
  ProviderRequestError,
  RateLimitError,
  RuntimeStoppedError,
  SessionBacklogFullError,
  type SessionSnapshot,
  type SessionStore,
  StoreError,
  type StreamOptions,
  TransientProviderError,
  TurnAbortedError,
} from '@troupe/core';
import {
  fakeTool,
  manualClock,
  referenceStore,
  type ScriptStep,
  scriptedModel,
  textReply,
  toolCallReply,
} from '@troupe/core/testing';
import { memoryStore } from '@troupe/store-memory';
import { defineTool } from '@troupe/tool';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { llmAgent } from './llm-agent.ts';
import { createRuntime, type RuntimeOptions } from './runtime.ts';

/** A store that counts saves and can be told to fail the next ones. */
function recordingStore(inner: SessionStore = memoryStore()) {
  let failures: Array<() => Error> = [];
  const store: SessionStore & { saves: SessionSnapshot[]; failNextSave(make: () => Error): void } = {
    saves: [],
    failNextSave(make) {
      failures.push(make);
    },
    load: (id) => inner.load(id),
    async save(snapshot) {
      const failure = failures.shift();
      if (failure) throw failure();
      const saved = await inner.save(snapshot);
      // The store returns its own copy, so keeping it is safe.
      store.saves.push(saved);
      return saved;
    },
    delete: (id) => inner.delete(id),
    list: (options) => inner.list(options),
    close: () => inner.close(),
  };
  failures = [];
  return store;
}

async function collect(stream: AsyncIterable<AgentEvent>): Promise<AgentEvent[]> {
  const events: AgentEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

async function failure(stream: AsyncIterable<AgentEvent>): Promise<{ events: AgentEvent[]; error: unknown }> {
  const events: AgentEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
  } catch (error) {
    return { events, error };
  }
  throw new Error('expected the stream to fail');
}

function runtimeWith(model: LanguageModel | RuntimeOptions['model'], extra: Partial<RuntimeOptions> = {}) {
  return createRuntime({
    model,
    agent: (routed) => llmAgent({ model: routed, name: 'assistant' }),
    clock: manualClock(),
    ...extra,
  });
}

/** A model that streams one delta, then a second one 1 s later; `onCall` sees each call's options. */
function slowSecondDelta(
  clock: ReturnType<typeof manualClock>,
  onCall: (options: StreamOptions | undefined) => void,
): LanguageModel {
  return {
    provider: 'p',
    modelId: 'm',
    async *stream(_request, options) {
      onCall(options);
      yield { type: 'text-delta', text: 'one ' };
      await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), 1000));
      yield { type: 'text-delta', text: 'two' };
    },
  };
}

const echo: ScriptStep = (request) =>
  textReply(`echo ${messageText(request.messages.at(-1) ?? { role: 'user', content: '' })}`);

describe('createRuntime: turns and events', () => {
  it('streams stamped events from turn-start to turn-complete and commits the turn', async () => {
    const store = recordingStore();
    const runtime = await runtimeWith(scriptedModel([textReply('Hello!')]), { store });
    const events = await collect(runtime.run('user-1', 'hi'));
    expect(events.map((event) => event.type)).toEqual([
      'turn-start',
      'model-start',
      'text-delta',
      'model-finish',
      'message',
      'turn-complete',
    ]);
    const turnId = events[0]?.turnId;
    events.forEach((event, index) => {
      expect(event).toMatchObject({ sessionId: 'user-1', turnId, author: 'assistant', seq: index });
      expect(typeof event.at).toBe('number');
    });
    expect(events.at(-1)).toMatchObject({
      status: 'completed',
      version: 1,
      usage: { inputTokens: 10, outputTokens: 1 },
    });
    expect(store.saves).toHaveLength(1);
    expect(store.saves[0]?.history).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] },
    ]);
    await runtime.stop();
  });

  it('send drains a turn and returns its message, usage, version and status', async () => {
    const runtime = await runtimeWith(scriptedModel([textReply('one'), textReply('two')]));
    expect(await runtime.send('s', 'a')).toMatchObject({
      status: 'completed',
      version: 1,
      message: { role: 'assistant' },
    });
    const second = await runtime.send('s', 'b');
    expect(messageText(second.message)).toBe('two');
    expect(second.version).toBe(2);
    expect(second.usage).toEqual({ inputTokens: 10, outputTokens: 1 });
    await runtime.stop();
  });

  it('commits the user, assistant and tool messages and the state delta in one save', async () => {
    const store = recordingStore();
    const note = fakeTool('note', (args: { text: string }, context) => {
      context.state.set('notes', [...(context.state.get<string[]>('notes') ?? []), args.text]);
      return 'noted';
    });
    const model = scriptedModel([
      toolCallReply([{ name: 'note', id: 'n1', arguments: { text: 'milk' } }]),
      textReply('Noted.'),
    ]);
    const runtime = await createRuntime({
      model,
      store,
      clock: manualClock(),
      agent: (routed) => llmAgent({ model: routed, name: 'assistant', tools: [note] }),
    });
    const result = await runtime.send('s', 'remember milk');
    expect(result.version).toBe(1);
    expect(store.saves).toHaveLength(1);
    expect(store.saves[0]?.state).toEqual({ notes: ['milk'] });
    expect(store.saves[0]?.history.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    await runtime.stop();
  });

  it('adds the usage tools report (an agent run as a tool) to the turn total', async () => {
    const research = defineTool({
      name: 'research',
      description: 'Asks a nested agent.',
      input: z.object({ topic: z.string() }),
      execute: ({ topic }, context) => {
        context.reportUsage?.({ inputTokens: 100, outputTokens: 40 });
        return `notes on ${topic}`;
      },
    });
    const model = scriptedModel([
      toolCallReply([{ name: 'research', arguments: { topic: 'tides' } }], {
        usage: { inputTokens: 10, outputTokens: 5 },
      }),
      textReply('Done.', { usage: { inputTokens: 20, outputTokens: 2 } }),
    ]);
    const runtime = await createRuntime({
      model,
      clock: manualClock(),
      agent: (routed) => llmAgent({ model: routed, name: 'assistant', tools: [research] }),
    });
    const events = await collect(runtime.run('s', 'look it up'));
    const complete = events.at(-1);
    expect(complete?.type === 'turn-complete' && complete.usage).toEqual({ inputTokens: 130, outputTokens: 47 });
    model.push(textReply('Again.', { usage: { inputTokens: 1, outputTokens: 1 } }));
    const next = await runtime.send('s', 'and now?');
    expect(next.usage).toEqual({ inputTokens: 1, outputTokens: 1 });
    await runtime.stop();
  });

  it('a failed turn yields an error event and then the iterator throws; send rejects with the same type', async () => {
    const fatal = () => ({ chunks: [], error: new ProviderRequestError('bad request', { provider: 'x' }) });
    const runtime = await runtimeWith(scriptedModel([fatal(), fatal()]));
    const { events, error } = await failure(runtime.run('s', 'hi'));
    expect(ProviderRequestError.isInstance(error)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'PROVIDER_REQUEST' } });
    await expect(runtime.send('s', 'again')).rejects.toSatisfy((caught) => ProviderRequestError.isInstance(caught));
    await runtime.stop();
  });

  it('rejects a bad input, session id or route with a typed error and stores nothing', async () => {
    const store = recordingStore();
    const runtime = await runtimeWith(scriptedModel([]), { store });
    for (const stream of [
      runtime.run('', 'x'),
      runtime.run('s', 42 as unknown as string),
      runtime.run('s', 'x', { model: 'nope' }),
    ]) {
      const { error, events } = await failure(stream);
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect(events).toEqual([]);
    }
    await expect(runtime.setRoute('s', 'nope')).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
    expect(store.saves).toHaveLength(0);
    await runtime.stop();
  });
});

describe('createRuntime: ordering and backlog', () => {
  it('runs 1,000 concurrent turns of one session in call order, each seeing every earlier turn', async () => {
    // Checks each request as it arrives (recording 1,000 growing histories would dominate the test).
    const seen: string[] = [];
    const model: LanguageModel = {
      provider: 'p',
      modelId: 'm',
      async *stream(request) {
        const texts = request.messages.map(messageText);
        const index = seen.length;
        const expected = Array.from({ length: index }, (_, turn) => [`m${turn}`, `echo m${turn}`]).flat();
        seen.push(texts.at(-1) as string);
        if (texts.slice(0, -1).join('|') !== expected.join('|'))
          throw new Error(`request ${index} lacks earlier turns`);
        yield* textReply(`echo ${texts.at(-1)}`);
      },
    };
    const store = referenceStore();
    const runtime = await runtimeWith(model, { store, stashBound: 1000 });
    const count = 1000;
    const results = await Promise.all(Array.from({ length: count }, (_, index) => runtime.send('one', `m${index}`)));
    expect(results.map((result) => result.version)).toEqual(Array.from({ length: count }, (_, index) => index + 1));
    expect(seen).toEqual(Array.from({ length: count }, (_, index) => `m${index}`));
    const stored = await store.load('one');
    expect(stored?.version).toBe(count);
    expect(stored?.history.filter((message) => message.role === 'user').map((message) => message.content)).toEqual(
      Array.from({ length: count }, (_, index) => `m${index}`),
    );
    await runtime.stop();
  });

  it('runs turns of two sessions at the same time', async () => {
    const clock = manualClock();
    const model = scriptedModel([{ chunks: textReply('a b c'), delayMs: 10 }], { whenExhausted: 'repeat-last', clock });
    const runtime = await createRuntime({
      model,
      clock,
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    const spans: Record<string, [number, number]> = {};
    const timed = async (sessionId: string) => {
      const events = await collect(runtime.run(sessionId, 'go'));
      spans[sessionId] = [events[0]?.at ?? -1, events.at(-1)?.at ?? -1];
    };
    const both = Promise.all([timed('left'), timed('right')]);
    await clock.advance(100);
    await both;
    expect(spans.left).toEqual([0, 50]);
    expect(spans.right).toEqual([0, 50]);
    await runtime.stop();
  });

  it('fails exactly the turns beyond stashBound at once with SessionBacklogFullError, storing nothing of them', async () => {
    const clock = manualClock();
    const model = scriptedModel([{ chunks: textReply('slow'), delayMs: 100 }], { whenExhausted: 'repeat-last', clock });
    const store = recordingStore();
    const runtime = await createRuntime({
      model,
      clock,
      store,
      stashBound: 5,
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    const outcomes = Array.from({ length: 20 }, (_, index) =>
      runtime.send('busy', `m${index}`).then(
        () => 'ok',
        (error: unknown) => (SessionBacklogFullError.isInstance(error) ? 'full' : 'other'),
      ),
    );
    await clock.flush();
    // The rejections are immediate: no time has passed.
    const early = await Promise.race([Promise.all(outcomes.slice(6)), clock.flush().then(() => 'pending')]);
    expect(early).toEqual(Array(14).fill('full'));
    for (let index = 0; index < 20; index++) await clock.advance(200);
    const settled = await Promise.all(outcomes);
    expect(settled.filter((outcome) => outcome === 'full')).toHaveLength(14);
    expect(settled.filter((outcome) => outcome === 'ok')).toHaveLength(6);
    expect(store.saves).toHaveLength(6);
    expect(store.saves.at(-1)?.history.filter((message) => message.role === 'user')).toHaveLength(6);
    await runtime.stop();
  });

  it('removes an aborted queued turn from the backlog; it never runs', async () => {
    const clock = manualClock();
    const model = scriptedModel([{ chunks: textReply('ok'), delayMs: 10 }], { whenExhausted: 'repeat-last', clock });
    const runtime = await createRuntime({
      model,
      clock,
      stashBound: 1,
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    const first = runtime.send('q', 'first');
    const controller = new AbortController();
    const queued = runtime.send('q', 'second', { signal: controller.signal }).catch((error: unknown) => error);
    controller.abort();
    expect(TurnAbortedError.isInstance(await queued)).toBe(true);
    // Its slot is free again: one more may queue behind the running turn.
    const third = runtime.send('q', 'third');
    await clock.advance(100);
    expect((await first).version).toBe(1);
    expect((await third).version).toBe(2);
    expect(
      model.requests.map((request) => messageText(request.messages.at(-1) ?? { role: 'user', content: '' })),
    ).toEqual(['first', 'third']);
    await runtime.stop();
  });
});

describe('createRuntime: commit and rollback', () => {
  it('leaves the store and the session unchanged when the turn fails, and the next turn sees the old history', async () => {
    const store = recordingStore();
    const model = scriptedModel([
      textReply('first'),
      toolCallReply([{ name: 'mark' }]),
      { chunks: [], error: new ProviderRequestError('nope', { provider: 'x' }) },
      echo,
    ]);
    const mark = fakeTool('mark', (_args, context) => {
      context.state.set('marked', true);
      return 'ok';
    });
    const runtime = await createRuntime({
      model,
      store,
      clock: manualClock(),
      agent: (routed) => llmAgent({ model: routed, name: 'x', tools: [mark] }),
    });
    await runtime.send('s', 'one');
    await expect(runtime.send('s', 'two')).rejects.toSatisfy((error) => ProviderRequestError.isInstance(error));
    expect((await store.load('s'))?.version).toBe(1);
    expect((await store.load('s'))?.state).toEqual({});
    const third = await runtime.send('s', 'three');
    expect(third.version).toBe(2);
    expect(model.requests[3]?.messages.map((message) => messageText(message))).toEqual(['one', 'first', 'three']);
    expect((await store.load('s'))?.state).toEqual({});
    await runtime.stop();
  });

  it("keeps its own copy of what it commits: changing the input, an event's message or send's result changes no history", async () => {
    const store = memoryStore();
    const model = scriptedModel([echo], { whenExhausted: 'repeat-last' });
    const runtime = await runtimeWith(model, { store });
    const input = { role: 'user' as const, content: [{ type: 'text' as const, text: 'a' }] };
    const streamed = await collect(runtime.run('s', input));
    const answer = streamed.find((event) => event.type === 'message');
    if (answer?.type !== 'message') throw new Error('expected a message event');
    input.content[0] = { type: 'text', text: 'changed input' };
    answer.message.content.push({ type: 'text', text: ' changed event' });
    const sent = await runtime.send('s', 'b');
    sent.message.content.length = 0;
    await runtime.send('s', 'c');
    expect(model.requests[2]?.messages.map(messageText)).toEqual(['a', 'echo a', 'b', 'echo b', 'c']);
    expect((await store.load('s'))?.history.map(messageText)).toEqual(['a', 'echo a', 'b', 'echo b', 'c', 'echo c']);
    await runtime.stop();
  });

  it('commits only the new messages of a turn: the memory store keeps the earlier ones as they were', async () => {
    const store = memoryStore();
    const runtime = await runtimeWith(scriptedModel([echo], { whenExhausted: 'repeat-last' }), { store });
    await runtime.send('s', 'a');
    const first = store.records.get('s') as SessionSnapshot;
    await runtime.send('s', 'b');
    const second = store.records.get('s') as SessionSnapshot;
    expect(second.version).toBe(2);
    expect(second.history).toHaveLength(4);
    // The same objects, not copies of the whole session on every commit.
    expect(second.history[0]).toBe(first.history[0]);
    expect(second.history[1]).toBe(first.history[1]);
    // A load still hands out a copy that shares nothing with the store.
    const loaded = await store.load('s');
    expect(loaded?.history[0]).toEqual(second.history[0]);
    expect(loaded?.history[0]).not.toBe(second.history[0]);
    await runtime.stop();
  });

  it('fails a turn whose state or messages cannot be stored with InvalidArgumentError, and commits nothing of it', async () => {
    const store = memoryStore();
    const keep = fakeTool('keep', (_args, context) => {
      context.state.set('callback', () => 'not data');
      return 'kept';
    });
    const model = scriptedModel([toolCallReply([{ name: 'keep' }]), textReply('done'), textReply('fine')]);
    const runtime = await createRuntime({
      model,
      store,
      clock: manualClock(),
      agent: (routed) => llmAgent({ model: routed, name: 'x', tools: [keep] }),
    });
    const error = await runtime.send('s', 'keep this').catch((thrown: unknown) => thrown);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/cannot be copied/);
    expect(await store.load('s')).toBeUndefined();
    // A custom agent emitting a malformed message is refused the same way.
    const robot = await createRuntime({
      model: scriptedModel([textReply('unused')]),
      store,
      clock: manualClock(),
      agent: () => ({
        name: 'robot',
        async *run(invocation) {
          const message = { role: 'robot', content: 'beep' } as unknown as AssistantMessage;
          yield {
            type: 'message',
            message,
            sessionId: invocation.sessionId,
            turnId: invocation.turnId,
            author: 'robot',
            seq: 0,
            at: 0,
          };
        },
      }),
    });
    const refused = await robot.send('r', 'hi').catch((thrown: unknown) => thrown);
    expect(InvalidArgumentError.isInstance(refused)).toBe(true);
    expect((refused as Error).message).toMatch(/history\[1\] is not a message/);
    expect(await store.load('r')).toBeUndefined();
    expect((await runtime.send('s', 'and now?')).version).toBe(1);
    await robot.stop();
    await runtime.stop();
  });

  it('commits nothing when maxSteps is exceeded', async () => {
    const store = recordingStore();
    const model = scriptedModel([toolCallReply([{ name: 'loop' }])], { whenExhausted: 'repeat-last' });
    const runtime = await createRuntime({
      model,
      store,
      clock: manualClock(),
      agent: (routed) => llmAgent({ model: routed, name: 'x', tools: [fakeTool('loop')], maxSteps: 2 }),
    });
    const { error, events } = await failure(runtime.run('s', 'go'));
    expect(MaxStepsExceededError.isInstance(error)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'MAX_STEPS_EXCEEDED' } });
    expect(store.saves).toHaveLength(0);
    expect(await store.load('s')).toBeUndefined();
    await runtime.stop();
  });

  it('a failing save fails the turn with the store error, leaves the store as it was, and the next turn commits', async () => {
    const store = recordingStore();
    const model = scriptedModel([echo], { whenExhausted: 'repeat-last' });
    const runtime = await runtimeWith(model, { store });
    await runtime.send('s', 'a');
    store.failNextSave(() => new StoreError('disk full', { sessionId: 's' }));
    await expect(runtime.send('s', 'b')).rejects.toSatisfy((error) => StoreError.isInstance(error));
    expect((await store.load('s'))?.history.map(messageText)).toEqual(['a', 'echo a']);
    const next = await runtime.send('s', 'c');
    expect(next.version).toBe(2);
    expect((await store.load('s'))?.history.map(messageText)).toEqual(['a', 'echo a', 'c', 'echo c']);
    expect(model.requests[2]?.messages.map(messageText)).toEqual(['a', 'echo a', 'c']);
    await runtime.stop();
  });

  it('on ConcurrentWriteError fails the turn, reloads from the store and the next turn builds on the reloaded snapshot', async () => {
    const store = recordingStore();
    const model = scriptedModel([echo], { whenExhausted: 'repeat-last' });
    const runtime = await runtimeWith(model, { store });
    await runtime.send('s', 'a');
    // Another writer commits behind the runtime's back.
    const current = (await store.load('s')) as SessionSnapshot;
    await store.save({ ...current, history: [...current.history, { role: 'user', content: 'elsewhere' }] });
    await expect(runtime.send('s', 'b')).rejects.toSatisfy((error) => ConcurrentWriteError.isInstance(error));
    const next = await runtime.send('s', 'c');
    expect(next.version).toBe(3);
    expect(model.requests.at(-1)?.messages.map(messageText)).toEqual(['a', 'echo a', 'elsewhere', 'c']);
    await runtime.stop();
  });

  it('breaking out of for-await aborts the turn and commits nothing', async () => {
    const clock = manualClock();
    const store = recordingStore();
    let modelSignal: AbortSignal | undefined;
    const model = slowSecondDelta(clock, (options) => {
      modelSignal = options?.signal;
    });
    const runtime = await createRuntime({
      model,
      clock,
      store,
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    for await (const event of runtime.run('s', 'hi')) {
      if (event.type === 'text-delta') break;
    }
    expect(modelSignal?.aborted).toBe(true);
    await clock.advance(2000);
    expect(store.saves).toHaveLength(0);
    await runtime.stop();
  });

  it('makes the turn signal only when read: read after the consumer left, it is already aborted', async () => {
    const clock = manualClock();
    let streamOptions: { signal?: AbortSignal } | undefined;
    const model = slowSecondDelta(clock, (options) => {
      streamOptions = options;
    });
    const runtime = await createRuntime({
      model,
      clock,
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    for await (const event of runtime.run('s', 'hi')) {
      if (event.type === 'text-delta') break;
    }
    const signal = streamOptions?.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal?.aborted).toBe(true);
    expect(TurnAbortedError.isInstance(signal?.reason)).toBe(true);
    await clock.advance(2000);
    await runtime.stop();
  });

  it('an agent deriving an invocation by spread without its signal gets a clear error; passing it along works', async () => {
    const inner = llmAgent({ model: scriptedModel([textReply('inner answer')]), name: 'assistant' });
    const runtime = await runtimeWith(scriptedModel([]), {
      agent: () => ({
        name: 'assistant',
        run: (invocation) =>
          inner.run(
            invocation.input.content === 'keep'
              ? { ...invocation, signal: invocation.signal }
              : { ...invocation, history: invocation.history },
          ),
      }),
    });
    await expect(runtime.send('s', 'drop')).rejects.toSatisfy(
      (error) => InvalidArgumentError.isInstance(error) && /signal: invocation\.signal/.test((error as Error).message),
    );
    const kept = await runtime.send('s', 'keep');
    expect(messageText(kept.message)).toBe('inner answer');
    await runtime.stop();
  });

  it('aborting the signal fails the turn with TurnAbortedError and leaves the session unchanged', async () => {
    const clock = manualClock();
    const store = recordingStore();
    const model = scriptedModel([{ chunks: textReply('a b c d'), delayMs: 10 }, echo], { clock });
    const runtime = await createRuntime({
      model,
      clock,
      store,
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    const controller = new AbortController();
    const outcome = failure(runtime.run('s', 'hi', { signal: controller.signal }));
    await clock.advance(25);
    controller.abort();
    const { error, events } = await outcome;
    expect(TurnAbortedError.isInstance(error)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'TURN_ABORTED' } });
    expect(store.saves).toHaveLength(0);
    const next = await runtime.send('s', 'again');
    expect(next.version).toBe(1);
    expect(model.requests[1]?.messages.map(messageText)).toEqual(['again']);
    await runtime.stop();
  });
});

describe('createRuntime: backpressure', () => {
  it('a slow consumer slows the turn and gets every event', async () => {
    const produced: number[] = [];
    const model: LanguageModel = {
      provider: 'p',
      modelId: 'm',
      async *stream() {
        for (let index = 0; index < 50; index++) {
          produced.push(index);
          yield { type: 'text-delta', text: `${index},` };
        }
        yield { type: 'finish', reason: 'stop' };
      },
    };
    const runtime = await runtimeWith(model, { eventBufferSize: 4 });
    const stream = runtime.run('s', 'go');
    const first = await stream.next();
    expect(first.value?.type).toBe('turn-start');
    await new Promise((resolve) => setImmediate(resolve));
    // The turn is held back: at most the buffer (plus the chunk in hand) ran ahead of the consumer.
    expect(produced.length).toBeLessThanOrEqual(6);
    const rest = await collect(stream);
    const text = rest.flatMap((event) => (event.type === 'text-delta' ? [event.text] : [])).join('');
    expect(text).toBe(Array.from({ length: 50 }, (_, index) => `${index},`).join(''));
    expect(rest.at(-1)?.type).toBe('turn-complete');
    await runtime.stop();
  });
});

describe('createRuntime: passivation', () => {
  it('gives a session an actor only while it has work, and orders its turns across actors', async () => {
    const clock = manualClock();
    const system = createActorSystem({ name: 'sessions', clock });
    let live = 0;
    system.events.on('actor-started', () => live++);
    system.events.on('actor-stopped', () => live--);
    const model = scriptedModel([echo], { whenExhausted: 'repeat-last' });
    const runtime = await createRuntime({
      model,
      clock,
      system,
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    await runtime.send('s', 'a');
    await runtime.setRoute('s', 'default');
    // An actor's stop finishes a few microtasks after it was asked for.
    await new Promise((resolve) => setImmediate(resolve));
    // Idle: no actor, but the session (and its history) stays until it passivates.
    expect(live).toBe(0);
    expect(runtime.activeSessions).toBe(1);
    // Turns queued back to back, and one sent as the previous one settles, still run in call order.
    const first = runtime.send('s', 'b');
    const second = runtime.send('s', 'c');
    expect(live).toBe(1);
    const third = first.then(() => runtime.send('s', 'd'));
    await Promise.all([first, second, third]);
    expect((await third).version).toBe(5);
    expect(model.requests.at(-1)?.messages.map(messageText)).toEqual([
      'a',
      'echo a',
      'b',
      'echo b',
      'c',
      'echo c',
      'd',
    ]);
    // A turn sent the moment the session went idle gets a new actor while the old one still stops.
    const last = await runtime.send('s', 'e').then(() => runtime.send('s', 'f'));
    expect(last.version).toBe(7);
    expect(model.requests.at(-1)?.messages.map(messageText).slice(-3)).toEqual(['e', 'echo e', 'f']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(live).toBe(0);
    await runtime.stop();
    await system.stop();
  });

  it('passivates an idle session after passivateAfterMs and rehydrates it from the store', async () => {
    const clock = manualClock();
    const model = scriptedModel([echo], { whenExhausted: 'repeat-last' });
    const runtime = await createRuntime({
      model,
      clock,
      passivateAfterMs: 60_000,
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    await runtime.send('s', 'a');
    expect(runtime.activeSessions).toBe(1);
    await clock.advance(59_000);
    expect(runtime.activeSessions).toBe(1);
    await clock.advance(2_000);
    expect(runtime.activeSessions).toBe(0);
    const next = await runtime.send('s', 'b');
    expect(next.version).toBe(2);
    expect(model.requests[1]?.messages.map(messageText)).toEqual(['a', 'echo a', 'b']);
    await runtime.stop();
  });
});

describe('createRuntime: the model actor', () => {
  it('retries a 429 invisibly and reports a retry after partial output with model-retry, committing only the retried step', async () => {
    const clock = manualClock();
    const store = recordingStore();
    const model = scriptedModel([
      { chunks: [], error: new RateLimitError('429', { provider: 'x', retryAfterMs: 1000 }) },
      {
        chunks: textReply('broken reply'),
        error: new TransientProviderError('reset', { provider: 'x' }),
        errorAfter: 1,
      },
      textReply('whole reply'),
    ]);
    const runtime = await createRuntime({
      model,
      clock,
      store,
      modelRetry: { random: () => 0, baseDelayMs: 100 },
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    const done = collect(runtime.run('s', 'hi'));
    await clock.advance(1000);
    const events = await done;
    const retries = events.filter((event) => event.type === 'model-retry');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ attempt: 2, error: { code: 'PROVIDER_UNAVAILABLE' } });
    const retryIndex = events.indexOf(retries[0] as AgentEvent);
    expect(events.slice(0, retryIndex).filter((event) => event.type === 'text-delta')).toHaveLength(1);
    expect(store.saves[0]?.history.map(messageText)).toEqual(['hi', 'whole reply']);
    await runtime.stop();
  });

  it('shares the concurrency limit between sessions', async () => {
    const clock = manualClock();
    const model = scriptedModel([{ chunks: textReply('x y'), delayMs: 10 }], { whenExhausted: 'repeat-last', clock });
    let active = 0;
    let peak = 0;
    const counted: LanguageModel = {
      provider: 'p',
      modelId: 'm',
      async *stream(request, options) {
        active++;
        peak = Math.max(peak, active);
        try {
          yield* model.stream(request, options);
        } finally {
          active--;
        }
      },
    };
    const runtime = await createRuntime({
      model: counted,
      clock,
      modelConcurrency: 2,
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    const all = Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => runtime.send(id, 'go')));
    for (let index = 0; index < 30; index++) await clock.advance(10);
    expect((await all).map((result) => result.version)).toEqual([1, 1, 1, 1, 1]);
    expect(peak).toBe(2);
    await runtime.stop();
  });

  it('loses and duplicates no committed turn over 1,000 turns with random provider errors', async () => {
    const clock = manualClock();
    let seed = 42;
    const random = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 2 ** 32;
    };
    let injected = 0;
    const script: ScriptStep = (request) => {
      const reply = textReply(`ack ${messageText(request.messages.at(-1) ?? { role: 'user', content: '' })}`);
      const roll = random();
      if (roll < 0.1) {
        injected++;
        return { chunks: [], error: new RateLimitError('429', { provider: 'x', retryAfterMs: 5 }) };
      }
      if (roll < 0.2) {
        injected++;
        return { chunks: [], error: new TransientProviderError('500', { provider: 'x', status: 500 }) };
      }
      if (roll < 0.3) {
        injected++;
        return { chunks: reply, error: new TransientProviderError('disconnect', { provider: 'x' }), errorAfter: 1 };
      }
      return reply;
    };
    const model = scriptedModel([script], { whenExhausted: 'repeat-last' });
    const store = recordingStore();
    const runtime = await createRuntime({
      model,
      clock,
      store,
      stashBound: 1000,
      // Three calls in ten fail: with 10 retries some call of the 1,400 would run out of them in
      // about one run in a hundred (which call gets which roll depends on the backoff's jitter).
      modelRetry: { maxRetries: 40, baseDelayMs: 4, maxDelayMs: 8 },
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    const count = 1000;
    let settled = 0;
    const sessions = ['p', 'q', 'r', 's'];
    const all = Promise.all(
      Array.from({ length: count }, (_, index) =>
        runtime.send(sessions[index % 4] as string, `n${index}`).finally(() => {
          settled++;
        }),
      ),
    );
    while (settled < count) await clock.advance(10);
    await all;
    expect(injected).toBeGreaterThan(100);
    for (const [offset, sessionId] of sessions.entries()) {
      const stored = (await store.load(sessionId)) as SessionSnapshot;
      const expected = Array.from({ length: count / 4 }, (_, index) => `n${index * 4 + offset}`);
      expect(stored.version).toBe(count / 4);
      expect(stored.history.filter((message) => message.role === 'user').map(messageText)).toEqual(expected);
      expect(stored.history.filter((message) => message.role === 'assistant').map(messageText)).toEqual(
        expected.map((text) => `ack ${text}`),
      );
    }
    await runtime.stop();
  });
});

describe('createRuntime: approvals', () => {
  it('ends the turn awaiting approval with the pending calls committed, then resume runs or refuses them', async () => {
    const store = recordingStore();
    const transfer = fakeTool('transfer', () => 'sent', { needsApproval: true });
    const model = scriptedModel([
      toolCallReply([
        { name: 'transfer', id: 't1', arguments: { to: 'ann' } },
        { name: 'transfer', id: 't2', arguments: { to: 'bob' } },
      ]),
      textReply('Sent to Ann only.'),
    ]);
    const runtime = await createRuntime({
      model,
      store,
      clock: manualClock(),
      agent: (routed) => llmAgent({ model: routed, name: 'bank', tools: [transfer] }),
    });
    const events = await collect(runtime.run('s', 'pay both'));
    expect(events.find((event) => event.type === 'approval-requested')).toMatchObject({
      calls: [{ id: 't1' }, { id: 't2' }],
    });
    expect(events.at(-1)).toMatchObject({ type: 'turn-complete', status: 'awaiting-approval', version: 1 });
    expect(store.saves[0]?.history.at(-1)).toMatchObject({
      role: 'assistant',
      toolCalls: [{ id: 't1' }, { id: 't2' }],
    });
    expect(transfer.calls).toHaveLength(0);

    const resumed = await collect(runtime.resume('s', { approve: ['t1'], deny: ['t2'] }));
    expect(resumed.map((event) => event.type)).toEqual([
      'turn-start',
      'tool-result',
      'tool-result',
      'model-start',
      'text-delta',
      'text-delta',
      'text-delta',
      'text-delta',
      'model-finish',
      'message',
      'turn-complete',
    ]);
    expect(transfer.calls.map((call) => call.args)).toEqual([{ to: 'ann' }]);
    expect(resumed.at(-1)).toMatchObject({ status: 'completed', version: 2 });
    expect(store.saves[1]?.history.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'tool',
      'assistant',
    ]);
    await runtime.stop();
  });

  it('refuses pending calls when a new message arrives instead, and rejects resume with nothing pending', async () => {
    const guarded = fakeTool('guarded', () => 'done', { needsApproval: true });
    const model = scriptedModel([toolCallReply([{ name: 'guarded', id: 'g1' }]), echo]);
    const runtime = await createRuntime({
      model,
      clock: manualClock(),
      agent: (routed) => llmAgent({ model: routed, name: 'x', tools: [guarded] }),
    });
    expect((await runtime.send('s', 'do it')).status).toBe('awaiting-approval');
    const { error } = await failure(runtime.resume('s', { approve: ['nope'] }));
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    await runtime.send('s', 'never mind');
    expect(model.requests[1]?.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'user']);
    expect(model.requests[1]?.messages[2]).toMatchObject({ toolCallId: 'g1', isError: true });
    const nothing = await failure(runtime.resume('s', { approve: [] }));
    expect(InvalidArgumentError.isInstance(nothing.error)).toBe(true);
    expect(guarded.calls).toHaveLength(0);
    await runtime.stop();
  });
});

describe('createRuntime: routing', () => {
  it('routes one turn with { model } and persists a session route with setRoute', async () => {
    const clock = manualClock();
    const big = scriptedModel([textReply('big')], { whenExhausted: 'repeat-last', modelId: 'big' });
    const fast = scriptedModel([textReply('fast')], { whenExhausted: 'repeat-last', modelId: 'fast' });
    const store = recordingStore();
    const runtime = await createRuntime({
      model: { default: big, fast },
      store,
      clock,
      passivateAfterMs: 1000,
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    expect(runtime.routes).toEqual(['default', 'fast']);
    expect(messageText((await runtime.send('s', 'a')).message)).toBe('big');
    expect(messageText((await runtime.send('s', 'b', { model: 'fast' })).message)).toBe('fast');
    expect(messageText((await runtime.send('s', 'c')).message)).toBe('big');
    await runtime.setRoute('s', 'fast');
    expect((await store.load('s'))?.state).toEqual({ 'troupe.route': 'fast' });
    await clock.advance(5000);
    expect(runtime.activeSessions).toBe(0);
    const routed = await collect(runtime.run('s', 'd'));
    expect(routed.find((event) => event.type === 'model-start')).toMatchObject({ modelId: 'fast' });
    expect(messageText((await runtime.send('s', 'e', { model: 'default' })).message)).toBe('big');
    await runtime.stop();
  });
});

describe('createRuntime: stop', () => {
  it('rejects new turns, lets running turns finish within the deadline, then aborts the rest', async () => {
    const clock = manualClock();
    const model = scriptedModel(
      [
        (request) => {
          const slow = messageText(request.messages.at(-1) ?? { role: 'user', content: '' }) === 'slow';
          return { chunks: textReply(slow ? 'slow' : 'quick'), delayMs: slow ? 10_000 : 10 };
        },
      ],
      { clock, whenExhausted: 'repeat-last' },
    );
    const runtime = await createRuntime({
      model,
      clock,
      stopTimeoutMs: 1000,
      agent: (routed) => llmAgent({ model: routed, name: 'x', clock }),
    });
    const quick = runtime.send('a', 'quick');
    const slow = runtime.send('b', 'slow').catch((error: unknown) => error);
    await clock.flush();
    const stopped = runtime.stop();
    const { error } = await failure(runtime.run('c', 'late'));
    expect(RuntimeStoppedError.isInstance(error)).toBe(true);
    await expect(runtime.send('c', 'late')).rejects.toSatisfy((caught) => RuntimeStoppedError.isInstance(caught));
    await clock.advance(1000);
    await stopped;
    expect((await quick).status).toBe('completed');
    const slowError = await slow;
    expect(TurnAbortedError.isInstance(slowError)).toBe(true);
    expect(RuntimeStoppedError.isInstance((slowError as Error).cause)).toBe(true);
    await runtime.stop();
  });
});
