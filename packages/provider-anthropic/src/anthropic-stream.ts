import { type FinishReason, type ModelChunk, ProviderProtocolError, type Usage } from '@troupe/core';

const provider = 'anthropic';

/** The parts of Anthropic's usage objects that Troupe reads. */
interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/** One raw server-sent event of the Messages stream, loosely typed: vendors add fields over time. */
export interface AnthropicStreamEvent {
  type: string;
  index?: number;
  message?: { id?: string; usage?: AnthropicUsage };
  content_block?: { type: string; id?: string; name?: string; input?: unknown; text?: string; thinking?: string };
  delta?: {
    type?: string;
    text?: string;
    thinking?: string;
    signature?: string;
    partial_json?: string;
    stop_reason?: string | null;
  };
  usage?: AnthropicUsage;
}

const finishReasons: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  refusal: 'content-filter',
};

interface OpenToolCall {
  ordinal: number;
  id: string;
  name: string;
  json: string;
  /** Input given whole in `content_block_start` (non-streaming servers) instead of as deltas. */
  startInput: unknown;
}

/**
 * Turns Anthropic stream events into model chunks. Handles the quirks seen in production: `ping`
 * events and a `message_start` sent twice are ignored; a different message spliced into the open
 * one is a `ProviderProtocolError` (retryable) rather than a mix of two answers.
 */
export class AnthropicStreamDecoder {
  private messageId: string | undefined;
  private started = false;
  private stopped = false;
  private readonly openCalls = new Map<number, OpenToolCall>();
  private toolCallCount = 0;
  private usage: AnthropicUsage = {};
  private stopReason: string | null | undefined;

  /** True once `message_stop` arrived. */
  get complete(): boolean {
    return this.stopped;
  }

  /** The chunks for one event. */
  decode(event: AnthropicStreamEvent): ModelChunk[] {
    switch (event.type) {
      case 'message_start':
        return this.onMessageStart(event);
      case 'content_block_start':
        return this.onBlockStart(event);
      case 'content_block_delta':
        return this.onBlockDelta(event);
      case 'content_block_stop':
        return this.onBlockStop(event);
      case 'message_delta':
        if (event.delta?.stop_reason !== undefined) this.stopReason = event.delta.stop_reason;
        if (event.usage) this.usage = { ...this.usage, ...definedOnly(event.usage) };
        return [];
      case 'message_stop':
        return this.onMessageStop();
      default:
        // `ping` and event types added after this code was written.
        return [];
    }
  }

  private onMessageStart(event: AnthropicStreamEvent): ModelChunk[] {
    const id = event.message?.id;
    if (this.started) {
      if (id === this.messageId) return [];
      // A different message spliced into the open one: its blocks and the open ones would mix, so
      // nothing of this response can be trusted. Retrying the call gets a clean stream.
      throw new ProviderProtocolError(
        `Anthropic started message ${id ?? '(no id)'} while message ${this.messageId ?? '(no id)'} was still open.`,
        { provider },
      );
    }
    this.started = true;
    this.messageId = id;
    this.usage = definedOnly(event.message?.usage ?? {});
    return [];
  }

  private onBlockStart(event: AnthropicStreamEvent): ModelChunk[] {
    this.requireStarted(event);
    const block = event.content_block;
    // The API opens blocks empty; compatible servers sometimes put the first text in the start event.
    if (block?.type === 'text') return block.text ? [{ type: 'text-delta', text: block.text }] : [];
    if (block?.type === 'thinking') return block.thinking ? [{ type: 'reasoning-delta', text: block.thinking }] : [];
    if (block?.type !== 'tool_use') return [];
    const input = block.input;
    const hasInput = typeof input === 'object' && input !== null && Object.keys(input).length > 0;
    const call: OpenToolCall = {
      ordinal: this.toolCallCount,
      id: block.id ?? '',
      name: block.name ?? '',
      json: '',
      startInput: hasInput ? input : undefined,
    };
    this.toolCallCount += 1;
    this.openCalls.set(event.index ?? -1, call);
    return [{ type: 'tool-call-delta', index: call.ordinal, id: call.id, name: call.name, argumentsDelta: '' }];
  }

  private onBlockDelta(event: AnthropicStreamEvent): ModelChunk[] {
    this.requireStarted(event);
    const delta = event.delta;
    switch (delta?.type) {
      case 'text_delta':
        return delta.text ? [{ type: 'text-delta', text: delta.text }] : [];
      case 'thinking_delta':
        return delta.thinking ? [{ type: 'reasoning-delta', text: delta.thinking }] : [];
      case 'signature_delta':
        return delta.signature ? [{ type: 'reasoning-delta', text: '', signature: delta.signature }] : [];
      case 'input_json_delta': {
        const call = this.openCalls.get(event.index ?? -1);
        if (!call) {
          throw new ProviderProtocolError(
            `Anthropic sent tool input for block ${event.index} that was never started.`,
            {
              provider,
            },
          );
        }
        if (!delta.partial_json) return [];
        call.json += delta.partial_json;
        return [{ type: 'tool-call-delta', index: call.ordinal, argumentsDelta: delta.partial_json }];
      }
      default:
        return [];
    }
  }

  private onBlockStop(event: AnthropicStreamEvent): ModelChunk[] {
    const index = event.index ?? -1;
    const call = this.openCalls.get(index);
    if (!call) return [];
    this.openCalls.delete(index);
    let args: unknown = call.startInput ?? {};
    if (call.json.trim().length > 0) {
      try {
        args = JSON.parse(call.json);
      } catch (error) {
        throw new ProviderProtocolError(
          `Anthropic sent tool call ${call.name} with arguments that are not valid JSON.`,
          {
            provider,
            cause: error,
          },
        );
      }
    }
    return [{ type: 'tool-call', call: { id: call.id, name: call.name, arguments: args } }];
  }

  private onMessageStop(): ModelChunk[] {
    this.stopped = true;
    const chunks: ModelChunk[] = [{ type: 'usage', usage: toUsage(this.usage) }];
    const reason = this.stopReason ? (finishReasons[this.stopReason] ?? 'other') : 'other';
    chunks.push({ type: 'finish', reason });
    return chunks;
  }

  private requireStarted(event: AnthropicStreamEvent): void {
    if (!this.started) {
      throw new ProviderProtocolError(`Anthropic sent ${event.type} before message_start.`, { provider });
    }
  }
}

function definedOnly(usage: AnthropicUsage): AnthropicUsage {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(usage)) if (value !== null && value !== undefined) result[key] = value;
  return result as AnthropicUsage;
}

/** Anthropic counts cache reads and writes apart from `input_tokens`; core counts them inside. */
export function toUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const result: Usage = {
    inputTokens: (usage.input_tokens ?? 0) + cacheRead + cacheWrite,
    outputTokens: usage.output_tokens ?? 0,
  };
  if (usage.cache_read_input_tokens !== undefined && usage.cache_read_input_tokens !== null) {
    result.cachedInputTokens = cacheRead;
  }
  const thinking = usage.output_tokens_details?.thinking_tokens;
  if (thinking !== undefined && thinking !== null) result.reasoningTokens = thinking;
  return result;
}
