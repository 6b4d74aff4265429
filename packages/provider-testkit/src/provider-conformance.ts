import {
  AuthenticationError,
  ContextLengthError,
  collectModelResponse,
  type LanguageModel,
  type Message,
  type ModelChunk,
  type ModelRequest,
  type ProviderError,
  ProviderProtocolError,
  ProviderRequestError,
  RateLimitError,
  type StreamOptions,
  type ToolCall,
  type ToolSpec,
  TransientProviderError,
  type Usage,
} from '@troupe/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AimockServer, startAimock } from './aimock-server.ts';
import { type FixtureReply, type FixtureServer, startFixtureServer } from './fixture-server.ts';
import type { WireErrorKind, WireFormat, WireRequestSummary } from './wire-format.ts';

/** The aimock cases a provider takes part in (aimock speaks OpenAI, Anthropic, Gemini and Ollama). */
export interface AimockCapabilities {
  /** aimock streams reasoning in this wire format and the provider reads it. */
  reasoning: boolean;
  /** aimock reports fixture usage in this wire format and the provider reads it. */
  usage: boolean;
}

/**
 * What a provider can do. Every member must be declared; a `false` member does not generate its
 * cases, so what a provider lacks is visible in its test file rather than silently skipped.
 */
export interface ProviderCapabilities {
  /** Streams reasoning ("thinking") as `reasoning-delta` chunks. */
  reasoning: boolean;
  /** Reasoning (or tool calls) carry a signature that must go back verbatim on the next request. */
  reasoningSignatures: boolean;
  /** Several tool calls in one response. */
  parallelToolCalls: boolean;
  /** Usage reports input tokens served from the prompt cache. */
  cachedTokens: boolean;
  /** Usage reports reasoning tokens. */
  reasoningTokens: boolean;
  /** `responseFormat: { type: 'json' }` maps onto the API's JSON mode. */
  jsonResponseFormat: boolean;
  /** Image parts of user messages are sent. */
  images: boolean;
  /** Run the applicable cases against `@copilotkit/aimock` too; `false` when aimock lacks the wire. */
  aimock: AimockCapabilities | false;
}

/** Options of {@link runProviderConformance}. */
export interface ProviderConformanceOptions {
  /** Shown in the test names, e.g. `'openai'`. */
  name: string;
  /** The vendor wire format the fixture server speaks for this provider. */
  wire: WireFormat;
  /**
   * A fresh model pointed at a local server; `baseURL` is its origin (`http://127.0.0.1:<port>`),
   * to which the provider appends whatever path prefix its SDK expects (OpenAI: `/v1`).
   */
  create(baseURL: string): LanguageModel;
  capabilities: ProviderCapabilities;
}

interface StreamOutcome {
  chunks: ModelChunk[];
  error: unknown;
}

async function drain(model: LanguageModel, request: ModelRequest, options?: StreamOptions): Promise<StreamOutcome> {
  const chunks: ModelChunk[] = [];
  try {
    for await (const chunk of model.stream(request, options)) chunks.push(chunk);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

async function succeed(model: LanguageModel, request: ModelRequest): Promise<ModelChunk[]> {
  const { chunks, error } = await drain(model, request);
  if (error !== undefined) throw error;
  return chunks;
}

const textOf = (chunks: ModelChunk[]): string =>
  chunks.map((chunk) => (chunk.type === 'text-delta' ? chunk.text : '')).join('');
const reasoningOf = (chunks: ModelChunk[]): string =>
  chunks.map((chunk) => (chunk.type === 'reasoning-delta' ? chunk.text : '')).join('');
const callsOf = (chunks: ModelChunk[]): ToolCall[] =>
  chunks.flatMap((chunk) => (chunk.type === 'tool-call' ? [chunk.call] : []));
const usageOf = (chunks: ModelChunk[]): Usage | undefined =>
  chunks.flatMap((chunk) => (chunk.type === 'usage' ? [chunk.usage] : [])).at(-1);

/**
 * Invariants of every complete stream: exactly one `finish`, and it is the last chunk; at most one
 * `usage`; tool-call deltas of one index concatenate to the arguments of its complete call.
 */
function expectWellFormed(chunks: ModelChunk[]): void {
  const finishes = chunks.filter((chunk) => chunk.type === 'finish');
  expect(finishes, 'exactly one finish chunk').toHaveLength(1);
  expect(chunks.at(-1)?.type, 'finish is the last chunk').toBe('finish');
  expect(chunks.filter((chunk) => chunk.type === 'usage').length, 'at most one usage chunk').toBeLessThanOrEqual(1);
  const deltas = new Map<number, string>();
  for (const chunk of chunks) {
    if (chunk.type === 'tool-call-delta')
      deltas.set(chunk.index, (deltas.get(chunk.index) ?? '') + chunk.argumentsDelta);
  }
  const calls = callsOf(chunks);
  for (const [index, json] of deltas) {
    const call = calls[index];
    expect(call, `a complete tool call for the deltas of index ${index}`).toBeDefined();
    if (json.trim().length > 0) expect(JSON.parse(json), `deltas of tool call ${index}`).toEqual(call?.arguments);
  }
}

function finishOf(chunks: ModelChunk[]): string | undefined {
  const last = chunks.at(-1);
  return last?.type === 'finish' ? last.reason : undefined;
}

const weatherTool: ToolSpec = {
  name: 'get_weather',
  description: 'Current weather for a city.',
  inputSchema: {
    type: 'object',
    properties: { city: { type: 'string' }, units: { type: 'string', enum: ['metric', 'imperial'] } },
    required: ['city'],
  },
};
const timeTool: ToolSpec = {
  name: 'current_time',
  description: 'The current time.',
  inputSchema: { type: 'object', properties: {} },
};
const tools = [weatherTool, timeTool];
const ask = (text: string): ModelRequest => ({ messages: [{ role: 'user', content: text }], tools });

/** The classes each error kind must become, checked with `isInstance`. */
const errorExpectations: Array<{ kind: WireErrorKind; name: string; is: (error: unknown) => boolean }> = [
  { kind: 'auth', name: 'AuthenticationError', is: (error) => AuthenticationError.isInstance(error) },
  { kind: 'forbidden', name: 'AuthenticationError', is: (error) => AuthenticationError.isInstance(error) },
  { kind: 'server', name: 'TransientProviderError', is: (error) => TransientProviderError.isInstance(error) },
  { kind: 'overloaded', name: 'TransientProviderError', is: (error) => TransientProviderError.isInstance(error) },
  { kind: 'context-length', name: 'ContextLengthError', is: (error) => ContextLengthError.isInstance(error) },
  { kind: 'bad-request', name: 'ProviderRequestError', is: (error) => ProviderRequestError.isInstance(error) },
];

/**
 * The conformance suite of a provider: text, tool calls (streamed arguments, no arguments,
 * parallel), reasoning and its signature round trip, usage, every error class, malformed and
 * truncated streams, abort mid-stream, and the shape of the request the server received — over
 * real HTTP against the project's fixture server speaking `wire`, then the applicable cases
 * against aimock. Call it at the top level of a test file.
 */
export function runProviderConformance(options: ProviderConformanceOptions): void {
  const { name, wire, create, capabilities } = options;

  describe(`${name} conformance: ${wire.name} fixture server`, () => {
    let server: FixtureServer;
    beforeAll(async () => {
      server = await startFixtureServer({ wire });
    });
    afterAll(async () => {
      await server.close();
    });
    beforeEach(() => server.reset());

    const run = async (request: ModelRequest, reply: FixtureReply): Promise<ModelChunk[]> => {
      server.reply(reply);
      return succeed(create(server.url), request);
    };
    const completionRequests = () => server.requests.filter((request) => request.accepted);
    const summarize = (index: number): WireRequestSummary => {
      if (wire.parseRequest === undefined) {
        throw new Error(`The ${wire.name} wire format has no parseRequest(); add it so the journal can be checked.`);
      }
      const request = completionRequests()[index];
      if (request === undefined) throw new Error(`The server received no completion request #${index + 1}.`);
      return wire.parseRequest(request.body, request.path);
    };

    it('streams text split at awkward byte boundaries, with keep-alives and empty deltas', async () => {
      const pieces = ['Hel', 'lo, ', 'naïve ', 'café ☕', ' — ', 'troupe 🎭', '!'];
      const chunks = await run(ask('Say hello.'), {
        type: 'stream',
        response: { text: pieces },
        split: 'awkward',
        keepAlive: true,
      });
      expectWellFormed(chunks);
      expect(textOf(chunks)).toBe(pieces.join(''));
      expect(callsOf(chunks)).toEqual([]);
      expect(finishOf(chunks)).toBe('stop');
    });

    it('maps the length finish reason', async () => {
      const chunks = await run(ask('Write a long story.'), {
        type: 'stream',
        response: { text: ['Once upon', ' a time'], finishReason: 'length' },
      });
      expectWellFormed(chunks);
      expect(textOf(chunks)).toBe('Once upon a time');
      expect(finishOf(chunks)).toBe('length');
    });

    it('assembles one tool call whose arguments arrive across many frames', async () => {
      const args = {
        city: 'Zürich',
        units: 'metric',
        days: [1, 2, 3],
        note: 'say "hi" 👋',
        nested: { a: { b: null } },
      };
      const chunks = await run(ask('Weather in Zürich?'), {
        type: 'stream',
        response: {
          text: ['Let me check.'],
          toolCalls: [{ id: 'call_weather_01', name: 'get_weather', arguments: args, argumentChunks: 16 }],
        },
        split: 'awkward',
      });
      expectWellFormed(chunks);
      expect(textOf(chunks)).toBe('Let me check.');
      const calls = callsOf(chunks);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.name).toBe('get_weather');
      expect(calls[0]?.id).toBe('call_weather_01');
      expect(calls[0]?.arguments).toEqual(args);
      expect(finishOf(chunks)).toBe('tool-calls');
    });

    it('parses a tool call with no arguments as an empty object', async () => {
      const chunks = await run(ask('What time is it?'), {
        type: 'stream',
        response: { toolCalls: [{ id: 'call_time_01', name: 'current_time', arguments: {} }] },
      });
      expectWellFormed(chunks);
      const calls = callsOf(chunks);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ id: 'call_time_01', name: 'current_time', arguments: {} });
      expect(finishOf(chunks)).toBe('tool-calls');
    });

    if (capabilities.parallelToolCalls) {
      it('streams several tool calls of one response, in order, each complete', async () => {
        const specs = [
          { id: 'call_par_01', name: 'get_weather', arguments: { city: 'Paris' }, argumentChunks: 4 },
          {
            id: 'call_par_02',
            name: 'get_weather',
            arguments: { city: 'Tokyo', units: 'imperial' },
            argumentChunks: 5,
          },
          { id: 'call_par_03', name: 'current_time', arguments: {} },
        ];
        const chunks = await run(ask('Weather in Paris and Tokyo, and the time?'), {
          type: 'stream',
          response: { toolCalls: specs },
          split: 'awkward',
        });
        expectWellFormed(chunks);
        expect(callsOf(chunks).map(({ id, name, arguments: args }) => ({ id, name, arguments: args }))).toEqual(
          specs.map(({ id, name, arguments: args }) => ({ id, name, arguments: args })),
        );
        expect(finishOf(chunks)).toBe('tool-calls');
      });
    }

    if (capabilities.reasoning) {
      it('streams reasoning deltas before the answer', async () => {
        const thoughts = ['The user ', 'wants 2+2. ', 'Ünïcode ✓.'];
        const signature = capabilities.reasoningSignatures ? 'sig-Tr0upe+/=reasoning-0001' : undefined;
        const chunks = await run(ask('What is 2+2?'), {
          type: 'stream',
          response: { reasoning: { text: thoughts, ...(signature ? { signature } : {}) }, text: ['4'] },
          split: 'awkward',
        });
        expectWellFormed(chunks);
        expect(reasoningOf(chunks)).toBe(thoughts.join(''));
        expect(textOf(chunks)).toBe('4');
        const firstReasoning = chunks.findIndex((chunk) => chunk.type === 'reasoning-delta');
        const firstText = chunks.findIndex((chunk) => chunk.type === 'text-delta');
        expect(firstReasoning).toBeLessThan(firstText);
      });
    }

    if (capabilities.reasoningSignatures) {
      it('round-trips the reasoning signature verbatim on the next request', async () => {
        const signature = 'sig-Tr0upe+/=Round-Trip-0002';
        server.reply(
          {
            type: 'stream',
            response: {
              reasoning: { text: ['I need the weather tool.'], signature },
              toolCalls: [{ id: 'call_sig_01', name: 'get_weather', arguments: { city: 'Oslo' } }],
            },
          },
          { type: 'stream', response: { text: ['It is 3°C in Oslo.'] } },
        );
        const first = await collectModelResponse(create(server.url).stream(ask('Weather in Oslo?')));
        expect(JSON.stringify(first.message), 'the signature is kept on the assistant message').toContain(signature);
        const call = first.toolCalls[0];
        expect(call?.name).toBe('get_weather');
        const history: Message[] = [
          { role: 'user', content: 'Weather in Oslo?' },
          first.message,
          { role: 'tool', toolCallId: call?.id ?? '', toolName: 'get_weather', content: '{"tempC":3}' },
        ];
        const second = await collectModelResponse(create(server.url).stream({ messages: history, tools }));
        expect(second.text).toBe('It is 3°C in Oslo.');
        expect(completionRequests()[1]?.rawBody, 'the signature goes back verbatim').toContain(
          JSON.stringify(signature).slice(1, -1),
        );
      });
    }

    it('reports usage', async () => {
      const usage: Usage = { inputTokens: 1200, outputTokens: 80 };
      if (capabilities.cachedTokens) usage.cachedInputTokens = 1024;
      if (capabilities.reasoningTokens) usage.reasoningTokens = 32;
      const chunks = await run(ask('Hi'), { type: 'stream', response: { text: ['Hi!'], usage } });
      expectWellFormed(chunks);
      const reported = usageOf(chunks);
      expect(reported?.inputTokens).toBe(usage.inputTokens);
      expect(reported?.outputTokens).toBe(usage.outputTokens);
      if (capabilities.cachedTokens) expect(reported?.cachedInputTokens).toBe(1024);
      if (capabilities.reasoningTokens) expect(reported?.reasoningTokens).toBe(32);
    });

    describe('errors', () => {
      for (const expectation of errorExpectations) {
        it(`maps a ${expectation.kind} response to ${expectation.name}, without retrying`, async () => {
          server.reply({ type: 'error', kind: expectation.kind });
          const model = create(server.url);
          const { chunks, error } = await drain(model, ask('Hi'));
          expect(expectation.is(error), `got ${String(error)}`).toBe(true);
          const providerError = error as ProviderError;
          expect(providerError.provider).toBe(model.provider);
          expect(providerError.status).toBe(wire.errorResponse(expectation.kind).status);
          expect(providerError.message.length).toBeGreaterThan(0);
          expect(chunks.some((chunk) => chunk.type === 'finish')).toBe(false);
          expect(completionRequests(), 'the SDK does not retry on its own').toHaveLength(1);
        });
      }

      it('maps a 429 to RateLimitError with retryAfterMs from the retry header', async () => {
        server.reply({ type: 'error', kind: 'rate-limit', retryAfterSeconds: 7 });
        const model = create(server.url);
        const { error } = await drain(model, ask('Hi'));
        expect(RateLimitError.isInstance(error), `got ${String(error)}`).toBe(true);
        const rateLimit = error as RateLimitError;
        expect(rateLimit.status).toBe(429);
        expect(rateLimit.retryAfterMs).toBe(7000);
        expect(rateLimit.retryable).toBe(true);
        expect(rateLimit.provider).toBe(model.provider);
        expect(completionRequests()).toHaveLength(1);
      });

      it('maps a connection reset before the response to TransientProviderError', async () => {
        server.reply({ type: 'reset' });
        const { error } = await drain(create(server.url), ask('Hi'));
        expect(TransientProviderError.isInstance(error), `got ${String(error)}`).toBe(true);
        expect((error as ProviderError).retryable).toBe(true);
        expect(completionRequests()).toHaveLength(1);
      });

      it('maps a connection reset mid-stream to TransientProviderError', async () => {
        server.reply({ type: 'reset-mid-stream', response: { text: ['one ', 'two ', 'three ', 'four ', 'five'] } });
        const { chunks, error } = await drain(create(server.url), ask('Count.'));
        expect(TransientProviderError.isInstance(error), `got ${String(error)}`).toBe(true);
        expect(chunks.some((chunk) => chunk.type === 'finish')).toBe(false);
      });

      it('maps a malformed stream to ProviderProtocolError', async () => {
        server.reply({ type: 'malformed', split: 'awkward' });
        const { chunks, error } = await drain(create(server.url), ask('Hi'));
        expect(ProviderProtocolError.isInstance(error), `got ${String(error)}`).toBe(true);
        expect((error as ProviderError).retryable).toBe(true);
        expect(chunks.some((chunk) => chunk.type === 'finish')).toBe(false);
      });

      it('maps a stream that ends mid-response to ProviderProtocolError', async () => {
        server.reply({
          type: 'truncated',
          response: {
            text: ['one ', 'two ', 'three ', 'four ', 'five ', 'six'],
            usage: { inputTokens: 5, outputTokens: 6 },
          },
        });
        const { chunks, error } = await drain(create(server.url), ask('Count.'));
        expect(ProviderProtocolError.isInstance(error), `got ${String(error)}`).toBe(true);
        expect(chunks.some((chunk) => chunk.type === 'finish')).toBe(false);
      });

      it('maps a non-JSON error page to a typed error carrying the status', async () => {
        server.reply({
          type: 'http',
          status: 502,
          headers: { 'content-type': 'text/html' },
          body: '<html>Bad Gateway</html>',
        });
        const { error } = await drain(create(server.url), ask('Hi'));
        expect(TransientProviderError.isInstance(error), `got ${String(error)}`).toBe(true);
        expect((error as ProviderError).status).toBe(502);
      });
    });

    describe('abort', () => {
      it('ends the iteration promptly when the signal aborts mid-stream, and releases the connection', async () => {
        server.reply({
          type: 'stream',
          response: { text: ['one ', 'two ', 'three ', 'four ', 'five ', 'six ', 'seven'] },
          stallAfterFrames: -2,
        });
        const controller = new AbortController();
        const reason = new Error('The user pressed stop.');
        const chunks: ModelChunk[] = [];
        let caught: unknown;
        try {
          for await (const chunk of create(server.url).stream(ask('Count.'), { signal: controller.signal })) {
            chunks.push(chunk);
            if (chunk.type === 'text-delta') controller.abort(reason);
          }
        } catch (error) {
          caught = error;
        }
        expect(caught, 'the iteration rejects with the abort reason').toBe(reason);
        expect(chunks.some((chunk) => chunk.type === 'finish')).toBe(false);
        // Resolves only once the HTTP response is closed: the connection was released.
        await server.responseClosed(server.requests.length - 1);
      });

      it('sends no request when the signal is already aborted', async () => {
        const controller = new AbortController();
        const reason = new Error('Cancelled before start.');
        controller.abort(reason);
        server.reply({ type: 'stream', response: { text: ['never'] } });
        const { error } = await drain(create(server.url), ask('Hi'), { signal: controller.signal });
        expect(error).toBe(reason);
        expect(completionRequests()).toHaveLength(0);
      });
    });

    describe('request shape', () => {
      it('sends the system prompt, history with matched tool ids, tools, tool choice and sampling options', async () => {
        const request: ModelRequest = {
          system: 'You are a terse weather assistant.',
          messages: [
            { role: 'user', content: 'Weather in Paris?' },
            {
              role: 'assistant',
              content: [{ type: 'text', text: 'Checking.' }],
              toolCalls: [{ id: 'call_paris_01', name: 'get_weather', arguments: { city: 'Paris' } }],
            },
            { role: 'tool', toolCallId: 'call_paris_01', toolName: 'get_weather', content: '{"tempC":21}' },
            { role: 'user', content: 'And tomorrow?' },
          ],
          tools,
          toolChoice: { name: 'get_weather' },
          temperature: 0.25,
          maxOutputTokens: 321,
          stop: ['END'],
        };
        await run(request, { type: 'stream', response: { text: ['Sunny.'] } });
        const summary = summarize(0);
        expect(summary.system).toBe('You are a terse weather assistant.');
        expect(summary.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'user']);
        expect(summary.messages[0]?.text).toBe('Weather in Paris?');
        const assistant = summary.messages[1];
        expect(assistant?.text).toBe('Checking.');
        expect(assistant?.toolCalls).toHaveLength(1);
        expect(assistant?.toolCalls?.[0]).toMatchObject({ name: 'get_weather', arguments: { city: 'Paris' } });
        const result = summary.messages[2];
        expect(result?.text).toBe('{"tempC":21}');
        const callId = assistant?.toolCalls?.[0]?.id;
        if (result?.toolCallId !== undefined || callId !== undefined) {
          expect(result?.toolCallId, 'the tool result refers to the id of its call').toBe(callId);
        } else {
          expect(result?.toolName, 'the tool result names its call').toBe('get_weather');
        }
        expect(summary.messages[3]?.text).toBe('And tomorrow?');
        expect(summary.tools.map((tool) => tool.name)).toEqual(['get_weather', 'current_time']);
        expect(summary.tools[0]?.description).toBe('Current weather for a city.');
        expect(summary.tools[0]?.parameters).toMatchObject({ properties: { city: { type: 'string' } } });
        expect(summary.toolChoice).toEqual({ name: 'get_weather' });
        expect(summary.temperature).toBe(0.25);
        expect(summary.maxOutputTokens).toBe(321);
        expect(summary.stop).toEqual(['END']);
      });

      it("maps tool choice 'required' and 'none'", async () => {
        server.reply({ type: 'stream', response: { text: ['a'] } }, { type: 'stream', response: { text: ['b'] } });
        const model = create(server.url);
        await succeed(model, { ...ask('Hi'), toolChoice: 'required' });
        await succeed(model, { ...ask('Hi'), toolChoice: 'none' });
        expect(summarize(0).toolChoice).toBe('required');
        expect(summarize(1).toolChoice).toBe('none');
      });

      if (capabilities.jsonResponseFormat) {
        it('asks for JSON output with the schema', async () => {
          const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
          await run(
            { messages: [{ role: 'user', content: 'Answer as JSON.' }], responseFormat: { type: 'json', schema } },
            { type: 'stream', response: { text: ['{"answer":4}'] } },
          );
          const summary = summarize(0);
          expect(summary.json).toBe(true);
          expect(summary.jsonSchema).toMatchObject(schema);
        });
      }

      if (capabilities.images) {
        it('sends image parts of user messages', async () => {
          const pixel =
            'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
          await run(
            {
              messages: [
                {
                  role: 'user',
                  content: [
                    { type: 'text', text: 'What is this?' },
                    { type: 'image', mediaType: 'image/png', data: pixel },
                  ],
                },
              ],
            },
            { type: 'stream', response: { text: ['A pixel.'] } },
          );
          const summary = summarize(0);
          expect(summary.messages[0]?.hasImage).toBe(true);
          expect(summary.messages[0]?.text).toBe('What is this?');
          expect(completionRequests()[0]?.rawBody).toContain(pixel);
        });
      }
    });
  });

  const aimock = capabilities.aimock;
  if (aimock === false) return;
  describe(`${name} conformance: aimock`, () => {
    let server: AimockServer;
    beforeAll(async () => {
      server = await startAimock();
    });
    afterAll(async () => {
      await server.close();
    });
    beforeEach(() => server.reset());

    const run = (request: ModelRequest) => succeed(create(server.url), request);

    it('streams text', async () => {
      server.serve({ content: 'Hello from aimock, naïve café ☕' });
      const chunks = await run(ask('Say hello.'));
      expectWellFormed(chunks);
      expect(textOf(chunks)).toBe('Hello from aimock, naïve café ☕');
      expect(finishOf(chunks)).toBe('stop');
      expect(server.requests()).toHaveLength(1);
      expect(JSON.stringify(server.requests()[0]?.body)).toContain('Say hello.');
    });

    it('assembles a tool call', async () => {
      const args = { city: 'Zürich', days: [1, 2], nested: { ok: true } };
      server.serve({ toolCalls: [{ id: 'call_aimock_01', name: 'get_weather', arguments: args }] });
      const chunks = await run(ask('Weather?'));
      expectWellFormed(chunks);
      const calls = callsOf(chunks);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ name: 'get_weather', arguments: args });
      expect(finishOf(chunks)).toBe('tool-calls');
    });

    it('parses a tool call with no arguments', async () => {
      server.serve({ toolCalls: [{ name: 'current_time', arguments: {} }] });
      const chunks = await run(ask('Time?'));
      expectWellFormed(chunks);
      expect(callsOf(chunks)[0]).toMatchObject({ name: 'current_time', arguments: {} });
    });

    if (capabilities.parallelToolCalls) {
      it('streams parallel tool calls', async () => {
        server.serve({
          toolCalls: [
            { name: 'get_weather', arguments: { city: 'Paris' } },
            { name: 'get_weather', arguments: { city: 'Rome' } },
          ],
        });
        const chunks = await run(ask('Paris and Rome?'));
        expectWellFormed(chunks);
        const calls = callsOf(chunks);
        expect(calls.map((call) => call.arguments)).toEqual([{ city: 'Paris' }, { city: 'Rome' }]);
        expect(new Set(calls.map((call) => call.id)).size, 'distinct call ids').toBe(2);
      });
    }

    if (aimock.reasoning) {
      it('streams reasoning', async () => {
        server.serve({ content: 'Four.', reasoning: 'Two plus two is four.' });
        const chunks = await run(ask('2+2?'));
        expectWellFormed(chunks);
        expect(reasoningOf(chunks)).toBe('Two plus two is four.');
        expect(textOf(chunks)).toBe('Four.');
      });
    }

    if (aimock.usage) {
      it('reports usage', async () => {
        server.serve({ content: 'Hi.', usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } });
        const chunks = await run(ask('Hi'));
        expect(usageOf(chunks)).toMatchObject({ inputTokens: 11, outputTokens: 7 });
      });
    }

    it('maps a 429 with Retry-After to RateLimitError', async () => {
      server.serve({ error: { message: 'Slow down.', type: 'rate_limit_error' }, status: 429, retryAfter: 3 });
      const { error } = await drain(create(server.url), ask('Hi'));
      expect(RateLimitError.isInstance(error), `got ${String(error)}`).toBe(true);
      expect((error as RateLimitError).retryAfterMs).toBe(3000);
      expect(server.requests()).toHaveLength(1);
    });

    it('maps a 500 to TransientProviderError', async () => {
      server.serve({ error: { message: 'Internal error.', type: 'server_error' }, status: 500 });
      const { error } = await drain(create(server.url), ask('Hi'));
      expect(TransientProviderError.isInstance(error), `got ${String(error)}`).toBe(true);
      expect(server.requests()).toHaveLength(1);
    });

    it('maps a 401 to AuthenticationError', async () => {
      server.serve({ error: { message: 'Invalid API key.', type: 'authentication_error' }, status: 401 });
      const { error } = await drain(create(server.url), ask('Hi'));
      expect(AuthenticationError.isInstance(error), `got ${String(error)}`).toBe(true);
    });

    it('maps a dropped connection to TransientProviderError', async () => {
      server.serve({ content: 'never delivered' }, { chaos: { disconnectRate: 1 } });
      const { error } = await drain(create(server.url), ask('Hi'));
      expect(TransientProviderError.isInstance(error), `got ${String(error)}`).toBe(true);
    });

    it('maps a malformed body to ProviderProtocolError', async () => {
      server.serve({ content: 'never delivered' }, { chaos: { malformedRate: 1 } });
      const { error } = await drain(create(server.url), ask('Hi'));
      expect(ProviderProtocolError.isInstance(error), `got ${String(error)}`).toBe(true);
    });
  });
}
