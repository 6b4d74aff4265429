import { readFileSync } from 'node:fs';
import {
  AuthenticationError,
  collectModelResponse,
  InvalidArgumentError,
  type LanguageModel,
  type ModelChunk,
  type ModelRequest,
  ModelResponseBuilder,
  ProviderProtocolError,
  RateLimitError,
  TransientProviderError,
} from '@troupe/core';
import { retryAfterMs } from '@troupe/core/internal';
import { type FixtureServer, openaiChatWire, startFixtureServer } from '@troupe/provider-testkit';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { azureOpenai, mistral, openaiCompatible, openrouter, vllm } from './compatible-presets.ts';
import { openai } from './openai-model.ts';

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer({ wire: openaiChatWire });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());
afterEach(() => {
  vi.unstubAllEnvs();
});

const model = (): LanguageModel => openai({ model: 'gpt-4o-mini', apiKey: 'sk-test', baseURL: `${server.url}/v1` });

/** Replays one of the hand-written streams in `__fixtures__` exactly as the vendor frames it. */
function replay(file: string): void {
  const lines = readFileSync(new URL(`./__fixtures__/${file}`, import.meta.url), 'utf8')
    .trim()
    .split('\n');
  server.reply({
    type: 'http',
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    body: `${lines.map((line) => `data: ${line}\n\n`).join('')}data: [DONE]\n\n`,
  });
}

async function drain(target: LanguageModel, request: ModelRequest): Promise<{ chunks: ModelChunk[]; error: unknown }> {
  const chunks: ModelChunk[] = [];
  try {
    for await (const chunk of target.stream(request)) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

const hello: ModelRequest = { messages: [{ role: 'user', content: 'Hello' }] };
const body = (index = 0) =>
  server.requests.filter((request) => request.accepted)[index]?.body as Record<string, unknown>;

describe('stream mapping of vendor quirks', () => {
  it('assembles tool calls that come without an index, one complete call per chunk', async () => {
    replay('index-less-tool-calls.chunks.txt');
    const response = await collectModelResponse(model().stream(hello));
    expect(response.toolCalls).toEqual([
      { id: 'Xq3LmN8pA', name: 'get_weather', arguments: { city: 'Lyon' } },
      { id: 'Rt7KwB2sE', name: 'current_time', arguments: {} },
    ]);
    expect(response.usage).toEqual({ inputTokens: 131, outputTokens: 29 });
    expect(response.finishReason).toBe('tool-calls');
  });

  it('keeps the first name when later chunks send it empty, and reads cached tokens', async () => {
    replay('incremental-tool-call.chunks.txt');
    const { chunks } = await drain(model(), hello);
    const deltas = chunks.filter((chunk) => chunk.type === 'tool-call-delta');
    expect(deltas[0]).toMatchObject({ index: 0, id: 'chatcmpl-tool-1a2b3c4d5e6f7081', name: 'web_search' });
    expect(deltas.slice(1).every((delta) => delta.type === 'tool-call-delta' && delta.name === undefined)).toBe(true);
    const builder = new ModelResponseBuilder();
    for (const chunk of chunks) builder.add(chunk);
    const response = builder.build();
    expect(response.toolCalls).toEqual([
      { id: 'chatcmpl-tool-1a2b3c4d5e6f7081', name: 'web_search', arguments: { query: 'weather in Lyon' } },
    ]);
    expect(response.usage).toEqual({ inputTokens: 171, outputTokens: 14, cachedInputTokens: 128 });
  });

  it('reads thinking and text content parts', async () => {
    replay('thinking-content-parts.chunks.txt');
    const response = await collectModelResponse(model().stream(hello));
    expect(response.message.content).toEqual([
      { type: 'reasoning', text: 'Three times three is nine.' },
      { type: 'text', text: '3 × 3 = 9' },
    ]);
    expect(response.finishReason).toBe('stop');
  });

  it('reads reasoning_content deltas and reasoning tokens', async () => {
    replay('reasoning-content.chunks.txt');
    const response = await collectModelResponse(model().stream(hello));
    expect(response.message.content).toEqual([
      { type: 'reasoning', text: 'The user greets me.' },
      { type: 'text', text: 'Hello!' },
    ]);
    expect(response.usage).toEqual({ inputTokens: 9, outputTokens: 41, cachedInputTokens: 0, reasoningTokens: 38 });
  });

  it('fails with ProviderProtocolError when tool arguments are not JSON', async () => {
    replay('invalid-tool-arguments.chunks.txt');
    const { chunks, error } = await drain(model(), hello);
    expect(ProviderProtocolError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('get_weather');
    expect(chunks.some((chunk) => chunk.type === 'tool-call' || chunk.type === 'finish')).toBe(false);
  });

  it('maps an error object inside the stream to TransientProviderError', async () => {
    replay('error-event.chunks.txt');
    const { chunks, error } = await drain(model(), hello);
    expect(TransientProviderError.isInstance(error), String(error)).toBe(true);
    expect((error as Error).message).toContain('Provider disconnected');
    expect(chunks).toEqual([{ type: 'text-delta', text: 'Partial' }]);
  });

  it('parses empty arguments as {} and reports tool-calls although the server said stop', async () => {
    replay('empty-arguments.chunks.txt');
    const response = await collectModelResponse(model().stream(hello));
    expect(response.toolCalls).toEqual([{ id: 'call_empty_01', name: 'current_time', arguments: {} }]);
    expect(response.finishReason).toBe('tool-calls');
  });
});

describe('request mapping', () => {
  const ok = () => server.reply({ type: 'stream', response: { text: ['ok'] } });

  it('streams with usage, the key as bearer token and max_completion_tokens', async () => {
    ok();
    await collectModelResponse(model().stream({ ...hello, maxOutputTokens: 50 }));
    expect(body()).toMatchObject({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 50,
    });
    expect(body()).not.toHaveProperty('max_tokens');
    expect(server.lastRequest().path).toBe('/v1/chat/completions');
    expect(server.lastRequest().headers.authorization).toBe('Bearer sk-test');
  });

  it('writes the system prompt first, images as data URLs and assistant tool calls with null content', async () => {
    ok();
    await collectModelResponse(
      model().stream({
        system: 'Be brief.',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Look:' },
              { type: 'image', mediaType: 'image/jpeg', data: 'AAAA' },
            ],
          },
          {
            role: 'assistant',
            content: [{ type: 'reasoning', text: 'hidden' }],
            toolCalls: [{ id: 'call_1', name: 'zoom', arguments: { factor: 2 } }],
          },
          { role: 'tool', toolCallId: 'call_1', toolName: 'zoom', content: 'zoomed', isError: false },
        ],
      }),
    );
    expect(body().messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'zoom', arguments: '{"factor":2}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'zoomed' },
    ]);
  });

  it('asks for json_object without a schema and json_schema with one', async () => {
    ok();
    ok();
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    await collectModelResponse(model().stream({ ...hello, responseFormat: { type: 'json' } }));
    await collectModelResponse(model().stream({ ...hello, responseFormat: { type: 'json', schema } }));
    expect(body(0).response_format).toEqual({ type: 'json_object' });
    expect(body(1).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema } });
  });

  it('maps reasoning effort, a reasoning budget, the cache key and provider options', async () => {
    ok();
    ok();
    await collectModelResponse(
      model().stream({
        ...hello,
        reasoning: { effort: 'high' },
        cache: { key: 'tenant-42' },
        providerOptions: { openai: { service_tier: 'flex', user: 'u-1' }, anthropic: { ignored: true } },
      }),
    );
    await collectModelResponse(model().stream({ ...hello, reasoning: { budgetTokens: 4000 } }));
    expect(body(0)).toMatchObject({
      reasoning_effort: 'high',
      prompt_cache_key: 'tenant-42',
      service_tier: 'flex',
      user: 'u-1',
    });
    expect(body(0)).not.toHaveProperty('ignored');
    expect(body(1).reasoning_effort).toBe('medium');
  });
});

describe('keys and errors', () => {
  it('fails with AuthenticationError before any request when no key is configured', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    const { error } = await drain(openai({ model: 'gpt-4o-mini', baseURL: `${server.url}/v1` }), hello);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('OPENAI_API_KEY');
    expect(server.requests).toHaveLength(0);
  });

  it('reads the key, organization and project from the environment', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env');
    vi.stubEnv('OPENAI_ORG_ID', 'org-env');
    vi.stubEnv('OPENAI_PROJECT_ID', 'proj-env');
    server.reply({ type: 'stream', response: { text: ['ok'] } });
    await collectModelResponse(openai({ model: 'gpt-4o-mini', baseURL: `${server.url}/v1` }).stream(hello));
    expect(server.lastRequest().headers).toMatchObject({
      authorization: 'Bearer sk-from-env',
      'openai-organization': 'org-env',
      'openai-project': 'proj-env',
    });
  });

  it('prefers retry-after-ms over retry-after', async () => {
    server.reply({
      type: 'http',
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after-ms': '1500', 'retry-after': '2' },
      body: JSON.stringify({ error: { message: 'Slow down', type: 'requests', code: 'rate_limit_exceeded' } }),
    });
    const { error } = await drain(model(), hello);
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).retryAfterMs).toBe(1500);
  });

  it('reads an HTTP-date retry-after', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('marks an exhausted quota as a rate limit that retrying cannot fix', async () => {
    server.reply({
      type: 'http',
      status: 429,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: { message: 'You exceeded your current quota.', type: 'insufficient_quota', code: 'insufficient_quota' },
      }),
    });
    const { error } = await drain(model(), hello);
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).retryable).toBe(false);
    expect((error as Error).message).toContain('billing');
  });

  it('never retries, even with an injected client configured to', async () => {
    server.reply({ type: 'error', kind: 'server' }, { type: 'error', kind: 'server' });
    const client = new OpenAI({ apiKey: 'sk-client', baseURL: `${server.url}/v1`, maxRetries: 5, logLevel: 'off' });
    const { error } = await drain(openai({ model: 'gpt-4o-mini', client }), hello);
    expect(TransientProviderError.isInstance(error)).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(server.lastRequest().headers.authorization).toBe('Bearer sk-client');
  });

  it('releases the connection when the consumer stops early', async () => {
    server.reply({ type: 'stream', response: { text: ['a', 'b', 'c', 'd'] }, stallAfterFrames: 3 });
    for await (const chunk of model().stream(hello)) {
      if (chunk.type === 'text-delta') break;
    }
    await server.responseClosed(0);
    expect(server.requests).toHaveLength(1);
  });
});

describe('presets', () => {
  const ok = () => server.reply({ type: 'stream', response: { text: ['ok'] } });

  it('mistral uses max_tokens and MISTRAL_API_KEY', async () => {
    vi.stubEnv('MISTRAL_API_KEY', 'mk-env');
    ok();
    const target = mistral({ model: 'mistral-small-latest', baseURL: `${server.url}/v1` });
    expect(target.provider).toBe('mistral');
    await collectModelResponse(target.stream({ ...hello, maxOutputTokens: 10 }));
    expect(body()).toMatchObject({ model: 'mistral-small-latest', max_tokens: 10 });
    expect(server.lastRequest().headers.authorization).toBe('Bearer mk-env');
  });

  it('mistral without a key fails with AuthenticationError naming the variable', async () => {
    vi.stubEnv('MISTRAL_API_KEY', '');
    const { error } = await drain(mistral({ model: 'mistral-small-latest', baseURL: `${server.url}/v1` }), hello);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('MISTRAL_API_KEY');
  });

  it('openrouter sends app headers and its reasoning object', async () => {
    ok();
    const target = openrouter({
      model: 'anthropic/claude-sonnet-4',
      apiKey: 'or-key',
      baseURL: `${server.url}/api/v1`,
      appUrl: 'https://example.com',
      appName: 'Troupe tests',
    });
    await collectModelResponse(target.stream({ ...hello, reasoning: { budgetTokens: 2000 } }));
    expect(server.lastRequest().path).toBe('/api/v1/chat/completions');
    expect(server.lastRequest().headers).toMatchObject({
      'http-referer': 'https://example.com',
      'x-title': 'Troupe tests',
    });
    expect(body().reasoning).toEqual({ max_tokens: 2000 });
    expect(target.provider).toBe('openrouter');
  });

  it('vllm needs no key', async () => {
    vi.stubEnv('VLLM_API_KEY', '');
    ok();
    const target = vllm({ model: 'Qwen/Qwen3-8B', baseURL: `${server.url}/v1` });
    const response = await collectModelResponse(target.stream(hello));
    expect(response.text).toBe('ok');
    expect(target.provider).toBe('vllm');
  });

  it('openaiCompatible reports its name and can send reasoning back', async () => {
    ok();
    const target = openaiCompatible({
      name: 'deepseek',
      model: 'deepseek-reasoner',
      baseURL: `${server.url}/v1`,
      apiKey: 'ds-key',
      sendReasoningContent: true,
    });
    await collectModelResponse(
      target.stream({
        messages: [
          { role: 'user', content: 'Hi' },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'Think.' },
              { type: 'text', text: 'Hello.' },
            ],
          },
          { role: 'user', content: 'Again' },
        ],
      }),
    );
    expect((body().messages as unknown[])[1]).toEqual({
      role: 'assistant',
      content: 'Hello.',
      reasoning_content: 'Think.',
    });
    expect(target.provider).toBe('deepseek');
  });

  it('azureOpenai routes by deployment with the api-key header and api-version', async () => {
    ok();
    const target = azureOpenai({
      deployment: 'gpt4o-prod',
      apiKey: 'az-key',
      baseURL: `${server.url}/openai`,
      apiVersion: '2024-10-21',
    });
    await collectModelResponse(target.stream(hello));
    const request = server.lastRequest();
    expect(request.path).toBe('/openai/deployments/gpt4o-prod/chat/completions');
    expect(request.query['api-version']).toBe('2024-10-21');
    expect(request.headers['api-key']).toBe('az-key');
    expect(target.modelId).toBe('gpt4o-prod');
  });

  it('azureOpenai without an endpoint fails at construction', () => {
    vi.stubEnv('AZURE_OPENAI_ENDPOINT', '');
    expect(() => azureOpenai({ deployment: 'd', apiKey: 'k' })).toThrow(InvalidArgumentError);
  });
});
