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

// Anthropic Messages API streaming (POST /v1/messages, `stream: true`): server-sent events, each
// `event: <type>\ndata: <json>\n\n`, as documented at docs.anthropic.com/en/api/messages-streaming.

const stopReasons: Record<FinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'refusal',
  other: 'pause_turn',
};

function sse(event: Record<string, unknown> & { type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

function splitInto(text: string, pieces: number): string[] {
  if (pieces <= 1 || text.length <= 1) return [text];
  const size = Math.ceil(text.length / pieces);
  const parts: string[] = [];
  for (let start = 0; start < text.length; start += size) parts.push(text.slice(start, start + size));
  return parts;
}

function modelOf(requestBody: unknown, fallback: string): string {
  const model = (requestBody as { model?: unknown } | undefined)?.model;
  return typeof model === 'string' ? model : fallback;
}

function messageStart(model: string, inputTokens: number, cachedTokens: number): string {
  return sse({
    type: 'message_start',
    message: {
      id: 'msg_01TroupeFixture0000000001',
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: inputTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: cachedTokens,
        output_tokens: 1,
      },
    },
  });
}

function streamFrames(response: ScriptedResponse, options: { model: string; requestBody: unknown }): WireStream {
  const usage = response.usage ?? { inputTokens: 10, outputTokens: 5 };
  const cached = usage.cachedInputTokens ?? 0;
  // Anthropic reports cache reads apart from `input_tokens`; core counts them inside inputTokens.
  const frames = [messageStart(modelOf(options.requestBody, options.model), usage.inputTokens - cached, cached)];
  frames.push(sse({ type: 'ping' }));
  let index = 0;
  if (response.reasoning) {
    frames.push(
      sse({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    );
    for (const text of response.reasoning.text) {
      frames.push(sse({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: text } }));
    }
    if (response.reasoning.signature !== undefined) {
      frames.push(
        sse({
          type: 'content_block_delta',
          index,
          delta: { type: 'signature_delta', signature: response.reasoning.signature },
        }),
      );
    }
    frames.push(sse({ type: 'content_block_stop', index }));
    index += 1;
  }
  if (response.text && response.text.length > 0) {
    frames.push(sse({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
    for (const text of response.text) {
      frames.push(sse({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } }));
    }
    frames.push(sse({ type: 'content_block_stop', index }));
    index += 1;
  }
  for (const call of response.toolCalls ?? []) {
    frames.push(
      sse({
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
      }),
    );
    // The API opens every tool input with an empty delta; a call without arguments sends only that.
    frames.push(sse({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } }));
    const json = call.arguments === undefined ? '' : JSON.stringify(call.arguments);
    const isEmptyObject = json === '{}' || json === '';
    if (!isEmptyObject) {
      for (const piece of splitInto(json, call.argumentChunks ?? 3)) {
        frames.push(
          sse({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } }),
        );
      }
    }
    frames.push(sse({ type: 'content_block_stop', index }));
    index += 1;
  }
  const finishReason = response.finishReason ?? ((response.toolCalls?.length ?? 0) > 0 ? 'tool-calls' : 'stop');
  frames.push(
    sse({
      type: 'message_delta',
      delta: { stop_reason: stopReasons[finishReason], stop_sequence: null },
      usage: {
        input_tokens: usage.inputTokens - cached,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: cached,
        output_tokens: usage.outputTokens,
      },
    }),
  );
  frames.push(sse({ type: 'message_stop' }));
  return { contentType: 'text/event-stream; charset=utf-8', frames };
}

const errors: Record<WireErrorKind, { status: number; type: string; message: string }> = {
  auth: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
  forbidden: {
    status: 403,
    type: 'permission_error',
    message: 'Your API key does not have permission to use the specified resource.',
  },
  'rate-limit': {
    status: 429,
    type: 'rate_limit_error',
    message: 'Number of request tokens has exceeded your per-minute rate limit.',
  },
  server: { status: 500, type: 'api_error', message: 'Internal server error' },
  overloaded: { status: 529, type: 'overloaded_error', message: 'Overloaded' },
  'context-length': {
    status: 400,
    type: 'invalid_request_error',
    message: 'prompt is too long: 215003 tokens > 200000 maximum',
  },
  'bad-request': {
    status: 400,
    type: 'invalid_request_error',
    message: 'max_tokens: Field required',
  },
};

function errorResponse(kind: WireErrorKind, options: { retryAfterSeconds?: number } = {}): WireHttpResponse {
  const error = errors[kind];
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'request-id': 'req_011TroupeFixture',
    'x-should-retry': String(error.status === 429 || error.status >= 500),
  };
  if (options.retryAfterSeconds !== undefined) headers['retry-after'] = String(options.retryAfterSeconds);
  return {
    status: error.status,
    headers,
    body: JSON.stringify({
      type: 'error',
      error: { type: error.type, message: error.message },
      request_id: 'req_011TroupeFixture',
    }),
  };
}

function malformedStream(options: { model: string }): WireStream {
  return {
    contentType: 'text/event-stream; charset=utf-8',
    frames: [
      messageStart(options.model, 10, 0),
      sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }),
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de\n\n',
    ],
  };
}

type Block = { type?: string; text?: string; id?: string; name?: string; input?: unknown } & Record<string, unknown>;

function blocksOf(content: unknown): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? (content as Block[]) : [];
}

function textOf(blocks: Block[]): string {
  return blocks.map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('');
}

function summariseMessage(message: { role?: string; content?: unknown }): WireMessageSummary[] {
  const blocks = blocksOf(message.content);
  if (message.role === 'assistant') {
    const summary: WireMessageSummary = { role: 'assistant', text: textOf(blocks) };
    const calls = blocks.filter((block) => block.type === 'tool_use');
    if (calls.length > 0) {
      summary.toolCalls = calls.map((call) => ({ id: call.id, name: call.name ?? '', arguments: call.input }));
    }
    return [summary];
  }
  const summaries: WireMessageSummary[] = [];
  for (const block of blocks) {
    if (block.type !== 'tool_result') continue;
    summaries.push({
      role: 'tool',
      text: typeof block.content === 'string' ? block.content : textOf(blocksOf(block.content)),
      toolCallId: String(block.tool_use_id),
    });
  }
  const rest = blocks.filter((block) => block.type !== 'tool_result');
  if (rest.length > 0) {
    const summary: WireMessageSummary = { role: 'user', text: textOf(rest) };
    if (rest.some((block) => block.type === 'image')) summary.hasImage = true;
    summaries.push(summary);
  }
  return summaries;
}

function parseRequest(body: unknown): WireRequestSummary {
  const request = (body ?? {}) as Record<string, unknown>;
  const summary: WireRequestSummary = {
    messages: ((request.messages as Array<{ role?: string; content?: unknown }> | undefined) ?? []).flatMap(
      summariseMessage,
    ),
    tools: ((request.tools as Array<Record<string, unknown>> | undefined) ?? []).map((tool) => ({
      name: String(tool.name),
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      parameters: tool.input_schema,
    })),
  };
  if (typeof request.model === 'string') summary.model = request.model;
  if (request.system !== undefined) {
    summary.system = blocksOf(request.system)
      .map((block) => block.text ?? '')
      .join('\n');
  }
  const choice = request.tool_choice as { type?: string; name?: string } | undefined;
  if (choice?.type === 'auto' || choice?.type === 'none') summary.toolChoice = choice.type;
  else if (choice?.type === 'any') summary.toolChoice = 'required';
  else if (choice?.type === 'tool') summary.toolChoice = { name: String(choice.name) };
  if (typeof request.temperature === 'number') summary.temperature = request.temperature;
  if (typeof request.max_tokens === 'number') summary.maxOutputTokens = request.max_tokens;
  if (Array.isArray(request.stop_sequences)) summary.stop = request.stop_sequences as string[];
  const format = (request.output_config as { format?: { type?: string; schema?: unknown } } | undefined)?.format;
  if (format?.type === 'json_schema') {
    summary.json = true;
    summary.jsonSchema = format.schema;
  }
  if (typeof request.stream === 'boolean') summary.stream = request.stream;
  return summary;
}

/** The Anthropic Messages API (`POST /v1/messages` with `stream: true`). */
export const anthropicWire: WireFormat = {
  name: 'anthropic',
  accepts: (method, path) => method === 'POST' && /\/v1\/messages(\?|$)/.test(path),
  streamFrames,
  errorResponse,
  malformedStream,
  keepAliveFrame: sse({ type: 'ping' }),
  parseRequest,
};
