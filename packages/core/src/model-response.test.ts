import { describe, expect, it } from 'vitest';
import { EventStamp, eventStamper } from './agent.ts';
import { addUsage, messageText } from './messages.ts';
import { ModelResponseBuilder } from './model-response.ts';

describe('ModelResponseBuilder', () => {
  it('joins thousands of text deltas in order, across reasoning and tool calls', () => {
    const builder = new ModelResponseBuilder();
    const words = Array.from({ length: 1_000 }, (_, index) => `w${index} `);
    for (const word of words.slice(0, 600)) builder.add({ type: 'text-delta', text: word });
    builder.add({ type: 'reasoning-delta', text: 'think' });
    for (const word of words.slice(600)) builder.add({ type: 'text-delta', text: word });
    builder.add({ type: 'tool-call', call: { id: 'c1', name: 'look', arguments: {} } });
    builder.add({ type: 'text-delta', text: 'tail' });
    const response = builder.build();
    expect(response.message.content).toEqual([
      { type: 'text', text: words.slice(0, 600).join('') },
      { type: 'reasoning', text: 'think' },
      { type: 'text', text: `${words.slice(600).join('')}tail` },
    ]);
    expect(response.text).toBe(`${words.join('')}tail`);
  });

  it('merges adjacent deltas, keeps reasoning signatures and tool calls in order', () => {
    const builder = new ModelResponseBuilder();
    builder.add({ type: 'reasoning-delta', text: 'Let me ' });
    builder.add({ type: 'reasoning-delta', text: 'think.', signature: 'sig-1' });
    builder.add({ type: 'reasoning-delta', text: 'Second thought.' });
    builder.add({ type: 'text-delta', text: 'It is ' });
    builder.add({ type: 'text-delta', text: 'sunny.' });
    builder.add({ type: 'tool-call-delta', index: 0, argumentsDelta: '{"ci' });
    builder.add({ type: 'tool-call', call: { id: 'a', name: 'weather', arguments: { city: 'Lagos' } } });
    builder.add({ type: 'tool-call', call: { id: 'b', name: 'time', arguments: {} } });
    builder.add({ type: 'usage', usage: { inputTokens: 5, outputTokens: 9 } });
    builder.add({ type: 'finish', reason: 'tool-calls' });
    const response = builder.build();
    expect(response.message.content).toEqual([
      { type: 'reasoning', text: 'Let me think.', signature: 'sig-1' },
      { type: 'reasoning', text: 'Second thought.' },
      { type: 'text', text: 'It is sunny.' },
    ]);
    expect(response.toolCalls.map((call) => call.id)).toEqual(['a', 'b']);
    expect(response.message.toolCalls).toEqual(response.toolCalls);
    expect(response.text).toBe('It is sunny.');
    expect(response.usage).toEqual({ inputTokens: 5, outputTokens: 9 });
    expect(response.finishReason).toBe('tool-calls');
  });

  it('produces an empty assistant message without tool calls for an empty stream', () => {
    const response = new ModelResponseBuilder().build();
    expect(response.message).toEqual({ role: 'assistant', content: [] });
    expect(response.usage).toBeUndefined();
  });
});

describe('usage and text helpers', () => {
  it('adds usages, keeping optional counters only when present', () => {
    expect(addUsage({ inputTokens: 1, outputTokens: 2 }, { inputTokens: 3, outputTokens: 4 })).toEqual({
      inputTokens: 4,
      outputTokens: 6,
    });
    expect(
      addUsage(
        { inputTokens: 1, outputTokens: 2, cachedInputTokens: 1 },
        { inputTokens: 3, outputTokens: 4, reasoningTokens: 2 },
      ),
    ).toEqual({ inputTokens: 4, outputTokens: 6, cachedInputTokens: 1, reasoningTokens: 2 });
  });

  it('reads the text of any message', () => {
    expect(messageText({ role: 'user', content: 'plain' })).toBe('plain');
    expect(
      messageText({
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'hidden' },
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      }),
    ).toBe('ab');
  });
});

describe('eventStamper', () => {
  it('stamps session, turn, author, strictly increasing seq and time', () => {
    let now = 100;
    const stamp = eventStamper({
      invocation: { sessionId: 's1', turnId: 't1' },
      author: 'assistant',
      now: () => now++,
    });
    const first = stamp({ type: 'text-delta', text: 'a' });
    const second = stamp({ type: 'text-delta', text: 'b' });
    expect(first).toEqual({
      type: 'text-delta',
      text: 'a',
      sessionId: 's1',
      turnId: 't1',
      author: 'assistant',
      seq: 0,
      at: 100,
    });
    expect(second.seq).toBe(1);
    expect(second.at).toBe(101);
  });

  it("builds the common events with EventStamp's own methods exactly as from their payloads", () => {
    const options = { invocation: { sessionId: 's1', turnId: 't1' }, author: 'assistant', now: () => 7 };
    const generic = new EventStamp(options);
    const direct = new EventStamp(options);
    const usage = { inputTokens: 3, outputTokens: 2 };
    const tool = { role: 'tool' as const, toolCallId: 'c1', toolName: 'look', content: 'seen' };
    const answer = { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'ok' }] };
    const pairs = [
      [generic.event({ type: 'model-start', step: 1, provider: 'p', modelId: 'm' }), direct.modelStart(1, 'p', 'm')],
      [generic.event({ type: 'text-delta', text: 'x' }), direct.textDelta('x')],
      [
        generic.event({ type: 'model-finish', step: 1, usage, finishReason: 'stop' }),
        direct.modelFinish(1, usage, 'stop'),
      ],
      [
        generic.event({ type: 'tool-result', toolCallId: 'c1', toolName: 'look', content: 'seen', isError: false }),
        direct.toolResult(tool),
      ],
      [
        generic.event({ type: 'tool-result', toolCallId: 'c1', toolName: 'look', content: 'seen', isError: true }),
        direct.toolResult({ ...tool, isError: true }),
      ],
      [generic.event({ type: 'message', message: answer }), direct.message(answer)],
    ];
    for (const [index, [expected, built]] of pairs.entries()) {
      expect(built).toEqual(expected);
      expect(built?.seq).toBe(index);
    }
  });
});
