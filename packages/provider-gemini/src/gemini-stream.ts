import { type FinishReason, type ModelChunk, ProviderProtocolError, type ToolCall, type Usage } from '@troupe/core';
import { syntheticIdPrefix } from './gemini-request.ts';

const provider = 'gemini';

/** One streamed argument fragment of Gemini's function-call argument streaming. */
interface PartialArgument {
  jsonPath?: string;
  stringValue?: string;
  numberValue?: number;
  boolValue?: boolean;
  nullValue?: unknown;
  willContinue?: boolean;
}

/** A response part, loosely typed: the API adds fields over time. */
interface ResponsePart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  functionCall?: {
    id?: string;
    name?: string;
    args?: Record<string, unknown>;
    partialArgs?: PartialArgument[];
    willContinue?: boolean;
  };
}

/** One chunk of `streamGenerateContent`, as far as Troupe reads it. */
export interface GeminiStreamChunk {
  responseId?: string;
  candidates?: Array<{ content?: { parts?: ResponsePart[] }; finishReason?: string }>;
  usageMetadata?: {
    promptTokenCount?: number;
    candidatesTokenCount?: number;
    thoughtsTokenCount?: number;
    cachedContentTokenCount?: number;
    toolUsePromptTokenCount?: number;
  };
  promptFeedback?: { blockReason?: string };
}

const filtered = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

interface OpenCall {
  ordinal: number;
  id: string;
  name: string;
  args: Record<string, unknown>;
  thoughtSignature: string | undefined;
}

/** FNV-1a, for stable synthetic ids when the response carries no id of its own. */
function hash(text: string): string {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value.toString(36);
}

function pathTokens(path: string): Array<string | number> {
  const tokens: Array<string | number> = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g;
  for (const match of path.replace(/^\$/, '').matchAll(pattern)) {
    if (match[2] !== undefined) tokens.push(Number(match[2]));
    else tokens.push((match[1] ?? match[3] ?? match[4]) as string);
  }
  return tokens;
}

/** Applies one streamed argument fragment: strings grow by appending, other values are set. */
function applyPartial(target: Record<string, unknown>, partial: PartialArgument): void {
  const tokens = pathTokens(partial.jsonPath ?? '$');
  if (tokens.length === 0) return;
  let node: Record<string | number, unknown> = target;
  tokens.forEach((token, position) => {
    const last = position === tokens.length - 1;
    if (!last) {
      const next = tokens[position + 1];
      if (typeof node[token] !== 'object' || node[token] === null) node[token] = typeof next === 'number' ? [] : {};
      node = node[token] as Record<string | number, unknown>;
      return;
    }
    if (partial.stringValue !== undefined) {
      const existing = node[token];
      node[token] = (typeof existing === 'string' ? existing : '') + partial.stringValue;
    } else if (partial.numberValue !== undefined) node[token] = partial.numberValue;
    else if (partial.boolValue !== undefined) node[token] = partial.boolValue;
    else if ('nullValue' in partial) node[token] = null;
  });
}

/**
 * Turns Gemini stream chunks into model chunks. Function calls come whole (`args`) or, with
 * argument streaming, as a named opening part, `partialArgs` fragments and an empty closing part.
 * Calls without an id get a stable synthetic one (`gemini-call-...`); a part's `thoughtSignature`
 * travels on the call as `providerMetadata.gemini.thoughtSignature`.
 */
export class GeminiStreamDecoder {
  private open: OpenCall | undefined;
  private callCount = 0;
  private usage: GeminiStreamChunk['usageMetadata'];
  private finishReason: string | undefined;
  private blockReason: string | undefined;
  private responseId: string | undefined;

  /** The chunks for one streamed response chunk. */
  decode(chunk: GeminiStreamChunk): ModelChunk[] {
    if (chunk.responseId) this.responseId ??= chunk.responseId;
    if (chunk.usageMetadata) this.usage = chunk.usageMetadata;
    if (chunk.promptFeedback?.blockReason) this.blockReason = chunk.promptFeedback.blockReason;
    const candidate = chunk.candidates?.[0];
    const output: ModelChunk[] = [];
    for (const part of candidate?.content?.parts ?? []) output.push(...this.decodePart(part));
    if (candidate?.finishReason) this.finishReason = candidate.finishReason;
    return output;
  }

  /** The closing chunks once the stream ended; throws when it ended without a finish reason. */
  finish(): ModelChunk[] {
    const output: ModelChunk[] = [];
    // Argument streaming sometimes omits the closing part of the last call before finishing.
    if (this.open) output.push(this.close());
    if (this.finishReason === undefined && this.blockReason === undefined) {
      throw new ProviderProtocolError('The Gemini stream ended without a finish reason (truncated response)', {
        provider,
      });
    }
    if (this.usage) output.push({ type: 'usage', usage: toUsage(this.usage) });
    output.push({ type: 'finish', reason: this.reason() });
    return output;
  }

  private reason(): FinishReason {
    if (this.blockReason !== undefined && this.finishReason === undefined) return 'content-filter';
    const reason = this.finishReason ?? '';
    // FUNCTION_CALL is not in Google's list, but compatible servers (and aimock) send it.
    if (reason === 'STOP' || reason === 'FUNCTION_CALL') return this.callCount > 0 ? 'tool-calls' : 'stop';
    if (reason === 'MAX_TOKENS') return 'length';
    if (filtered.has(reason)) return 'content-filter';
    return 'other';
  }

  private decodePart(part: ResponsePart): ModelChunk[] {
    if (part.functionCall) return this.decodeFunctionCall(part);
    const output: ModelChunk[] = [];
    if (part.thought) {
      if (part.text || part.thoughtSignature) {
        output.push({
          type: 'reasoning-delta',
          text: part.text ?? '',
          ...(part.thoughtSignature ? { signature: part.thoughtSignature } : {}),
        });
      }
      return output;
    }
    if (part.text) output.push({ type: 'text-delta', text: part.text });
    // A signature on a plain text part closes the model's (hidden) thinking for that turn.
    if (part.thoughtSignature) output.push({ type: 'reasoning-delta', text: '', signature: part.thoughtSignature });
    return output;
  }

  private decodeFunctionCall(part: ResponsePart): ModelChunk[] {
    const call = part.functionCall ?? {};
    const output: ModelChunk[] = [];
    if (call.name !== undefined && call.name !== '') {
      if (this.open) output.push(this.close());
      const opened = this.start(call.name, call.id, part.thoughtSignature);
      if (call.args) opened.args = { ...call.args };
      output.push({
        type: 'tool-call-delta',
        index: opened.ordinal,
        id: opened.id,
        name: opened.name,
        argumentsDelta: call.args ? JSON.stringify(call.args) : '',
      });
      for (const partial of call.partialArgs ?? []) applyPartial(opened.args, partial);
      if (!call.willContinue) output.push(this.close());
      return output;
    }
    if (!this.open) {
      if (call.partialArgs && call.partialArgs.length > 0) {
        throw new ProviderProtocolError('Gemini streamed function-call arguments without opening a call.', {
          provider,
        });
      }
      return output;
    }
    if (part.thoughtSignature) this.open.thoughtSignature ??= part.thoughtSignature;
    for (const partial of call.partialArgs ?? []) applyPartial(this.open.args, partial);
    const isClosingPart = call.partialArgs === undefined && call.args === undefined && !call.willContinue;
    if (isClosingPart) output.push(this.close());
    return output;
  }

  private start(name: string, id: string | undefined, thoughtSignature: string | undefined): OpenCall {
    const ordinal = this.callCount;
    this.callCount += 1;
    const open: OpenCall = { ordinal, id: id ?? '', name, args: {}, thoughtSignature };
    this.open = open;
    return open;
  }

  private close(): ModelChunk {
    const open = this.open as OpenCall;
    this.open = undefined;
    const id =
      open.id !== ''
        ? open.id
        : `${syntheticIdPrefix}${this.responseId ?? hash(`${open.name}:${JSON.stringify(open.args)}`)}-${open.ordinal}`;
    const call: ToolCall = { id, name: open.name, arguments: open.args };
    if (open.thoughtSignature !== undefined)
      call.providerMetadata = { gemini: { thoughtSignature: open.thoughtSignature } };
    return { type: 'tool-call', call };
  }
}

/** Gemini counts thoughts apart from candidates; core counts reasoning inside output tokens. */
export function toUsage(usage: NonNullable<GeminiStreamChunk['usageMetadata']>): Usage {
  const thoughts = usage.thoughtsTokenCount;
  const result: Usage = {
    inputTokens: (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0),
    outputTokens: (usage.candidatesTokenCount ?? 0) + (thoughts ?? 0),
  };
  if (usage.cachedContentTokenCount !== undefined) result.cachedInputTokens = usage.cachedContentTokenCount;
  if (thoughts !== undefined) result.reasoningTokens = thoughts;
  return result;
}
