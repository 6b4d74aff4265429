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
import { collectChunks, helloRequest, ollamaWire, useFixtureServer } from '@troupe/provider-testkit';
import { Ollama } from 'ollama';
import { describe, expect, it } from 'vitest';
import { ollama } from './ollama-model.ts';

const server = useFixtureServer({ wire: ollamaWire });
const hello = helloRequest;

function model(options: { stream?: boolean } = {}) {
  return ollama({ model: 'llama-test', host: server().url, ...options });
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

const weatherTool = {
  name: 'weather',
  description: 'Forecast',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('ollama() over HTTP', () => {
  it('streams thinking, text, usage and the finish reason, split awkwardly', async () => {
    server().reply({
      type: 'stream',
      split: 'awkward',
      response: { reasoning: { text: ['Hmm.'] }, text: ['Hal', 'lo ✓'], usage: { inputTokens: 26, outputTokens: 8 } },
    });
    const chunks = await collect(
      model().stream({
        ...hello,
        system: 'Be brief.',
        temperature: 0.1,
        maxOutputTokens: 64,
        stop: ['END'],
        reasoning: { effort: 'low' },
      }),
    );
    expect(chunks).toEqual([
      { type: 'reasoning-delta', text: 'Hmm.' },
      { type: 'text-delta', text: 'Hal' },
      { type: 'text-delta', text: 'lo ✓' },
      { type: 'usage', usage: { inputTokens: 26, outputTokens: 8 } },
      { type: 'finish', reason: 'stop' },
    ]);
    const request = server().lastRequest();
    expect(request.path).toBe('/api/chat');
    expect(request.body).toMatchObject({
      model: 'llama-test',
      stream: true,
      think: 'low',
      options: { temperature: 0.1, num_predict: 64, stop: ['END'] },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });
  });

  it.each([true, false])('returns parallel tool calls with parsed arguments (stream: %s)', async (stream) => {
    server().reply({
      type: 'stream',
      response: {
        toolCalls: [
          { id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } },
          { id: 'call_2', name: 'clock', arguments: {} },
        ],
      },
    });
    const response = await collectModelResponse(model({ stream }).stream({ ...hello, tools: [weatherTool] }));
    expect(response.toolCalls).toEqual([
      { id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } },
      { id: 'call_2', name: 'clock', arguments: {} },
    ]);
    expect(response.finishReason).toBe('tool-calls');
    expect(server().lastRequest().body).toMatchObject({
      stream,
      tools: [
        {
          type: 'function',
          function: { name: 'weather', description: 'Forecast', parameters: weatherTool.inputSchema },
        },
      ],
    });

    server().reply({ type: 'stream', response: { text: ['Cold.'] } });
    const [weather, clock] = response.toolCalls;
    await collect(
      model({ stream }).stream({
        messages: [
          ...hello.messages,
          response.message,
          { role: 'tool', toolCallId: weather?.id ?? '', toolName: 'weather', content: '-3C' },
          { role: 'tool', toolCallId: clock?.id ?? '', toolName: 'clock', content: 'broken', isError: true },
        ],
      }),
    );
    expect((server().lastRequest().body as { messages: unknown[] }).messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { function: { name: 'weather', arguments: { city: 'Oslo' } } },
          { function: { name: 'clock', arguments: {} } },
        ],
      },
      { role: 'tool', tool_name: 'weather', content: '-3C' },
      { role: 'tool', tool_name: 'clock', content: 'Error: broken' },
    ]);
  });

  it("sends no tools for tool choice 'none'", async () => {
    server().reply({ type: 'stream', response: { text: ['Hi.'] } });
    await collect(model().stream({ ...hello, tools: [weatherTool], toolChoice: 'none' }));
    const body = server().lastRequest().body as { tools?: unknown; messages: Array<{ content: string }> };
    expect(body.tools).toBeUndefined();
    expect(body.messages.at(-1)?.content).toContain('do not call any tool');
  });

  it('makes up distinct ids for tool calls that come without one', async () => {
    const line = (value: unknown) => `${JSON.stringify(value)}\n`;
    server().reply({
      type: 'http',
      status: 200,
      headers: { 'content-type': 'application/x-ndjson' },
      body:
        line({
          model: 'm',
          message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'a', arguments: { x: 1 } } }] },
          done: false,
        }) +
        line({
          model: 'm',
          message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'a', arguments: '{"x":2}' } }] },
          done: false,
        }) +
        line({
          model: 'm',
          message: { role: 'assistant', content: '' },
          done: true,
          done_reason: 'stop',
          prompt_eval_count: 3,
          eval_count: 4,
        }),
    });
    const response = await collectModelResponse(model().stream(hello));
    expect(response.toolCalls.map((call) => call.arguments)).toEqual([{ x: 1 }, { x: 2 }]);
    const [first, second] = response.toolCalls;
    expect(first?.id).toMatch(/^ollama-call-/);
    expect(first?.id).not.toBe(second?.id);
    expect(response.usage).toEqual({ inputTokens: 3, outputTokens: 4 });
  });

  it('sends images, a JSON schema format, and states a named tool choice in a trailing system message', async () => {
    server().reply({ type: 'stream', response: { text: ['{}'] } });
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    await collect(
      model().stream({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is it?' },
              { type: 'image', mediaType: 'image/png', data: 'iVBO' },
            ],
          },
        ],
        tools: [weatherTool, { name: 'other', inputSchema: { type: 'object' } }],
        toolChoice: { name: 'weather' },
        responseFormat: { type: 'json', schema },
      }),
    );
    const body = server().lastRequest().body as {
      messages: unknown[];
      tools: Array<{ function: { name: string } }>;
      format: unknown;
    };
    expect(body.messages).toEqual([
      { role: 'user', content: 'What is it?', images: ['iVBO'] },
      { role: 'system', content: 'Tool use: you must call the tool "weather".' },
    ]);
    expect(body.tools.map((tool) => tool.function.name)).toEqual(['weather', 'other']);
    expect(body.format).toEqual(schema);
  });

  it.each([
    ['auth', AuthenticationError, 401],
    ['forbidden', AuthenticationError, 403],
    ['server', TransientProviderError, 500],
    ['overloaded', TransientProviderError, 503],
    ['context-length', ContextLengthError, 400],
    ['bad-request', ProviderRequestError, 400],
  ] as const)('maps HTTP error %s to its core error', async (kind, type, status) => {
    server().reply({ type: 'error', kind });
    const error = await failure(model().stream(hello));
    expect(type.isInstance(error)).toBe(true);
    expect((error as { status?: number }).status).toBe(status);
    expect(server().requests).toHaveLength(1);
  });

  it('maps 429 to RateLimitError with retryAfterMs, and a missing model to a clear request error', async () => {
    server().reply({ type: 'error', kind: 'rate-limit', retryAfterSeconds: 2 });
    const error = await failure(model().stream(hello));
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).retryAfterMs).toBe(2000);
    server().reply({
      type: 'http',
      status: 404,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: "model 'llama-test' not found" }),
    });
    const missing = await failure(model().stream(hello));
    expect(ProviderRequestError.isInstance(missing)).toBe(true);
    expect((missing as Error).message).toContain('ollama pull');
  });

  it('maps an error line inside the stream to a core error', async () => {
    server().reply({
      type: 'http',
      status: 200,
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${JSON.stringify({ model: 'm', message: { role: 'assistant', content: 'a' }, done: false })}\n${JSON.stringify({ error: 'an error was encountered while running the model: unexpected EOF' })}\n`,
    });
    expect(TransientProviderError.isInstance(await failure(model().stream(hello)))).toBe(true);
  });

  it('fails with ProviderProtocolError on a malformed or truncated stream', async () => {
    server().reply({ type: 'malformed' });
    expect(ProviderProtocolError.isInstance(await failure(model().stream(hello)))).toBe(true);
    server().reply({ type: 'truncated', response: { text: ['a', 'b', 'c', 'd'] } });
    expect(ProviderProtocolError.isInstance(await failure(model().stream(hello)))).toBe(true);
  });

  it('maps a connection reset to a retryable error', async () => {
    server().reply({ type: 'reset' });
    expect(TransientProviderError.isInstance(await failure(model().stream(hello)))).toBe(true);
    server().reply({ type: 'reset-mid-stream', response: { text: ['a', 'b', 'c', 'd'] } });
    const error = await failure(model().stream(hello));
    expect((error as TransientProviderError).retryable).toBe(true);
  });

  it('ends promptly with the abort reason when the signal aborts mid-stream, closing the connection', async () => {
    server().reply({ type: 'stream', response: { text: ['a', 'b', 'c'] }, stallAfterFrames: 1 });
    const controller = new AbortController();
    const reason = new Error('user left');
    const seen: ModelChunk[] = [];
    const run = (async () => {
      for await (const chunk of model().stream(hello, { signal: controller.signal })) {
        seen.push(chunk);
        controller.abort(reason);
      }
    })();
    await expect(run).rejects.toBe(reason);
    expect(seen).toEqual([{ type: 'text-delta', text: 'a' }]);
    await server().responseClosed(0);
  });

  it('aborts an injected client stream too', async () => {
    server().reply({ type: 'stream', response: { text: ['a', 'b', 'c'] }, stallAfterFrames: 1 });
    const controller = new AbortController();
    const injected = ollama({ model: 'llama-test', client: new Ollama({ host: server().url }) });
    const run = (async () => {
      for await (const _chunk of injected.stream(hello, { signal: controller.signal })) controller.abort();
    })();
    await expect(run).rejects.toThrow();
    await server().responseClosed(0);
  });
});
