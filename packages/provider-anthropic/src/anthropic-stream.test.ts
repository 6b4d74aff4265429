import { ProviderProtocolError } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { AnthropicStreamDecoder, type AnthropicStreamEvent } from './anthropic-stream.ts';

const start: AnthropicStreamEvent = {
  type: 'message_start',
  message: { id: 'msg_1', usage: { input_tokens: 18, cache_read_input_tokens: 0, output_tokens: 1 } },
};

function decodeAll(events: AnthropicStreamEvent[]) {
  const decoder = new AnthropicStreamDecoder();
  return { chunks: events.flatMap((event) => decoder.decode(event)), decoder };
}

describe('AnthropicStreamDecoder', () => {
  it('maps a refusal to content-filter with the final usage', () => {
    const { chunks, decoder } = decodeAll([
      start,
      { type: 'ping' },
      { type: 'message_delta', delta: { stop_reason: 'refusal' }, usage: { input_tokens: 18, output_tokens: 5 } },
      { type: 'message_stop' },
    ]);
    expect(decoder.complete).toBe(true);
    expect(chunks).toEqual([
      { type: 'usage', usage: { inputTokens: 18, outputTokens: 5, cachedInputTokens: 0 } },
      { type: 'finish', reason: 'content-filter' },
    ]);
  });

  it('takes input tokens reported late in message_delta and thinking tokens when given', () => {
    const { chunks } = decodeAll([
      { type: 'message_start', message: { id: 'm', usage: { input_tokens: 43, output_tokens: 1 } } },
      {
        type: 'message_delta',
        delta: { stop_reason: 'max_tokens' },
        usage: { input_tokens: 61, output_tokens: 2, output_tokens_details: { thinking_tokens: 1 } },
      },
      { type: 'message_stop' },
    ]);
    expect(chunks).toEqual([
      { type: 'usage', usage: { inputTokens: 61, outputTokens: 2, reasoningTokens: 1 } },
      { type: 'finish', reason: 'length' },
    ]);
  });

  it('skips redacted thinking and empty deltas, and rejects tool input that is not JSON', () => {
    const decoder = new AnthropicStreamDecoder();
    decoder.decode(start);
    expect(
      decoder.decode({ type: 'content_block_start', index: 0, content_block: { type: 'redacted_thinking' } }),
    ).toEqual([]);
    expect(decoder.decode({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: '' } })).toEqual(
      [],
    );
    decoder.decode({ type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 't', name: 'f' } });
    decoder.decode({
      type: 'content_block_delta',
      index: 2,
      delta: { type: 'input_json_delta', partial_json: '{"a":' },
    });
    expect(() => decoder.decode({ type: 'content_block_stop', index: 2 })).toThrow(ProviderProtocolError);
  });

  it('accepts text and tool input given whole in content_block_start', () => {
    const { chunks } = decodeAll([
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Hi' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 't', name: 'f', input: { a: 1 } },
      },
      { type: 'content_block_stop', index: 1 },
    ]);
    expect(chunks.filter((chunk) => chunk.type !== 'tool-call-delta')).toEqual([
      { type: 'text-delta', text: 'Hi' },
      { type: 'tool-call', call: { id: 't', name: 'f', arguments: { a: 1 } } },
    ]);
  });

  it('rejects content before message_start', () => {
    const decoder = new AnthropicStreamDecoder();
    expect(() =>
      decoder.decode({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x' } }),
    ).toThrow(ProviderProtocolError);
  });
});
