import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, RateLimitError } from '../errors.ts';
import type { ModelChunk } from '../model.ts';
import { collectModelResponse } from '../model-response.ts';
import { fakeTool } from './fake-tool.ts';
import { manualClock } from './manual-clock.ts';
import { scriptedModel, textReply, toolCallReply } from './scripted-model.ts';

const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

async function drain(stream: AsyncIterable<ModelChunk>): Promise<ModelChunk[]> {
  const chunks: ModelChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('scriptedModel', () => {
  it('replays one script per call and records every request as a copy', async () => {
    const model = scriptedModel([textReply('first'), toolCallReply([{ name: 'lookup', arguments: { q: 'x' } }])]);
    const request = ask('one');
    const first = await collectModelResponse(model.stream(request));
    request.messages[0] = { role: 'user', content: 'mutated later' };
    const second = await collectModelResponse(model.stream(ask('two')));
    expect(first.text).toBe('first');
    expect(second.toolCalls).toEqual([{ id: 'call_1', name: 'lookup', arguments: { q: 'x' } }]);
    expect(second.finishReason).toBe('tool-calls');
    expect(model.requests.map((r) => r.messages[0]?.content)).toEqual(['one', 'two']);
    expect(model.calls).toBe(2);
  });

  it('keeps no requests with recordRequests: false, and hands out copies of the scripted chunks', async () => {
    const model = scriptedModel([textReply('same')], { whenExhausted: 'repeat-last', recordRequests: false });
    const first = await drain(model.stream(ask('a')));
    (first[0] as { text: string }).text = 'changed by a consumer';
    const second = await drain(model.stream(ask('b')));
    expect(second[0]).toEqual({ type: 'text-delta', text: 'same' });
    expect(model.requests).toHaveLength(0);
    expect(model.calls).toBe(2);
  });

  it('fails clearly when the scripts run out, or repeats the last when asked', async () => {
    const strict = scriptedModel([textReply('only')]);
    await drain(strict.stream(ask('a')));
    await expect(drain(strict.stream(ask('b')))).rejects.toSatisfy(
      (error) =>
        InvalidArgumentError.isInstance(error) && /call 2 but has only 1 scripts/.test((error as Error).message),
    );
    const lenient = scriptedModel([textReply('again')], { whenExhausted: 'repeat-last' });
    await drain(lenient.stream(ask('a')));
    expect((await collectModelResponse(lenient.stream(ask('b')))).text).toBe('again');
  });

  it('delays each chunk on the injected clock', async () => {
    const clock = manualClock();
    const model = scriptedModel([{ chunks: textReply('a b c'), delayMs: 10 }], { clock });
    const seen: Array<[number, string]> = [];
    const done = (async () => {
      for await (const chunk of model.stream(ask('x'))) seen.push([clock.now(), chunk.type]);
    })();
    await clock.advance(25);
    expect(seen).toEqual([
      [10, 'text-delta'],
      [20, 'text-delta'],
    ]);
    await clock.advance(100);
    await done;
    expect(seen.map(([time]) => time)).toEqual([10, 20, 30, 40, 50]);
  });

  it('throws a scripted error after the given number of chunks', async () => {
    const failure = new RateLimitError('429', { provider: 'scripted' });
    const model = scriptedModel([{ chunks: textReply('a b c'), error: failure, errorAfter: 2 }]);
    const seen: ModelChunk[] = [];
    await expect(
      (async () => {
        for await (const chunk of model.stream(ask('x'))) seen.push(chunk);
      })(),
    ).rejects.toBe(failure);
    expect(seen).toHaveLength(2);
  });

  it('stops at an abort, during a delay or between chunks', async () => {
    const clock = manualClock();
    const model = scriptedModel([{ chunks: textReply('a b c d'), delayMs: 10 }], { clock });
    const controller = new AbortController();
    const seen: ModelChunk[] = [];
    const done = (async () => {
      for await (const chunk of model.stream(ask('x'), { signal: controller.signal })) seen.push(chunk);
    })();
    const assertion = expect(done).rejects.toThrow('stop now');
    await clock.advance(15);
    controller.abort(new Error('stop now'));
    await assertion;
    expect(seen).toHaveLength(1);
  });

  it('stops a delayed script aborted while its consumer holds a chunk, or before it started', async () => {
    const clock = manualClock();
    const model = scriptedModel([{ chunks: textReply('a b c d'), delayMs: 10 }], {
      clock,
      whenExhausted: 'repeat-last',
    });
    const controller = new AbortController();
    const seen: ModelChunk[] = [];
    const done = (async () => {
      for await (const chunk of model.stream(ask('x'), { signal: controller.signal })) {
        seen.push(chunk);
        controller.abort(new Error('enough'));
      }
    })();
    const assertion = expect(done).rejects.toThrow('enough');
    await clock.advance(10);
    // The abort came between chunks: the stream ends at once, without waiting out another delay.
    await assertion;
    expect(seen).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);

    const stream = model.stream(ask('y'), { signal: controller.signal })[Symbol.asyncIterator]();
    await expect(stream.next()).rejects.toThrow('enough');
  });

  it('takes scripts that depend on the request', async () => {
    const model = scriptedModel([(request) => textReply(`echo: ${request.messages.at(-1)?.content}`)]);
    expect((await collectModelResponse(model.stream(ask('ping')))).text).toBe('echo: ping');
  });
});

describe('fakeTool', () => {
  it('records calls and returns what the implementation returns', async () => {
    const tool = fakeTool('add', (args: { a: number; b: number }) => args.a + args.b, { needsApproval: true });
    const context = {
      signal: new AbortController().signal,
      sessionId: 's',
      toolCallId: 'c1',
      state: { get: () => undefined, set: () => {}, delete: () => {}, has: () => false, toJSON: () => ({}) },
    };
    expect(await tool.execute({ a: 2, b: 3 }, context)).toBe(5);
    expect(tool.calls).toEqual([{ args: { a: 2, b: 3 }, context }]);
    expect(tool.needsApproval).toBe(true);
    expect(tool.inputSchema).toMatchObject({ type: 'object' });
  });
});
