import type { FinishReason, ModelChunk, ToolCall, Usage } from '@troupe/core';
import { ProviderProtocolError } from '@troupe/core';

// The parts of a Chat Completions chunk this reads. Typed loosely on purpose: compatible servers
// add fields (reasoning_content, reasoning) and omit others (tool call index, id).
interface ToolCallDelta {
  index?: number;
  id?: string | null;
  function?: { name?: string | null; arguments?: unknown } | null;
}
interface ChunkDelta {
  content?: unknown;
  refusal?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: ToolCallDelta[] | null;
}
export interface ChatChunk {
  id?: string;
  choices?: Array<{ index?: number; delta?: ChunkDelta | null; finish_reason?: string | null }> | null;
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number | null } | null;
    completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  } | null;
}

interface PendingCall {
  id: string | undefined;
  name: string | undefined;
  arguments: string;
}

const finishReasons: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  content_filter: 'content-filter',
};

/**
 * Folds Chat Completions chunks into model chunks: text and reasoning deltas as they come, tool
 * calls assembled by index into complete calls with parsed arguments, usage and the finish reason
 * last. One instance per response.
 */
export class ChatStreamMapper {
  private readonly calls = new Map<number, PendingCall>();
  private lastCallIndex = -1;
  private responseId = '';
  private finishReason: string | undefined;
  private usage: Usage | undefined;
  private callsEmitted = false;

  constructor(private readonly provider: string) {}

  /** The model chunks one vendor chunk amounts to. */
  map(chunk: ChatChunk): ModelChunk[] {
    const out: ModelChunk[] = [];
    if (typeof chunk.id === 'string' && chunk.id.length > 0 && this.responseId === '') this.responseId = chunk.id;
    if (chunk.usage) this.usage = mapUsage(chunk.usage);
    // Only the first choice is read: requests never ask for more than one.
    const choice = chunk.choices?.find((candidate) => (candidate.index ?? 0) === 0);
    if (choice === undefined) return out;
    const delta = choice.delta ?? {};
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === 'string' && reasoning.length > 0) out.push({ type: 'reasoning-delta', text: reasoning });
    this.mapContent(delta.content, out);
    if (typeof delta.refusal === 'string' && delta.refusal.length > 0)
      out.push({ type: 'text-delta', text: delta.refusal });
    for (const call of delta.tool_calls ?? []) this.mapToolCall(call, out);
    if (typeof choice.finish_reason === 'string' && choice.finish_reason.length > 0) {
      this.finishReason = choice.finish_reason;
      // The calls are complete once the choice finishes; emit them now rather than after usage.
      out.push(...this.completeCalls());
    }
    return out;
  }

  /** The closing chunks once the stream has ended; throws when it ended before finishing. */
  end(): ModelChunk[] {
    if (this.finishReason === undefined) {
      throw new ProviderProtocolError(
        `The ${this.provider} stream ended before the response finished (no finish_reason).`,
        {
          provider: this.provider,
        },
      );
    }
    const out = this.completeCalls();
    if (this.usage !== undefined) out.push({ type: 'usage', usage: this.usage });
    let reason = finishReasons[this.finishReason] ?? 'other';
    // Some compatible servers report `stop` although the response is tool calls.
    if (reason === 'stop' && this.calls.size > 0) reason = 'tool-calls';
    out.push({ type: 'finish', reason });
    return out;
  }

  private mapContent(content: unknown, out: ModelChunk[]): void {
    if (typeof content === 'string') {
      if (content.length > 0) out.push({ type: 'text-delta', text: content });
      return;
    }
    // Mistral streams content as parts: text, and thinking made of text parts.
    if (!Array.isArray(content)) return;
    for (const part of content as Array<Record<string, unknown>>) {
      if (part?.type === 'text' && typeof part.text === 'string' && part.text.length > 0) {
        out.push({ type: 'text-delta', text: part.text });
      } else if (part?.type === 'thinking' && Array.isArray(part.thinking)) {
        for (const inner of part.thinking as Array<Record<string, unknown>>) {
          if (typeof inner?.text === 'string' && inner.text.length > 0)
            out.push({ type: 'reasoning-delta', text: inner.text });
        }
      }
    }
  }

  private mapToolCall(call: ToolCallDelta, out: ModelChunk[]): void {
    let index = call.index;
    if (typeof index !== 'number') {
      // No index (Mistral): a new id opens a new call; otherwise it continues the last one.
      const known = [...this.calls.values()].some((pending) => pending.id !== undefined && pending.id === call.id);
      index = call.id && !known ? this.calls.size : Math.max(0, this.lastCallIndex);
    }
    this.lastCallIndex = index;
    let pending = this.calls.get(index);
    const isNew = pending === undefined;
    if (pending === undefined) {
      pending = { id: undefined, name: undefined, arguments: '' };
      this.calls.set(index, pending);
    }
    const announced: { id?: string; name?: string } = {};
    if (typeof call.id === 'string' && call.id.length > 0 && pending.id === undefined) {
      pending.id = call.id;
      announced.id = call.id;
    }
    const name = call.function?.name;
    // Later frames may repeat the name or send it empty; the first non-empty one counts.
    if (typeof name === 'string' && name.length > 0 && pending.name === undefined) {
      pending.name = name;
      announced.name = name;
    }
    const raw = call.function?.arguments;
    const piece = typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : JSON.stringify(raw);
    pending.arguments += piece;
    if (piece.length > 0 || isNew || announced.id !== undefined || announced.name !== undefined) {
      out.push({ type: 'tool-call-delta', index, ...announced, argumentsDelta: piece });
    }
  }

  private completeCalls(): ModelChunk[] {
    if (this.callsEmitted) return [];
    this.callsEmitted = true;
    const out: ModelChunk[] = [];
    for (const index of [...this.calls.keys()].sort((a, b) => a - b)) {
      const pending = this.calls.get(index) as PendingCall;
      if (pending.name === undefined) {
        throw new ProviderProtocolError(`The ${this.provider} stream sent tool call #${index} without a name.`, {
          provider: this.provider,
        });
      }
      const call: ToolCall = {
        id: pending.id ?? `call_${this.responseId || 'troupe'}_${index}`,
        name: pending.name,
        arguments: parseArguments(pending, this.provider),
      };
      out.push({ type: 'tool-call', call });
    }
    return out;
  }
}

function parseArguments(pending: PendingCall, provider: string): unknown {
  if (pending.arguments.trim().length === 0) return {};
  try {
    return JSON.parse(pending.arguments) as unknown;
  } catch (cause) {
    throw new ProviderProtocolError(
      `The ${provider} model called tool "${pending.name}" with arguments that are not valid JSON: ${pending.arguments.slice(0, 200)}`,
      { provider, cause },
    );
  }
}

function mapUsage(usage: NonNullable<ChatChunk['usage']>): Usage {
  const mapped: Usage = { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number') mapped.cachedInputTokens = cached;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number') mapped.reasoningTokens = reasoning;
  return mapped;
}
