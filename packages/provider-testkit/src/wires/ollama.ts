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

// Ollama `POST /api/chat`: newline-delimited JSON, one chat response object per line, the last one
// with `done: true`, its `done_reason` and token counts (github.com/ollama/ollama/blob/main/docs/api.md).
// Tool calls arrive whole in one line; thinking streams in `message.thinking`. Call ids are optional
// (Ollama matches results by tool name); the fixture sends the scripted ones.

const doneReasons: Record<FinishReason, string> = {
  stop: 'stop',
  'tool-calls': 'stop',
  length: 'length',
  'content-filter': 'stop',
  other: 'unload',
};

const createdAt = '2026-01-01T00:00:00.000000Z';

function line(model: string, message: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ model, created_at: createdAt, message: { role: 'assistant', content: '', ...message }, done: false, ...extra })}\n`;
}

function streamFrames(response: ScriptedResponse, options: { model: string; requestBody: unknown }): WireStream {
  const model = options.model;
  if ((options.requestBody as { stream?: unknown } | undefined)?.stream === false) return wholeReply(response, model);
  const frames: string[] = [];
  for (const thinking of response.reasoning?.text ?? []) frames.push(line(model, { thinking }));
  for (const content of response.text ?? []) frames.push(line(model, { content }));
  const calls = response.toolCalls ?? [];
  if (calls.length > 0) {
    frames.push(
      line(model, {
        tool_calls: calls.map((call, index) => ({
          id: call.id,
          function: { index, name: call.name, arguments: call.arguments ?? {} },
        })),
      }),
    );
  }
  const usage = response.usage ?? { inputTokens: 10, outputTokens: 5 };
  frames.push(
    line(
      model,
      {},
      {
        done: true,
        done_reason: doneReasons[response.finishReason ?? 'stop'],
        total_duration: 5_000_000,
        load_duration: 1_000_000,
        prompt_eval_count: usage.inputTokens,
        prompt_eval_duration: 1_000_000,
        eval_count: usage.outputTokens,
        eval_duration: 2_000_000,
      },
    ),
  );
  return { contentType: 'application/x-ndjson', frames };
}

/** The reply to `stream: false`: one JSON object holding the whole message. */
function wholeReply(response: ScriptedResponse, model: string): WireStream {
  const streamed = streamFrames(response, { model, requestBody: undefined }).frames.map(
    (frame) => JSON.parse(frame) as { message: Record<string, unknown> } & Record<string, unknown>,
  );
  const last = streamed.at(-1) ?? { message: {} };
  const message: Record<string, unknown> = { role: 'assistant', content: '' };
  let thinking = '';
  for (const frame of streamed) {
    message.content = `${message.content}${String(frame.message.content ?? '')}`;
    thinking += String(frame.message.thinking ?? '');
    if (frame.message.tool_calls) message.tool_calls = frame.message.tool_calls;
  }
  if (thinking) message.thinking = thinking;
  return { contentType: 'application/json; charset=utf-8', frames: [JSON.stringify({ ...last, message })] };
}

const errors: Record<WireErrorKind, { status: number; message: string }> = {
  // A bare Ollama has no authentication; these are what ollama.com or an authenticating proxy send.
  auth: { status: 401, message: 'unauthorized' },
  forbidden: { status: 403, message: 'forbidden' },
  'rate-limit': { status: 429, message: 'too many requests' },
  server: { status: 500, message: 'llama runner process has terminated: exit status 2' },
  overloaded: { status: 503, message: 'server busy, please try again.  maximum pending requests exceeded' },
  'context-length': { status: 400, message: 'the input length exceeds the context length' },
  'bad-request': { status: 400, message: 'invalid message format' },
};

function errorResponse(kind: WireErrorKind, options: { retryAfterSeconds?: number } = {}): WireHttpResponse {
  const error = errors[kind];
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (options.retryAfterSeconds !== undefined) headers['retry-after'] = String(options.retryAfterSeconds);
  return { status: error.status, headers, body: JSON.stringify({ error: error.message }) };
}

function malformedStream(options: { model: string }): WireStream {
  return {
    contentType: 'application/x-ndjson',
    frames: [
      line(options.model, { content: 'Hel' }),
      '{"model":"broken","message":{"role":"assistant","content":"lo"\n',
    ],
  };
}

type ChatMessage = {
  role?: string;
  content?: string;
  images?: unknown[];
  tool_name?: string;
  tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: unknown } }>;
};

function summariseMessage(message: ChatMessage): WireMessageSummary {
  if (message.role === 'tool') {
    return { role: 'tool', text: message.content ?? '', ...(message.tool_name ? { toolName: message.tool_name } : {}) };
  }
  const summary: WireMessageSummary = {
    role: message.role === 'assistant' ? 'assistant' : 'user',
    text: message.content ?? '',
  };
  if (message.images && message.images.length > 0) summary.hasImage = true;
  if (message.tool_calls && message.tool_calls.length > 0) {
    summary.toolCalls = message.tool_calls.map((call) => ({
      ...(call.id === undefined ? {} : { id: call.id }),
      name: call.function?.name ?? '',
      arguments: call.function?.arguments ?? {},
    }));
  }
  return summary;
}

function parseRequest(body: unknown): WireRequestSummary {
  const request = (body ?? {}) as Record<string, unknown>;
  const messages = (request.messages as ChatMessage[] | undefined) ?? [];
  // Ollama has no tool_choice; Troupe's provider states it in a system message starting with this.
  const isChoice = (message: ChatMessage) =>
    message.role === 'system' && (message.content ?? '').startsWith('Tool use: ');
  const choice = messages.find(isChoice)?.content ?? '';
  const system = messages
    .filter((message) => message.role === 'system' && !isChoice(message))
    .map((message) => message.content ?? '');
  const options = (request.options ?? {}) as Record<string, unknown>;
  const summary: WireRequestSummary = {
    messages: messages.filter((message) => message.role !== 'system').map(summariseMessage),
    tools: ((request.tools as Array<{ function?: Record<string, unknown> }> | undefined) ?? []).map((tool) => ({
      name: String(tool.function?.name),
      ...(typeof tool.function?.description === 'string' ? { description: tool.function.description } : {}),
      parameters: tool.function?.parameters,
    })),
    // Ollama streams unless told otherwise.
    stream: request.stream !== false,
  };
  if (typeof request.model === 'string') summary.model = request.model;
  if (system.length > 0) summary.system = system.join('\n');
  const named = /call the tool "([^"]+)"/.exec(choice)?.[1];
  if (named !== undefined) summary.toolChoice = { name: named };
  else if (choice.includes('must call one or more')) summary.toolChoice = 'required';
  else if (choice.includes('do not call any tool')) summary.toolChoice = 'none';
  if (typeof options.temperature === 'number') summary.temperature = options.temperature;
  if (typeof options.num_predict === 'number') summary.maxOutputTokens = options.num_predict;
  if (Array.isArray(options.stop)) summary.stop = options.stop as string[];
  if (request.format !== undefined) {
    summary.json = true;
    if (typeof request.format === 'object') summary.jsonSchema = request.format;
  }
  return summary;
}

/** Ollama's native chat API (`POST /api/chat`, NDJSON). */
export const ollamaWire: WireFormat = {
  name: 'ollama',
  accepts: (method, path) => method === 'POST' && path.split('?')[0] === '/api/chat',
  streamFrames,
  errorResponse,
  malformedStream,
  parseRequest,
};
