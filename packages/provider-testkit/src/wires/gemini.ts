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

// Gemini `models/{model}:streamGenerateContent?alt=sse` (Gemini API and Vertex AI): server-sent
// events of `data: <GenerateContentResponse JSON>`, as documented at ai.google.dev/api/generate-content.
// Function calls carry the scripted id in FunctionCall's optional `id` field (the public API often
// leaves it out; providers must then make up ids); thought signatures ride on parts.

const finishReasons: Record<FinishReason, string> = {
  stop: 'STOP',
  'tool-calls': 'STOP',
  length: 'MAX_TOKENS',
  'content-filter': 'SAFETY',
  other: 'OTHER',
};

const responseId = 'TroupeFixtureResponse01';

type Part = Record<string, unknown>;

function frame(parts: Part[], model: string, extra: Record<string, unknown> = {}): string {
  const { finishReason, ...rest } = extra;
  const candidate: Record<string, unknown> = { content: { parts, role: 'model' }, index: 0 };
  if (finishReason !== undefined) candidate.finishReason = finishReason;
  return `data: ${JSON.stringify({ candidates: [candidate], ...rest, modelVersion: model, responseId })}\n\n`;
}

function splitInto(text: string, pieces: number): string[] {
  if (pieces <= 1 || text.length <= 1) return [text];
  const size = Math.ceil(text.length / pieces);
  const parts: string[] = [];
  for (let start = 0; start < text.length; start += size) parts.push(text.slice(start, start + size));
  return parts;
}

type Leaf = { jsonPath: string; value: unknown };

/** The leaves of a JSON value with their JSON paths; undefined when an empty container makes that lossy. */
function leavesOf(value: unknown, path = '$'): Leaf[] | undefined {
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    const leaves: Leaf[] = [];
    for (const [index, item] of value.entries()) {
      const inner = leavesOf(item, `${path}[${index}]`);
      if (!inner) return undefined;
      leaves.push(...inner);
    }
    return leaves;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return undefined;
    const leaves: Leaf[] = [];
    for (const [key, item] of entries) {
      const inner = leavesOf(item, /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}['${key}']`);
      if (!inner) return undefined;
      leaves.push(...inner);
    }
    return leaves;
  }
  return [{ jsonPath: path, value }];
}

/** Function-call argument streaming (Vertex `streamFunctionCallArguments`): one part per fragment. */
function streamedCallParts(
  call: NonNullable<ScriptedResponse['toolCalls']>[number],
  signature?: string,
): Part[][] | undefined {
  const leaves = leavesOf(call.arguments);
  if (!leaves) return undefined;
  const opening: Part = { functionCall: { id: call.id, name: call.name, willContinue: true } };
  if (signature !== undefined) opening.thoughtSignature = signature;
  const frames: Part[][] = [[opening]];
  const pieces = Math.max(1, Math.ceil((call.argumentChunks ?? 3) / leaves.length));
  for (const leaf of leaves) {
    if (typeof leaf.value === 'string') {
      for (const piece of splitInto(leaf.value, pieces)) {
        frames.push([
          {
            functionCall: {
              partialArgs: [{ jsonPath: leaf.jsonPath, stringValue: piece, willContinue: true }],
              willContinue: true,
            },
          },
        ]);
      }
      frames.push([
        { functionCall: { partialArgs: [{ jsonPath: leaf.jsonPath, stringValue: '' }], willContinue: true } },
      ]);
    } else {
      const partial: Record<string, unknown> = { jsonPath: leaf.jsonPath };
      if (typeof leaf.value === 'number') partial.numberValue = leaf.value;
      else if (typeof leaf.value === 'boolean') partial.boolValue = leaf.value;
      else partial.nullValue = 'NULL_VALUE';
      frames.push([{ functionCall: { partialArgs: [partial], willContinue: true } }]);
    }
  }
  frames.push([{ functionCall: {} }]);
  return frames;
}

function usageMetadata(response: ScriptedResponse): Record<string, unknown> {
  const usage = response.usage ?? { inputTokens: 10, outputTokens: 5 };
  const thoughts = usage.reasoningTokens ?? 0;
  const metadata: Record<string, unknown> = {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: usage.outputTokens - thoughts,
    totalTokenCount: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cachedInputTokens !== undefined) metadata.cachedContentTokenCount = usage.cachedInputTokens;
  if (usage.reasoningTokens !== undefined) metadata.thoughtsTokenCount = usage.reasoningTokens;
  return metadata;
}

function modelFromPath(path: string): string | undefined {
  return /\/models\/([^/:]+):/.exec(path)?.[1];
}

function streamFrames(response: ScriptedResponse, options: { model: string; requestBody: unknown }): WireStream {
  const model = options.model;
  const frames: string[] = [];
  for (const text of response.reasoning?.text ?? []) frames.push(frame([{ text, thought: true }], model));
  if (response.reasoning?.signature !== undefined) {
    frames.push(frame([{ text: '', thoughtSignature: response.reasoning.signature }], model));
  }
  for (const text of response.text ?? []) frames.push(frame([{ text }], model));
  for (const call of response.toolCalls ?? []) {
    const signature = call.providerMetadata?.gemini?.thoughtSignature as string | undefined;
    const streamed =
      call.argumentChunks !== undefined && call.argumentChunks > 1 ? streamedCallParts(call, signature) : undefined;
    if (streamed) {
      for (const parts of streamed) frames.push(frame(parts, model));
      continue;
    }
    const part: Part = { functionCall: { id: call.id, name: call.name, args: call.arguments ?? {} } };
    if (signature !== undefined) part.thoughtSignature = signature;
    frames.push(frame([part], model));
  }
  const finishReason = finishReasons[response.finishReason ?? 'stop'];
  // The closing frame carries the finish reason and the usage, with an empty text part.
  frames.push(frame([{ text: '' }], model, { finishReason, usageMetadata: usageMetadata(response) }));
  return { contentType: 'text/event-stream', frames };
}

const errors: Record<WireErrorKind, { status: number; code: string; message: string; reason?: string }> = {
  auth: {
    status: 401,
    code: 'UNAUTHENTICATED',
    message: 'Request had invalid authentication credentials.',
    reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
  },
  forbidden: {
    status: 403,
    code: 'PERMISSION_DENIED',
    message: "Method doesn't allow unregistered callers (callers without established identity).",
  },
  'rate-limit': {
    status: 429,
    code: 'RESOURCE_EXHAUSTED',
    message: 'You exceeded your current quota, please check your plan and billing details.',
  },
  server: { status: 500, code: 'INTERNAL', message: 'An internal error has occurred.' },
  overloaded: { status: 503, code: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  'context-length': {
    status: 400,
    code: 'INVALID_ARGUMENT',
    message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
  },
  'bad-request': {
    status: 400,
    code: 'INVALID_ARGUMENT',
    message: 'Invalid value at \'generation_config.temperature\' (TYPE_FLOAT), "hot"',
  },
};

function errorResponse(kind: WireErrorKind, options: { retryAfterSeconds?: number } = {}): WireHttpResponse {
  const error = errors[kind];
  const details: unknown[] = [];
  if (error.reason !== undefined) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: error.reason,
      domain: 'googleapis.com',
    });
  }
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' };
  if (options.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(options.retryAfterSeconds);
    details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${options.retryAfterSeconds}s` });
  }
  const body: Record<string, unknown> = { code: error.status, message: error.message, status: error.code };
  if (details.length > 0) body.details = details;
  return { status: error.status, headers, body: JSON.stringify({ error: body }) };
}

function malformedStream(options: { model: string }): WireStream {
  return {
    contentType: 'text/event-stream',
    frames: [
      frame([{ text: 'Hel' }], options.model),
      'data: {"candidates":[{"content":{"parts":[{"text":"lo"}],"role":"mod\n\n',
      frame([{ text: '' }], options.model, { finishReason: 'STOP' }),
    ],
  };
}

type Content = { role?: string; parts?: Part[] };

function textOf(parts: Part[]): string {
  return parts.map((part) => (typeof part.text === 'string' && part.thought !== true ? part.text : '')).join('');
}

function summariseContent(content: Content): WireMessageSummary[] {
  const parts = content.parts ?? [];
  if (content.role === 'model') {
    const summary: WireMessageSummary = { role: 'assistant', text: textOf(parts) };
    const calls = parts.filter((part) => part.functionCall !== undefined);
    if (calls.length > 0) {
      summary.toolCalls = calls.map((part) => {
        const call = part.functionCall as { id?: string; name?: string; args?: unknown };
        return { ...(call.id === undefined ? {} : { id: call.id }), name: call.name ?? '', arguments: call.args ?? {} };
      });
    }
    return [summary];
  }
  const summaries: WireMessageSummary[] = [];
  for (const part of parts) {
    const response = part.functionResponse as
      | { id?: string; name?: string; response?: Record<string, unknown> }
      | undefined;
    if (!response) continue;
    const value = response.response?.output ?? response.response?.error ?? response.response;
    const summary: WireMessageSummary = {
      role: 'tool',
      text: typeof value === 'string' ? value : JSON.stringify(value),
      toolName: response.name ?? '',
    };
    if (response.id !== undefined) summary.toolCallId = response.id;
    summaries.push(summary);
  }
  const rest = parts.filter((part) => part.functionResponse === undefined);
  if (rest.length > 0) {
    const summary: WireMessageSummary = { role: 'user', text: textOf(rest) };
    if (rest.some((part) => part.inlineData !== undefined)) summary.hasImage = true;
    summaries.push(summary);
  }
  return summaries;
}

/** The SDK sends OpenAPI type names upper-cased (`OBJECT`); the summary speaks JSON Schema. */
function lowerCaseTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lowerCaseTypes);
  if (typeof schema !== 'object' || schema === null) return schema;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    result[key] = key === 'type' && typeof value === 'string' ? value.toLowerCase() : lowerCaseTypes(value);
  }
  return result;
}

function parseRequest(body: unknown, path: string): WireRequestSummary {
  const request = (body ?? {}) as Record<string, unknown>;
  const generation = (request.generationConfig ?? {}) as Record<string, unknown>;
  const declarations = (
    (request.tools as Array<{ functionDeclarations?: Array<Record<string, unknown>> }> | undefined) ?? []
  ).flatMap((tool) => tool.functionDeclarations ?? []);
  const summary: WireRequestSummary = {
    messages: ((request.contents as Content[] | undefined) ?? []).flatMap(summariseContent),
    tools: declarations.map((declaration) => ({
      name: String(declaration.name),
      ...(typeof declaration.description === 'string' ? { description: declaration.description } : {}),
      parameters: lowerCaseTypes(declaration.parameters ?? declaration.parametersJsonSchema),
    })),
    stream: /:streamGenerateContent$/.test(path),
  };
  const model = modelFromPath(path);
  if (model !== undefined) summary.model = model;
  const system = request.systemInstruction as Content | undefined;
  if (system) summary.system = (system.parts ?? []).map((part) => String(part.text ?? '')).join('\n');
  const calling = (
    request.toolConfig as { functionCallingConfig?: { mode?: string; allowedFunctionNames?: string[] } } | undefined
  )?.functionCallingConfig;
  if (calling?.mode === 'AUTO') summary.toolChoice = 'auto';
  else if (calling?.mode === 'NONE') summary.toolChoice = 'none';
  else if (calling?.mode === 'ANY') {
    const only = calling.allowedFunctionNames;
    summary.toolChoice = only?.length === 1 && only[0] !== undefined ? { name: only[0] } : 'required';
  }
  if (typeof generation.temperature === 'number') summary.temperature = generation.temperature;
  if (typeof generation.maxOutputTokens === 'number') summary.maxOutputTokens = generation.maxOutputTokens;
  if (Array.isArray(generation.stopSequences)) summary.stop = generation.stopSequences as string[];
  if (generation.responseMimeType === 'application/json') {
    summary.json = true;
    const schema = generation.responseSchema ?? generation.responseJsonSchema;
    if (schema !== undefined) summary.jsonSchema = lowerCaseTypes(schema);
  }
  return summary;
}

/** The Gemini API / Vertex AI `streamGenerateContent` (server-sent events). */
export const geminiWire: WireFormat = {
  name: 'gemini',
  accepts: (method, path) => method === 'POST' && /:streamGenerateContent$/.test(path.split('?')[0] ?? ''),
  streamFrames,
  errorResponse,
  malformedStream,
  parseRequest,
};
