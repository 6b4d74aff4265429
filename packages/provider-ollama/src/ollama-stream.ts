import type { FinishReason, ModelChunk, ToolCall } from '@troupe/core';

/** One `/api/chat` response object (a streamed line, or the whole non-streamed reply). */
export interface OllamaChatChunk {
  message?: {
    content?: string;
    thinking?: string;
    /** Some Ollama-compatible servers name the thinking field like this. */
    reasoning_content?: string;
    tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: unknown; index?: number } }>;
  };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
}

/** The prefix of the ids Troupe gives Ollama tool calls, which carry none of their own. */
export const ollamaCallIdPrefix = 'ollama-call-';

function parseArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? {};
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/**
 * Turns Ollama chat responses into model chunks. Tool calls arrive whole (streaming or not); each
 * gets a synthetic id unique within the response (Ollama matches results by tool name and order).
 */
export class OllamaStreamDecoder {
  private callCount = 0;
  private finished = false;
  private readonly nonce: string;

  constructor(nonce: string = Math.random().toString(36).slice(2, 10)) {
    this.nonce = nonce;
  }

  /** True once the `done` object arrived. */
  get complete(): boolean {
    return this.finished;
  }

  /** The chunks for one response object. */
  decode(chunk: OllamaChatChunk): ModelChunk[] {
    const output: ModelChunk[] = [];
    const message = chunk.message;
    const thinking = message?.thinking ?? message?.reasoning_content;
    if (thinking) output.push({ type: 'reasoning-delta', text: thinking });
    if (message?.content) output.push({ type: 'text-delta', text: message.content });
    for (const raw of message?.tool_calls ?? []) {
      const index = this.callCount;
      this.callCount += 1;
      const name = raw.function?.name ?? '';
      const args = parseArguments(raw.function?.arguments);
      const call: ToolCall = { id: raw.id ?? `${ollamaCallIdPrefix}${this.nonce}-${index}`, name, arguments: args };
      output.push({ type: 'tool-call-delta', index, id: call.id, name, argumentsDelta: JSON.stringify(args) });
      output.push({ type: 'tool-call', call });
    }
    if (chunk.done) {
      this.finished = true;
      output.push({
        type: 'usage',
        usage: { inputTokens: chunk.prompt_eval_count ?? 0, outputTokens: chunk.eval_count ?? 0 },
      });
      output.push({ type: 'finish', reason: this.reason(chunk.done_reason) });
    }
    return output;
  }

  private reason(doneReason: string | undefined): FinishReason {
    if (doneReason === 'length') return 'length';
    if (doneReason === 'stop' || doneReason === undefined) return this.callCount > 0 ? 'tool-calls' : 'stop';
    return 'other';
  }
}
