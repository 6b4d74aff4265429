import {
  abortReason,
  type LanguageModel,
  type ModelChunk,
  type ModelRequest,
  ProviderProtocolError,
  type StreamOptions,
} from '@troupe/core';
import { Ollama } from 'ollama';
import { toOllamaError } from './ollama-errors.ts';
import { ollamaFetch } from './ollama-fetch.ts';
import { toOllamaRequest } from './ollama-request.ts';
import { type OllamaChatChunk, OllamaStreamDecoder } from './ollama-stream.ts';

/** Options of {@link ollama}. */
export interface OllamaOptions {
  /** Model name as pulled, e.g. `llama3.2` or `qwen3:8b`. */
  model: string;
  /** Server address; defaults to `OLLAMA_HOST`, then `http://127.0.0.1:11434`. */
  host?: string;
  /** A preconfigured client, used as it is (its own fetch: no header-based error details). */
  client?: Ollama;
  /** Extra HTTP headers (e.g. `Authorization` for a hosted or proxied Ollama). */
  headers?: Record<string, string>;
  /** Stream the reply (default) or ask for it whole; tool calls work either way. */
  stream?: boolean;
  /** How long the server keeps the model loaded after a request, e.g. `'5m'` or seconds. */
  keepAlive?: string | number;
}

function environmentVariable(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

class OllamaModel implements LanguageModel {
  readonly provider = 'ollama';
  readonly modelId: string;

  constructor(private readonly options: OllamaOptions) {
    this.modelId = options.model;
  }

  stream(request: ModelRequest, options: StreamOptions = {}): AsyncIterable<ModelChunk> {
    return this.run(request, options.signal);
  }

  private client(signal: AbortSignal | undefined): Ollama {
    if (this.options.client) return this.options.client;
    const host = this.options.host ?? environmentVariable('OLLAMA_HOST');
    // A client per call is cheap (it holds only configuration) and lets its fetch see this call's signal.
    return new Ollama({
      ...(host === undefined ? {} : { host }),
      ...(this.options.headers === undefined ? {} : { headers: this.options.headers }),
      fetch: ollamaFetch(signal),
    });
  }

  private async *run(request: ModelRequest, signal: AbortSignal | undefined): AsyncGenerator<ModelChunk> {
    if (signal?.aborted) throw abortReason(signal);
    const client = this.client(signal);
    const stream = this.options.stream ?? true;
    const body = toOllamaRequest(request, { model: this.modelId, stream });
    if (this.options.keepAlive !== undefined && body.keep_alive === undefined) body.keep_alive = this.options.keepAlive;
    const decoder = new OllamaStreamDecoder();
    try {
      if (!stream) {
        const reply = await client.chat({ ...body, stream: false } as never);
        yield* decoder.decode(reply as unknown as OllamaChatChunk);
      } else {
        const iterator = await client.chat({ ...body, stream: true } as never);
        // An injected client does not see our signal through its fetch; abort its stream directly.
        const onAbort = () => iterator.abort();
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          for await (const chunk of iterator) {
            if (signal?.aborted) break;
            yield* decoder.decode(chunk as unknown as OllamaChatChunk);
            if (decoder.complete) break;
          }
        } finally {
          signal?.removeEventListener('abort', onAbort);
        }
      }
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw toOllamaError(error);
    }
    if (signal?.aborted) throw abortReason(signal);
    if (!decoder.complete) {
      throw new ProviderProtocolError('The Ollama reply ended before it was done (truncated response)', {
        provider: this.provider,
      });
    }
  }
}

/**
 * A model served by Ollama (`/api/chat`) as a Troupe `LanguageModel`. Needs no API key.
 *
 * @example
 * const model = ollama({ model: 'llama3.2' });
 */
export function ollama(options: OllamaOptions): LanguageModel {
  return new OllamaModel(options);
}
