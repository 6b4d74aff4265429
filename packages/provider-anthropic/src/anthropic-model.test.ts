import {
  AuthenticationError,
  ContextLengthError,
  collectModelResponse,
  type ModelChunk,
  ProviderProtocolError,
  ProviderRequestError,
  RateLimitError,
  TransientProviderError,
} from '@troupe/core';
import { anthropicWire, collectChunks, helloRequest, useFixtureServer } from '@troupe/provider-testkit';
import { describe, expect, it } from 'vitest';
import { anthropic } from './anthropic-model.ts';

const server = useFixtureServer({ wire: anthropicWire });
const hello = helloRequest;

function model(options: { cache?: boolean; thinking?: { budgetTokens: number } } = {}) {
  return anthropic({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: server().url, ...options });
}

const collect = collectChunks;

async function failure(stream: AsyncIterable<ModelChunk>): Promise<unknown> {
  try {
    await collect(stream);
  } catch (error) {
    return error;
  }
  throw new Error('expected the stream to fail');
}

function sse(events: Array<Record<string, unknown> & { type: string }>): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}

const start = (id: string) => ({
  type: 'message_start',
  message: { id, type: 'message', role: 'assistant', content: [], usage: { input_tokens: 17, output_tokens: 1 } },
});

describe('anthropic() over HTTP', () => {
  it('streams text, usage and the finish reason, split at awkward byte offsets', async () => {
    server().reply({
      type: 'stream',
      split: 'awkward',
      keepAlive: true,
      response: { text: ['Hel', 'lo ✓ wörld'], usage: { inputTokens: 12, outputTokens: 4 } },
    });
    const chunks = await collect(model().stream({ ...hello, system: 'Be brief.' }));
    expect(chunks.filter((chunk) => chunk.type === 'text-delta').map((chunk) => chunk.text)).toEqual([
      'Hel',
      'lo ✓ wörld',
    ]);
    expect(chunks.at(-2)).toEqual({ type: 'usage', usage: { inputTokens: 12, outputTokens: 4, cachedInputTokens: 0 } });
    expect(chunks.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    const request = server().lastRequest();
    expect(request.path).toBe('/v1/messages');
    expect(request.headers.authorization ?? request.headers['x-api-key']).toContain('sk-ant-test');
    expect(request.body).toMatchObject({
      model: 'claude-test',
      max_tokens: 4096,
      stream: true,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
  });

  it('assembles parallel tool calls across frames, including one without arguments', async () => {
    server().reply({
      type: 'stream',
      split: 'awkward',
      response: {
        text: ['Checking.'],
        toolCalls: [
          { id: 'toolu_1', name: 'weather', arguments: { city: 'Paris', days: [1, 2] }, argumentChunks: 6 },
          { id: 'toolu_2', name: 'clock', arguments: {} },
        ],
      },
    });
    const chunks = await collect(model().stream(hello));
    const calls = chunks.filter((chunk) => chunk.type === 'tool-call').map((chunk) => chunk.call);
    expect(calls).toEqual([
      { id: 'toolu_1', name: 'weather', arguments: { city: 'Paris', days: [1, 2] } },
      { id: 'toolu_2', name: 'clock', arguments: {} },
    ]);
    const deltas = chunks.filter((chunk) => chunk.type === 'tool-call-delta' && chunk.index === 0);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.map((chunk) => (chunk.type === 'tool-call-delta' ? chunk.argumentsDelta : '')).join('')).toBe(
      JSON.stringify({ city: 'Paris', days: [1, 2] }),
    );
    expect(chunks.at(-1)).toEqual({ type: 'finish', reason: 'tool-calls' });
  });

  it('round-trips a thinking signature verbatim on the next request', async () => {
    const signature = 'EvQBCkYICxgCKkAx/+sig==';
    server().reply({
      type: 'stream',
      response: {
        reasoning: { text: ['Let me ', 'think.'], signature },
        toolCalls: [{ id: 'toolu_9', name: 'lookup', arguments: { q: 'x' } }],
      },
    });
    const response = await collectModelResponse(model({ thinking: { budgetTokens: 2000 } }).stream(hello));
    expect(response.message.content).toEqual([{ type: 'reasoning', text: 'Let me think.', signature }]);
    const sent = server().lastRequest().body as Record<string, unknown>;
    expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 2000 });
    expect(sent.max_tokens).toBe(2000 + 4096);

    server().reply({ type: 'stream', response: { text: ['Done.'] } });
    await collect(
      model().stream({
        messages: [
          { role: 'user', content: 'Hi' },
          response.message,
          { role: 'tool', toolCallId: 'toolu_9', toolName: 'lookup', content: '42' },
        ],
      }),
    );
    expect(server().lastRequest().body).toMatchObject({
      messages: [
        { role: 'user' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me think.', signature },
            { type: 'tool_use', id: 'toolu_9', name: 'lookup', input: { q: 'x' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: '42' }] },
      ],
    });
  });

  it('reports cached input tokens inside the input total and places cache breakpoints', async () => {
    server().reply({
      type: 'stream',
      response: { text: ['ok'], usage: { inputTokens: 100, outputTokens: 3, cachedInputTokens: 80 } },
    });
    const response = await collectModelResponse(
      model({ cache: true }).stream({
        system: 'Long instructions',
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [{ name: 'a', inputSchema: { type: 'object', properties: {} } }],
      }),
    );
    expect(response.usage).toEqual({ inputTokens: 100, outputTokens: 3, cachedInputTokens: 80 });
    const body = server().lastRequest().body as {
      system: Array<{ cache_control?: unknown }>;
      tools: Array<{ cache_control?: unknown }>;
      messages: Array<{ content: Array<{ cache_control?: unknown }> }>;
    };
    expect(body.system[0]?.cache_control).toEqual({ type: 'ephemeral' });
    expect(body.tools[0]?.cache_control).toEqual({ type: 'ephemeral' });
    expect(body.messages[0]?.content[0]?.cache_control).toEqual({ type: 'ephemeral' });
  });

  it('ignores a duplicated message_start and ping events', async () => {
    server().reply({
      type: 'http',
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: sse([
        start('msg_dup'),
        start('msg_dup'),
        { type: 'ping' },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 227 } },
        { type: 'message_stop' },
      ]),
    });
    const response = await collectModelResponse(model().stream(hello));
    expect(response.text).toBe('Hello');
    expect(response.usage).toEqual({ inputTokens: 17, outputTokens: 227 });
    expect(response.finishReason).toBe('stop');
  });

  it('fails with ProviderProtocolError when a different message is spliced into the open one', async () => {
    server().reply({
      type: 'http',
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: sse([
        start('msg_first'),
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't1', name: 'f', input: {} } },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"v":"Sp' } },
        start('msg_second'),
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't2', name: 'f', input: {} } },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"v":"x"}' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 6 } },
        { type: 'message_stop' },
      ]),
    });
    const seen: ModelChunk[] = [];
    const error = await failure(
      (async function* () {
        for await (const chunk of model().stream(hello)) {
          seen.push(chunk);
          yield chunk;
        }
      })(),
    );
    expect(ProviderProtocolError.isInstance(error)).toBe(true);
    expect(seen.some((chunk) => chunk.type === 'tool-call' || chunk.type === 'finish')).toBe(false);
  });

  it('maps an overloaded error event mid-stream to TransientProviderError', async () => {
    server().reply({
      type: 'http',
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: `${sse([
        start('msg_1'),
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Par' } },
      ])}event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n`,
    });
    const error = await failure(model().stream(hello));
    expect(TransientProviderError.isInstance(error)).toBe(true);
    expect((error as TransientProviderError).retryable).toBe(true);
  });

  it.each([
    ['auth', AuthenticationError, 401],
    ['forbidden', AuthenticationError, 403],
    ['server', TransientProviderError, 500],
    ['overloaded', TransientProviderError, 529],
    ['context-length', ContextLengthError, 400],
    ['bad-request', ProviderRequestError, 400],
  ] as const)('maps HTTP error %s to its core error, without SDK retries', async (kind, type, status) => {
    server().reply({ type: 'error', kind });
    const error = await failure(model().stream(hello));
    expect(type.isInstance(error)).toBe(true);
    expect((error as { status?: number }).status).toBe(status);
    expect((error as { provider?: string }).provider).toBe('anthropic');
    expect(server().requests).toHaveLength(1);
  });

  it('maps 429 to RateLimitError with retryAfterMs from retry-after or retry-after-ms', async () => {
    server().reply({ type: 'error', kind: 'rate-limit', retryAfterSeconds: 7 });
    const error = await failure(model().stream(hello));
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).retryAfterMs).toBe(7000);

    server().reply({
      type: 'http',
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after-ms': '1500' },
      body: JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }),
    });
    const precise = await failure(model().stream(hello));
    expect((precise as RateLimitError).retryAfterMs).toBe(1500);
    expect(server().requests).toHaveLength(2);
  });

  it('fails with ProviderProtocolError on a malformed or truncated stream', async () => {
    server().reply({ type: 'malformed' });
    expect(ProviderProtocolError.isInstance(await failure(model().stream(hello)))).toBe(true);
    server().reply({ type: 'truncated', response: { text: ['a', 'b', 'c'] } });
    expect(ProviderProtocolError.isInstance(await failure(model().stream(hello)))).toBe(true);
  });

  it('maps a connection reset to TransientProviderError', async () => {
    server().reply({ type: 'reset' });
    expect(TransientProviderError.isInstance(await failure(model().stream(hello)))).toBe(true);
    server().reply({ type: 'reset-mid-stream', response: { text: ['a', 'b', 'c', 'd'] } });
    expect(TransientProviderError.isInstance(await failure(model().stream(hello)))).toBe(true);
  });

  it('ends promptly with the abort reason when the signal aborts mid-stream, closing the connection', async () => {
    server().reply({ type: 'stream', response: { text: ['a', 'b', 'c'] }, stallAfterFrames: 4 });
    const controller = new AbortController();
    const reason = new Error('user left');
    const seen: ModelChunk[] = [];
    const run = (async () => {
      for await (const chunk of model().stream(hello, { signal: controller.signal })) {
        seen.push(chunk);
        if (chunk.type === 'text-delta') controller.abort(reason);
      }
    })();
    await expect(run).rejects.toBe(reason);
    expect(seen).toEqual([{ type: 'text-delta', text: 'a' }]);
    await server().responseClosed(0);
  });

  it('throws AuthenticationError before any request when no key is configured', async () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      const error = await failure(anthropic({ model: 'claude-test', baseURL: server().url }).stream(hello));
      expect(AuthenticationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('ANTHROPIC_API_KEY');
      expect(server().requests).toHaveLength(0);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});
