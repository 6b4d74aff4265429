import { describe, expect, it } from 'vitest';
import { openaiChatWire } from './openai-chat.ts';

function payloads(frames: string[]): unknown[] {
  return frames
    .filter((frame) => frame !== 'data: [DONE]\n\n')
    .map((frame) => {
      expect(frame).toMatch(/^data: .*\n\n$/s);
      return JSON.parse(frame.slice('data: '.length)) as unknown;
    });
}

describe('openaiChatWire', () => {
  it('streams tool call arguments that reassemble into the JSON, and usage only when asked for', () => {
    const response = {
      toolCalls: [{ id: 'call_1', name: 'f', arguments: { a: [1, 2], b: 'ü' }, argumentChunks: 5 }],
      usage: { inputTokens: 3, outputTokens: 4, cachedInputTokens: 1 },
    };
    const withUsage = openaiChatWire.streamFrames(response, {
      model: 'm',
      requestBody: { stream_options: { include_usage: true } },
    });
    expect(withUsage.frames.at(-1)).toBe('data: [DONE]\n\n');
    const chunks = payloads(withUsage.frames) as Array<{
      choices: Array<{
        delta: { tool_calls?: Array<{ function: { arguments: string } }> };
        finish_reason: string | null;
      }>;
      usage?: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } } | null;
    }>;
    const argumentText = chunks
      .flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []))
      .map((call) => call.function.arguments)
      .join('');
    expect(JSON.parse(argumentText)).toEqual({ a: [1, 2], b: 'ü' });
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter(Boolean)).toEqual([
      'tool_calls',
    ]);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 3, prompt_tokens_details: { cached_tokens: 1 } });
    const without = openaiChatWire.streamFrames(response, { model: 'm', requestBody: {} });
    expect(without.frames.some((frame) => frame.includes('prompt_tokens'))).toBe(false);
  });

  it('carries the retry-after header on rate limits', () => {
    const error = openaiChatWire.errorResponse('rate-limit', { retryAfterSeconds: 4 });
    expect(error.status).toBe(429);
    expect(error.headers['retry-after']).toBe('4');
    expect(JSON.parse(error.body)).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
  });

  it('reads a request back into a summary', () => {
    const summary = openaiChatWire.parseRequest?.(
      {
        model: 'm',
        stream: true,
        messages: [
          { role: 'system', content: 'S' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'U' },
              { type: 'image_url', image_url: { url: 'data:x' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', function: { name: 'f', arguments: '{"x":1}' } }],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'R' },
        ],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
        tool_choice: { type: 'function', function: { name: 'f' } },
        max_completion_tokens: 9,
        stop: 'X',
        response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } },
      },
      '/v1/chat/completions',
    );
    expect(summary).toEqual({
      model: 'm',
      system: 'S',
      stream: true,
      messages: [
        { role: 'user', text: 'U', hasImage: true },
        { role: 'assistant', text: '', toolCalls: [{ id: 'c1', name: 'f', arguments: { x: 1 } }] },
        { role: 'tool', text: 'R', toolCallId: 'c1' },
      ],
      tools: [{ name: 'f', parameters: { type: 'object' } }],
      toolChoice: { name: 'f' },
      maxOutputTokens: 9,
      stop: ['X'],
      json: true,
      jsonSchema: { type: 'object' },
    });
  });

  it('accepts only chat completion posts', () => {
    expect(openaiChatWire.accepts('POST', '/v1/chat/completions')).toBe(true);
    expect(openaiChatWire.accepts('POST', '/openai/deployments/d/chat/completions')).toBe(true);
    expect(openaiChatWire.accepts('GET', '/v1/chat/completions')).toBe(false);
    expect(openaiChatWire.accepts('POST', '/v1/embeddings')).toBe(false);
  });
});
