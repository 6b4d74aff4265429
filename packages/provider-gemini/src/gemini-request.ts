import type { Message, ModelRequest, ToolCall, ToolChoice, ToolMessage } from '@troupe/core';
import { isEmptyObjectSchema, toGeminiSchema } from './gemini-schema.ts';

/** A Gemini content part as sent on the wire (the fields Troupe writes). */
export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  functionCall?: { id?: string; name: string; args: Record<string, unknown> };
  functionResponse?: { id?: string; name: string; response: Record<string, unknown> };
}

/** One turn of a Gemini conversation. */
export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

/** The `config` of a `generateContentStream` call, as far as Troupe fills it. */
export interface GeminiConfig {
  systemInstruction?: string;
  tools?: Array<{ functionDeclarations: Array<{ name: string; description?: string; parameters?: unknown }> }>;
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  temperature?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  responseMimeType?: string;
  responseSchema?: unknown;
  thinkingConfig?: { includeThoughts?: boolean; thinkingBudget?: number; thinkingLevel?: string };
  cachedContent?: string;
  [key: string]: unknown;
}

/** The prefix of the ids Troupe makes up for Gemini function calls that come without one. */
export const syntheticIdPrefix = 'gemini-call-';

const thinkingLevels = { low: 'LOW', medium: 'MEDIUM', high: 'HIGH' } as const;

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function thoughtSignatureOf(call: ToolCall): string | undefined {
  const signature = call.providerMetadata?.gemini?.thoughtSignature;
  return typeof signature === 'string' ? signature : undefined;
}

function functionResponse(message: ToolMessage, call: ToolCall | undefined): GeminiPart {
  const name = call?.name ?? message.toolName;
  const response = message.isError ? { error: message.content } : { output: message.content };
  const id = call !== undefined && !call.id.startsWith(syntheticIdPrefix) ? call.id : undefined;
  return { functionResponse: { ...(id === undefined ? {} : { id }), name, response } };
}

/** Maps history onto Gemini contents plus the system instruction found in it. */
export function toGeminiContents(messages: Message[]): { system: string[]; contents: GeminiContent[] } {
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  const calls = new Map<string, { call: ToolCall; order: number }>();
  const push = (role: GeminiContent['role'], parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  let pendingResults: ToolMessage[] = [];
  const flushResults = () => {
    if (pendingResults.length === 0) return;
    // Gemini matches responses to calls by name and position: answer in the order the calls were made.
    const ordered = [...pendingResults].sort(
      (a, b) =>
        (calls.get(a.toolCallId)?.order ?? Number.MAX_SAFE_INTEGER) -
        (calls.get(b.toolCallId)?.order ?? Number.MAX_SAFE_INTEGER),
    );
    push(
      'user',
      ordered.map((message) => functionResponse(message, calls.get(message.toolCallId)?.call)),
    );
    pendingResults = [];
  };
  for (const message of messages) {
    if (message.role === 'tool') {
      pendingResults.push(message);
      continue;
    }
    flushResults();
    switch (message.role) {
      case 'system':
        system.push(message.content);
        break;
      case 'user': {
        if (typeof message.content === 'string') {
          push('user', [{ text: message.content }]);
          break;
        }
        const parts: GeminiPart[] = [];
        for (const part of message.content) {
          if (part.type === 'text') parts.push({ text: part.text });
          else if (part.type === 'image') parts.push({ inlineData: { mimeType: part.mediaType, data: part.data } });
        }
        push('user', parts);
        break;
      }
      case 'assistant': {
        const parts: GeminiPart[] = [];
        for (const part of message.content) {
          if (part.type === 'reasoning') {
            // Only signed thoughts are worth returning: Gemini validates the signature, not the text.
            if (part.signature) parts.push({ text: part.text, thought: true, thoughtSignature: part.signature });
          } else if (part.type === 'text') {
            if (part.text.length > 0) parts.push({ text: part.text });
          } else {
            parts.push({ inlineData: { mimeType: part.mediaType, data: part.data } });
          }
        }
        (message.toolCalls ?? []).forEach((call, order) => {
          calls.set(call.id, { call, order });
          const signature = thoughtSignatureOf(call);
          const id = call.id.startsWith(syntheticIdPrefix) ? undefined : call.id;
          parts.push({
            functionCall: { ...(id === undefined ? {} : { id }), name: call.name, args: asRecord(call.arguments) },
            ...(signature === undefined ? {} : { thoughtSignature: signature }),
          });
        });
        push('model', parts);
        break;
      }
    }
  }
  flushResults();
  return { system, contents };
}

function toolConfig(choice: ToolChoice): NonNullable<GeminiConfig['toolConfig']> {
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
}

/** Builds the contents and config of a `generateContentStream` call. */
export function toGeminiRequest(request: ModelRequest): { contents: GeminiContent[]; config: GeminiConfig } {
  const converted = toGeminiContents(request.messages);
  const system = [...(request.system ? [request.system] : []), ...converted.system];
  const config: GeminiConfig = {};
  if (system.length > 0) config.systemInstruction = system.join('\n\n');
  if (request.tools && request.tools.length > 0) {
    config.tools = [
      {
        functionDeclarations: request.tools.map((tool) => {
          const parameters = toGeminiSchema(tool.inputSchema);
          return {
            name: tool.name,
            ...(tool.description === undefined ? {} : { description: tool.description }),
            // Gemini rejects an object schema without properties; a tool without arguments sends none.
            ...(isEmptyObjectSchema(parameters) ? {} : { parameters }),
          };
        }),
      },
    ];
    if (request.toolChoice !== undefined) config.toolConfig = toolConfig(request.toolChoice);
  }
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.maxOutputTokens !== undefined) config.maxOutputTokens = request.maxOutputTokens;
  if (request.stop && request.stop.length > 0) config.stopSequences = request.stop;
  if (request.responseFormat?.type === 'json') {
    config.responseMimeType = 'application/json';
    if (request.responseFormat.schema !== undefined)
      config.responseSchema = toGeminiSchema(request.responseFormat.schema);
  }
  if (request.reasoning?.budgetTokens !== undefined) {
    config.thinkingConfig = { includeThoughts: true, thinkingBudget: request.reasoning.budgetTokens };
  } else if (request.reasoning?.effort !== undefined) {
    config.thinkingConfig = { includeThoughts: true, thinkingLevel: thinkingLevels[request.reasoning.effort] };
  }
  // Gemini caches implicitly; `cache: { key }` names an explicit cached content resource.
  if (typeof request.cache === 'object' && request.cache.key !== undefined) config.cachedContent = request.cache.key;
  const extra = request.providerOptions?.gemini;
  return { contents: converted.contents, config: extra ? { ...config, ...extra } : config };
}
