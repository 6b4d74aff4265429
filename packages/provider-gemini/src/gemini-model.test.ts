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
import { collectChunks, geminiWire, helloRequest, useFixtureServer } from '@troupe/provider-testkit';
import { describe, expect, it } from 'vitest';
import { gemini } from './gemini-model.ts';

const server = useFixtureServer({ wire: geminiWire });
const hello = helloRequest;

function model() {
  return gemini({ model: 'gemini-test', apiKey: 'gm-test', baseURL: server().url });
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

function sse(chunks: unknown[]): string {
  return chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('');
}

const part = (value: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  candidates: [{ content: { role: 'model', parts: [value] }, ...extra }],
  responseId: 'resp-1',
});

describe('gemini() over HTTP', () => {
  it('streams text, usage with reasoning tokens and the finish reason, split awkwardly', async () => {
    server().reply({
      type: 'stream',
      split: 'awkward',
      response: {
        text: ['Bon', 'jour ✓'],
        usage: { inputTokens: 9, outputTokens: 30, reasoningTokens: 20, cachedInputTokens: 4 },
      },
    });
    const chunks = await collect(model().stream({ ...hello, system: 'Be brief.', temperature: 0.3 }));
    expect(chunks.filter((chunk) => chunk.type === 'text-delta').map((chunk) => chunk.text)).toEqual(['Bon', 'jour ✓']);
    expect(chunks.at(-2)).toEqual({
      type: 'usage',
      usage: { inputTokens: 9, outputTokens: 30, reasoningTokens: 20, cachedInputTokens: 4 },
    });
    expect(chunks.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    const request = server().lastRequest();
    expect(request.path).toBe('/v1beta/models/gemini-test:streamGenerateContent');
    expect(request.query.alt).toBe('sse');
    expect(request.headers['x-goog-api-key']).toBe('gm-test');
    expect(geminiWire.parseRequest?.(request.body, request.path)).toMatchObject({
      model: 'gemini-test',
      system: 'Be brief.',
      temperature: 0.3,
      messages: [{ role: 'user', text: 'Hi' }],
    });
  });

  it('gives id-less parallel calls stable synthetic ids and answers them by name and order', async () => {
    server().reply({
      type: 'http',
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: sse([
        part({ functionCall: { name: 'weather', args: { city: 'Paris' } }, thoughtSignature: 'sig-A' }),
        part({ functionCall: { name: 'clock' } }),
        part({ text: '' }, { finishReason: 'STOP' }),
      ]),
    });
    const first = await collectModelResponse(
      model().stream({
        ...hello,
        tools: [
          { name: 'weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } },
          { name: 'clock', inputSchema: { type: 'object', properties: {} } },
        ],
      }),
    );
    expect(first.finishReason).toBe('tool-calls');
    const [weather, clock] = first.toolCalls;
    expect(weather).toMatchObject({ name: 'weather', arguments: { city: 'Paris' } });
    expect(weather?.providerMetadata).toEqual({ gemini: { thoughtSignature: 'sig-A' } });
    expect(clock).toMatchObject({ name: 'clock', arguments: {} });
    expect(weather?.id).not.toBe(clock?.id);
    expect(weather?.id).toBe('gemini-call-resp-1-0');
    const declarations = (server().lastRequest().body as { tools: Array<{ functionDeclarations: unknown[] }> }).tools[0]
      ?.functionDeclarations;
    expect(declarations).toEqual([
      // The SDK upper-cases the OpenAPI type names.
      { name: 'weather', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } } } },
      { name: 'clock' },
    ]);

    server().reply({ type: 'stream', response: { text: ['Sunny.'] } });
    await collect(
      model().stream({
        messages: [
          { role: 'user', content: 'Hi' },
          first.message,
          // Answered out of order: the request puts them back in call order.
          { role: 'tool', toolCallId: clock?.id ?? '', toolName: 'clock', content: '12:00' },
          { role: 'tool', toolCallId: weather?.id ?? '', toolName: 'weather', content: 'sunny', isError: false },
        ],
      }),
    );
    const contents = (server().lastRequest().body as { contents: unknown[] }).contents;
    expect(contents).toEqual([
      { role: 'user', parts: [{ text: 'Hi' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'weather', args: { city: 'Paris' } }, thoughtSignature: 'sig-A' },
          { functionCall: { name: 'clock', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'weather', response: { output: 'sunny' } } },
          { functionResponse: { name: 'clock', response: { output: '12:00' } } },
        ],
      },
    ]);
  });

  it('uses the ids the API sends and returns them on calls and responses', async () => {
    server().reply({ type: 'stream', response: { toolCalls: [{ id: 'fc-7', name: 'clock', arguments: {} }] } });
    const first = await collectModelResponse(model().stream(hello));
    expect(first.toolCalls).toEqual([{ id: 'fc-7', name: 'clock', arguments: {} }]);
    server().reply({ type: 'stream', response: { text: ['Noon.'] } });
    await collect(
      model().stream({
        messages: [
          ...hello.messages,
          first.message,
          { role: 'tool', toolCallId: 'fc-7', toolName: 'clock', content: '12:00' },
        ],
      }),
    );
    const contents = (server().lastRequest().body as { contents: Array<{ parts: unknown[] }> }).contents;
    expect(contents[1]?.parts).toEqual([{ functionCall: { id: 'fc-7', name: 'clock', args: {} } }]);
    expect(contents[2]?.parts).toEqual([
      { functionResponse: { id: 'fc-7', name: 'clock', response: { output: '12:00' } } },
    ]);
  });

  it('round-trips thoughts and their signature verbatim', async () => {
    server().reply({
      type: 'stream',
      response: { reasoning: { text: ['Counting ', 'letters.'], signature: 'EpAICo0IAb4+sig' }, text: ['Three.'] },
    });
    const first = await collectModelResponse(model().stream({ ...hello, reasoning: { budgetTokens: 512 } }));
    expect(first.message.content).toEqual([
      { type: 'reasoning', text: 'Counting letters.', signature: 'EpAICo0IAb4+sig' },
      { type: 'text', text: 'Three.' },
    ]);
    expect((server().lastRequest().body as { generationConfig: unknown }).generationConfig).toMatchObject({
      thinkingConfig: { includeThoughts: true, thinkingBudget: 512 },
    });
    server().reply({ type: 'stream', response: { text: ['ok'] } });
    await collect(model().stream({ messages: [...hello.messages, first.message, { role: 'user', content: 'Sure?' }] }));
    const contents = (server().lastRequest().body as { contents: Array<{ parts: unknown[] }> }).contents;
    expect(contents[1]?.parts).toEqual([
      { text: 'Counting letters.', thought: true, thoughtSignature: 'EpAICo0IAb4+sig' },
      { text: 'Three.' },
    ]);
  });

  it('assembles streamed function-call arguments, also when the closing part is missing', async () => {
    server().reply({
      type: 'stream',
      split: 'awkward',
      response: {
        toolCalls: [
          {
            id: 'x',
            name: 'cook',
            arguments: { recipe: { name: 'Lasagna', steps: ['Boil', 'Bake'], serves: 4 } },
            argumentChunks: 8,
          },
        ],
      },
    });
    const chunks = await collect(model().stream(hello));
    expect(chunks.filter((chunk) => chunk.type === 'tool-call').map((chunk) => chunk.call.arguments)).toEqual([
      { recipe: { name: 'Lasagna', steps: ['Boil', 'Bake'], serves: 4 } },
    ]);

    server().reply({
      type: 'http',
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: sse([
        part({ functionCall: { name: 'writeItems', willContinue: true }, thoughtSignature: 'sig-W' }),
        part({
          functionCall: {
            partialArgs: [{ jsonPath: '$.operations[0].action', stringValue: 'ad', willContinue: true }],
            willContinue: true,
          },
        }),
        part({
          functionCall: { partialArgs: [{ jsonPath: '$.operations[0].action', stringValue: 'd' }], willContinue: true },
        }),
        part({ functionCall: { partialArgs: [{ jsonPath: '$.operations[0].price', numberValue: 0.3 }] } }),
        part({ text: '' }, { finishReason: 'STOP' }),
      ]),
    });
    const calls = (await collect(model().stream(hello))).filter((chunk) => chunk.type === 'tool-call');
    expect(calls).toEqual([
      {
        type: 'tool-call',
        call: {
          id: 'gemini-call-resp-1-0',
          name: 'writeItems',
          arguments: { operations: [{ action: 'add', price: 0.3 }] },
          providerMetadata: { gemini: { thoughtSignature: 'sig-W' } },
        },
      },
    ]);
  });

  it.each([
    ['auth', AuthenticationError, 401],
    ['forbidden', AuthenticationError, 403],
    ['server', TransientProviderError, 500],
    ['overloaded', TransientProviderError, 503],
    ['context-length', ContextLengthError, 400],
    ['bad-request', ProviderRequestError, 400],
  ] as const)('maps HTTP error %s to its core error, without SDK retries', async (kind, type, status) => {
    server().reply({ type: 'error', kind });
    const error = await failure(model().stream(hello));
    expect(type.isInstance(error)).toBe(true);
    expect((error as { status?: number }).status).toBe(status);
    expect(server().requests).toHaveLength(1);
  });

  it('maps an invalid API key (HTTP 400 API_KEY_INVALID) to AuthenticationError', async () => {
    server().reply({
      type: 'http',
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
        },
      }),
    });
    expect(AuthenticationError.isInstance(await failure(model().stream(hello)))).toBe(true);
  });

  it('maps 429 to RateLimitError with retryAfterMs from the header or RetryInfo', async () => {
    server().reply({ type: 'error', kind: 'rate-limit', retryAfterSeconds: 3 });
    const error = await failure(model().stream(hello));
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).retryAfterMs).toBe(3000);
    server().reply({
      type: 'http',
      status: 429,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED', details: [{ retryDelay: '1.5s' }] },
      }),
    });
    expect(((await failure(model().stream(hello))) as RateLimitError).retryAfterMs).toBe(1500);
  });

  it('maps an error chunk inside the stream to its core error', async () => {
    server().reply({
      type: 'http',
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: sse([
        part({ text: 'Hel' }),
        { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } },
      ]),
    });
    expect(TransientProviderError.isInstance(await failure(model().stream(hello)))).toBe(true);
  });

  it('fails with ProviderProtocolError on a malformed or truncated stream', async () => {
    server().reply({ type: 'malformed' });
    expect(ProviderProtocolError.isInstance(await failure(model().stream(hello)))).toBe(true);
    server().reply({ type: 'truncated', response: { text: ['a', 'b', 'c', 'd'] } });
    expect(ProviderProtocolError.isInstance(await failure(model().stream(hello)))).toBe(true);
  });

  it('maps a connection reset to TransientProviderError', async () => {
    server().reply({ type: 'reset' });
    expect(TransientProviderError.isInstance(await failure(model().stream(hello)))).toBe(true);
    server().reply({ type: 'reset-mid-stream', response: { text: ['a', 'b', 'c', 'd'] } });
    const error = await failure(model().stream(hello));
    expect(TransientProviderError.isInstance(error) || ProviderProtocolError.isInstance(error)).toBe(true);
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

  it('targets the Vertex AI path of the project and location', async () => {
    server().reply({ type: 'stream', response: { text: ['Hallo'] } });
    const vertex = gemini({
      model: 'gemini-test',
      vertex: { project: 'acme', location: 'europe-west4' },
      apiKey: 'express-key',
      baseURL: server().url,
    });
    const response = await collectModelResponse(vertex.stream(hello));
    expect(response.text).toBe('Hallo');
    expect(server().lastRequest().path).toBe(
      '/v1beta1/projects/acme/locations/europe-west4/publishers/google/models/gemini-test:streamGenerateContent',
    );
  });

  it('throws AuthenticationError before any request when no key is configured', async () => {
    const saved = { gemini: process.env.GEMINI_API_KEY, google: process.env.GOOGLE_API_KEY };
    delete process.env.GEMINI_API_KEY;
    delete process.env.GOOGLE_API_KEY;
    try {
      const error = await failure(gemini({ model: 'gemini-test', baseURL: server().url }).stream(hello));
      expect(AuthenticationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('GEMINI_API_KEY');
      expect(server().requests).toHaveLength(0);
    } finally {
      if (saved.gemini !== undefined) process.env.GEMINI_API_KEY = saved.gemini;
      if (saved.google !== undefined) process.env.GOOGLE_API_KEY = saved.google;
    }
  });
});
