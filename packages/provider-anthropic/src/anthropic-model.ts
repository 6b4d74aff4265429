import Anthropic from '@anthropic-ai/sdk';
import {
  AuthenticationError,
  abortReason,
  type LanguageModel,
  type ModelChunk,
  type ModelRequest,
  ProviderProtocolError,
  type StreamOptions,
} from '@troupe/core';
import { toAnthropicError } from './anthropic-errors.ts';
import { toAnthropicRequest } from './anthropic-request.ts';
import { AnthropicStreamDecoder, type AnthropicStreamEvent } from './anthropic-stream.ts';

/** Options of {@link anthropic}. */
export interface AnthropicOptions {
  /** Model id, e.g. `claude-sonnet-4-5`. */
  model: string;
  /** API key; defaults to the `ANTHROPIC_API_KEY` environment variable. */
  apiKey?: string;
  /** API endpoint; defaults to `ANTHROPIC_BASE_URL` or `https://api.anthropic.com`. */
  baseURL?: string;
  /** A preconfigured SDK client (its own key, base URL and retry settings are used as they are). */
  client?: Anthropic;
  /** Extended thinking for every request that does not set `reasoning` itself. */
  thinking?: { budgetTokens: number };
  /** Prompt caching: `cache_control` breakpoints on the system prompt, the tools and the last message. */
  cache?: boolean;
  /** `max_tokens` when a request sets no `maxOutputTokens` (Anthropic requires one); default 4096. */
  maxOutputTokens?: number;
  /** Extra HTTP headers sent with every request (e.g. `anthropic-beta`). */
  headers?: Record<string, string>;
}

function environmentVariable(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

class AnthropicModel implements LanguageModel {
  readonly provider = 'anthropic';
  readonly modelId: string;
  private client: Anthropic | undefined;

  constructor(private readonly options: AnthropicOptions) {
    this.modelId = options.model;
    this.client = options.client;
  }

  stream(request: ModelRequest, options: StreamOptions = {}): AsyncIterable<ModelChunk> {
    return this.run(request, options.signal);
  }

  private sdk(): Anthropic {
    if (this.client) return this.client;
    const apiKey = this.options.apiKey ?? environmentVariable('ANTHROPIC_API_KEY');
    if (apiKey === undefined) {
      throw new AuthenticationError('No Anthropic API key: pass `apiKey` to anthropic() or set ANTHROPIC_API_KEY', {
        provider: this.provider,
      });
    }
    this.client = new Anthropic({
      apiKey,
      // The runtime's model actor (or withRetry) owns retries; the SDK's own would double them.
      maxRetries: 0,
      // Failures surface as typed errors carrying the details; the SDK's console logging would repeat them.
      logLevel: 'off',
      ...(this.options.baseURL === undefined ? {} : { baseURL: this.options.baseURL }),
      ...(this.options.headers === undefined ? {} : { defaultHeaders: this.options.headers }),
    });
    return this.client;
  }

  private async *run(request: ModelRequest, signal: AbortSignal | undefined): AsyncGenerator<ModelChunk> {
    if (signal?.aborted) throw abortReason(signal);
    const client = this.sdk();
    const body = toAnthropicRequest(request, {
      model: this.modelId,
      maxOutputTokens: this.options.maxOutputTokens,
      thinkingBudgetTokens: this.options.thinking?.budgetTokens,
      cache: this.options.cache,
    });
    const decoder = new AnthropicStreamDecoder();
    try {
      const events = await client.messages.create(body, signal ? { signal } : {});
      for await (const event of events) {
        if (signal?.aborted) break;
        for (const chunk of decoder.decode(event as unknown as AnthropicStreamEvent)) yield chunk;
        if (decoder.complete) break;
      }
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw toAnthropicError(error);
    }
    // The SDK ends its iteration quietly when the signal aborts the body read.
    if (signal?.aborted) throw abortReason(signal);
    if (!decoder.complete) {
      throw new ProviderProtocolError('The Anthropic stream ended before message_stop (truncated response)', {
        provider: this.provider,
      });
    }
  }
}

/**
 * An Anthropic model (Messages API, streaming) as a Troupe `LanguageModel`.
 *
 * @example
 * const model = anthropic({ model: 'claude-sonnet-4-5', cache: true });
 */
export function anthropic(options: AnthropicOptions): LanguageModel {
  return new AnthropicModel(options);
}
