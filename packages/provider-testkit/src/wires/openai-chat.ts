import type { FinishReason } from '@troupe/core';
import type {
  ScriptedResponse,
  WireErrorKind,
  WireFormat,
  WireHttpResponse,
  WireMessageSummary,
  WireRequestSummary,
  WireStream,
} from '../wire-format.ts';

// OpenAI Chat Completions streaming, as api.openai.com sends it: one `data: <json>\n\n` event per
// chunk, `data: [DONE]\n\n` at the end. The first chunk carries the role and an empty content
// delta; tool calls open with id, type and name (arguments "") and continue with argument pieces
// keyed by `index`; the finish chunk has an empty delta; with `stream_options.include_usage` a
// last chunk has `choices: []` and the usage. Compatible servers (vLLM, DeepSeek, xAI) stream
// reasoning as `reasoning_content`; Azure opens with a `choices: []` content-filter chunk.

const finishReasons: Record<FinishReason, string> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
  other: 'function_call',
};

function event(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** Cuts `text` into `count` pieces of near-equal length (code units; never splits a surrogate pair). */
function splitText(text: string, count: number): string[] {
  const characters = Array.from(text);
  const size = Math.max(1, Math.ceil(characters.length / Math.max(1, count)));
  const pieces: string[] = [];
  for (let start = 0; start < characters.length; start += size)
    pieces.push(characters.slice(start, start + size).join(''));
  return pieces.length > 0 ? pieces : [''];
}

function includesUsage(requestBody: unknown): boolean {
  if (typeof requestBody !== 'object' || requestBody === null) return false;
  const options = (requestBody as { stream_options?: { include_usage?: unknown } }).stream_options;
  return options?.include_usage === true;
}

function streamFrames(response: ScriptedResponse, options: { model: string; requestBody: unknown }): WireStream {
  const id = 'chatcmpl-Fx7sQk2Troupe0001';
  const created = 1767225600;
  const base = {
    id,
    object: 'chat.completion.chunk',
    created,
    model: options.model,
    service_tier: 'default',
    system_fingerprint: 'fp_f1x7ur3',
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): string =>
    event({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], usage: null });

  const frames: string[] = [];
  // Azure-style content-filter preamble: no choices at all.
  frames.push(
    event({
      choices: [],
      created: 0,
      id: '',
      model: '',
      object: '',
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
    }),
  );
  const hasToolCalls = (response.toolCalls?.length ?? 0) > 0;
  frames.push(chunk({ role: 'assistant', content: hasToolCalls && !response.text ? null : '', refusal: null }));
  for (const piece of response.reasoning?.text ?? []) frames.push(chunk({ reasoning_content: piece }));
  for (const piece of response.text ?? []) {
    frames.push(chunk({ content: piece }));
  }
  // An empty delta in the middle, as servers send around role or tool switches.
  if ((response.text?.length ?? 0) > 0) frames.push(chunk({ content: '' }));
  response.toolCalls?.forEach((call, index) => {
    const json = JSON.stringify(call.arguments ?? {});
    frames.push(
      chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }),
    );
    for (const piece of splitText(json, call.argumentChunks ?? 3)) {
      frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  const finish = response.finishReason ?? (hasToolCalls ? 'tool-calls' : 'stop');
  frames.push(chunk({}, finishReasons[finish]));
  if (response.usage && includesUsage(options.requestBody)) {
    const usage = response.usage;
    frames.push(
      event({
        ...base,
        choices: [],
        usage: {
          prompt_tokens: usage.inputTokens,
          completion_tokens: usage.outputTokens,
          total_tokens: usage.inputTokens + usage.outputTokens,
          prompt_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0, audio_tokens: 0 },
          completion_tokens_details: {
            reasoning_tokens: usage.reasoningTokens ?? 0,
            audio_tokens: 0,
            accepted_prediction_tokens: 0,
            rejected_prediction_tokens: 0,
          },
        },
      }),
    );
  }
  frames.push('data: [DONE]\n\n');
  return { contentType: 'text/event-stream; charset=utf-8', frames };
}

function errorBody(message: string, type: string, details: { code: string | null; param?: string }): string {
  return JSON.stringify({ error: { message, type, param: details.param ?? null, code: details.code } });
}

const json = { 'content-type': 'application/json' };

function errorResponse(kind: WireErrorKind, options: { retryAfterSeconds?: number } = {}): WireHttpResponse {
  switch (kind) {
    case 'auth':
      return {
        status: 401,
        headers: json,
        body: errorBody(
          'Incorrect API key provided: sk-fixt****0000. You can find your API key at https://platform.openai.com/account/api-keys.',
          'invalid_request_error',
          { code: 'invalid_api_key' },
        ),
      };
    case 'forbidden':
      return {
        status: 403,
        headers: json,
        body: errorBody('Country, region, or territory not supported', 'request_forbidden', {
          code: 'unsupported_country_region_territory',
        }),
      };
    case 'rate-limit':
      return {
        status: 429,
        headers: {
          ...json,
          'retry-after': String(options.retryAfterSeconds ?? 1),
          'x-ratelimit-limit-requests': '500',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': `${options.retryAfterSeconds ?? 1}s`,
        },
        body: errorBody(
          'Rate limit reached for gpt-4o-mini in organization org-fixture on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.',
          'requests',
          { code: 'rate_limit_exceeded' },
        ),
      };
    case 'server':
      return {
        status: 500,
        headers: json,
        body: errorBody('The server had an error while processing your request. Sorry about that!', 'server_error', {
          code: null,
        }),
      };
    case 'overloaded':
      return {
        status: 503,
        headers: json,
        body: errorBody('The engine is currently overloaded, please try again later.', 'server_error', { code: null }),
      };
    case 'context-length':
      return {
        status: 400,
        headers: json,
        body: errorBody(
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages.",
          'invalid_request_error',
          { code: 'context_length_exceeded', param: 'messages' },
        ),
      };
    case 'bad-request':
      return {
        status: 400,
        headers: json,
        body: errorBody(
          "Invalid value for 'temperature': expected a number between 0 and 2.",
          'invalid_request_error',
          { code: 'invalid_value', param: 'temperature' },
        ),
      };
  }
}

function malformedStream(options: { model: string }): WireStream {
  const good = streamFrames({ text: ['The answer', ' is'] }, { model: options.model, requestBody: {} });
  // Keep the preamble, role and text chunks; then a chunk whose JSON breaks off mid-string.
  const frames = good.frames.slice(0, 4);
  frames.push(
    'data: {"id":"chatcmpl-Fx7sQk2Troupe0001","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" forty\n\n',
  );
  return { contentType: good.contentType, frames };
}

// ---- request reading (for the conformance kit's journal assertions) ----

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content)
    if (isObject(part) && part.type === 'text' && typeof part.text === 'string') text += part.text;
  return text;
}

function hasImage(content: unknown): boolean {
  return Array.isArray(content) && content.some((part) => isObject(part) && part.type === 'image_url');
}

function parseArguments(text: unknown): unknown {
  if (typeof text !== 'string' || text.length === 0) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function parseRequest(body: unknown): WireRequestSummary {
  const request = isObject(body) ? body : {};
  const systemParts: string[] = [];
  const messages: WireMessageSummary[] = [];
  for (const raw of Array.isArray(request.messages) ? request.messages : []) {
    if (!isObject(raw)) continue;
    const role = raw.role;
    if (role === 'system' || role === 'developer') {
      systemParts.push(contentText(raw.content));
    } else if (role === 'user') {
      const message: WireMessageSummary = { role: 'user', text: contentText(raw.content) };
      if (hasImage(raw.content)) message.hasImage = true;
      messages.push(message);
    } else if (role === 'assistant') {
      const message: WireMessageSummary = { role: 'assistant', text: contentText(raw.content) };
      if (Array.isArray(raw.tool_calls)) {
        message.toolCalls = raw.tool_calls.filter(isObject).map((call) => {
          const fn = isObject(call.function) ? call.function : {};
          return { id: String(call.id), name: String(fn.name), arguments: parseArguments(fn.arguments) };
        });
      }
      messages.push(message);
    } else if (role === 'tool') {
      messages.push({ role: 'tool', text: contentText(raw.content), toolCallId: String(raw.tool_call_id) });
    }
  }
  const summary: WireRequestSummary = {
    messages,
    tools: (Array.isArray(request.tools) ? request.tools : []).filter(isObject).map((tool) => {
      const fn = isObject(tool.function) ? tool.function : {};
      const entry: { name: string; description?: string; parameters?: unknown } = { name: String(fn.name) };
      if (typeof fn.description === 'string') entry.description = fn.description;
      if (fn.parameters !== undefined) entry.parameters = fn.parameters;
      return entry;
    }),
  };
  if (typeof request.model === 'string') summary.model = request.model;
  if (systemParts.length > 0) summary.system = systemParts.join('\n');
  const choice = request.tool_choice;
  if (choice === 'auto' || choice === 'none' || choice === 'required') summary.toolChoice = choice;
  else if (isObject(choice) && isObject(choice.function)) summary.toolChoice = { name: String(choice.function.name) };
  if (typeof request.temperature === 'number') summary.temperature = request.temperature;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (typeof maxTokens === 'number') summary.maxOutputTokens = maxTokens;
  if (typeof request.stop === 'string') summary.stop = [request.stop];
  else if (Array.isArray(request.stop)) summary.stop = request.stop.map(String);
  const format = request.response_format;
  if (isObject(format) && (format.type === 'json_object' || format.type === 'json_schema')) {
    summary.json = true;
    if (isObject(format.json_schema)) summary.jsonSchema = format.json_schema.schema;
  }
  if (typeof request.stream === 'boolean') summary.stream = request.stream;
  return summary;
}

/** OpenAI Chat Completions (`POST …/chat/completions`), also spoken by Azure, Mistral, OpenRouter, vLLM. */
export const openaiChatWire: WireFormat = {
  name: 'openai-chat',
  accepts: (method, path) => method === 'POST' && path.endsWith('/chat/completions'),
  streamFrames,
  errorResponse,
  malformedStream,
  keepAliveFrame: ': keep-alive\n\n',
  parseRequest,
};
