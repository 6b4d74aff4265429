import { ProviderProtocolError } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { GeminiStreamDecoder } from './gemini-stream.ts';

describe('GeminiStreamDecoder', () => {
  it('streams thought summaries as reasoning and a signature-only part as the reasoning signature', () => {
    const decoder = new GeminiStreamDecoder();
    const chunks = [
      ...decoder.decode({ candidates: [{ content: { parts: [{ text: 'Planning.', thought: true }] } }] }),
      ...decoder.decode({ candidates: [{ content: { parts: [{ text: 'Three r.' }] } }] }),
      ...decoder.decode({
        candidates: [{ content: { parts: [{ text: '', thoughtSignature: 'EpAI' }] }, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 23, thoughtsTokenCount: 302 },
      }),
      ...decoder.finish(),
    ];
    expect(chunks).toEqual([
      { type: 'reasoning-delta', text: 'Planning.' },
      { type: 'text-delta', text: 'Three r.' },
      { type: 'reasoning-delta', text: '', signature: 'EpAI' },
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 325, reasoningTokens: 302 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('maps a blocked prompt and a token limit to their finish reasons', () => {
    const blocked = new GeminiStreamDecoder();
    blocked.decode({ promptFeedback: { blockReason: 'SAFETY' } });
    expect(blocked.finish()).toEqual([{ type: 'finish', reason: 'content-filter' }]);
    const long = new GeminiStreamDecoder();
    long.decode({ candidates: [{ content: { parts: [{ text: 'a' }] }, finishReason: 'MAX_TOKENS' }] });
    expect(long.finish().at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });

  it('fails a stream that ends without a finish reason, and argument fragments without a call', () => {
    const truncated = new GeminiStreamDecoder();
    truncated.decode({ candidates: [{ content: { parts: [{ text: 'a' }] } }] });
    expect(() => truncated.finish()).toThrow(ProviderProtocolError);
    const orphan = new GeminiStreamDecoder();
    expect(() =>
      orphan.decode({
        candidates: [
          { content: { parts: [{ functionCall: { partialArgs: [{ jsonPath: '$.a', stringValue: 'x' }] } }] } },
        ],
      }),
    ).toThrow(ProviderProtocolError);
  });

  it('closes a streamed call when the next call opens, keeping booleans and nulls', () => {
    const decoder = new GeminiStreamDecoder();
    const chunks = [
      ...decoder.decode({
        responseId: 'r',
        candidates: [{ content: { parts: [{ functionCall: { name: 'a', willContinue: true } }] } }],
      }),
      ...decoder.decode({
        candidates: [
          {
            content: {
              parts: [
                {
                  functionCall: {
                    partialArgs: [
                      { jsonPath: '$.on', boolValue: true },
                      { jsonPath: "$['x y']", nullValue: 'NULL_VALUE' },
                    ],
                  },
                },
              ],
            },
          },
        ],
      }),
      ...decoder.decode({
        candidates: [{ content: { parts: [{ functionCall: { name: 'b', args: { n: 1 } } }] }, finishReason: 'STOP' }],
      }),
      ...decoder.finish(),
    ];
    expect(chunks.filter((chunk) => chunk.type === 'tool-call')).toEqual([
      { type: 'tool-call', call: { id: 'gemini-call-r-0', name: 'a', arguments: { on: true, 'x y': null } } },
      { type: 'tool-call', call: { id: 'gemini-call-r-1', name: 'b', arguments: { n: 1 } } },
    ]);
    expect(chunks.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls' });
  });
});
