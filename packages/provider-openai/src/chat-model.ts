import {
  AuthenticationError,
  abortReason,
  type LanguageModel,
  type ModelChunk,
  type ModelRequest,
  type StreamOptions,
} from '@troupe/core';
import type OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { type ChatDialect, chatRequestBody } from './chat-request.ts';
import { type ChatChunk, ChatStreamMapper } from './chat-stream.ts';
import { toProviderError } from './provider-errors.ts';

/** Everything a Chat Completions model needs; the public factories fill it in. */
export interface ChatModelConfig {
  provider: string;
  modelId: string;
  dialect: ChatDialect;
  /** Builds the SDK client; throws `AuthenticationError` when no key is configured. */
  createClient: () => OpenAI;
}

/** Reads an environment variable without failing where `process` does not exist. */
export function environment(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name];
  return value === undefined || value.length === 0 ? undefined : value;
}

/** The API key from the option or the first set environment variable, or an `AuthenticationError`. */
export function requireApiKey(options: { apiKey: string | undefined; provider: string; variables: string[] }): string {
  const key = options.apiKey ?? options.variables.map(environment).find((value) => value !== undefined);
  if (key === undefined) {
    throw new AuthenticationError(`No API key for ${options.provider}.`, {
      provider: options.provider,
      remedy: `Pass \`apiKey\` or set ${options.variables.join(' or ')}.`,
    });
  }
  return key;
}

/**
 * A {@link LanguageModel} over the Chat Completions API. The SDK client is built on the first call
 * (so a missing key fails that call, before any request) and never retries: the runtime does.
 */
export function chatModel(config: ChatModelConfig): LanguageModel {
  let client: OpenAI | undefined;
  const { provider, modelId, dialect } = config;

  return {
    provider,
    modelId,
    async *stream(request: ModelRequest, options: StreamOptions = {}): AsyncIterable<ModelChunk> {
      const { signal } = options;
      if (signal?.aborted) throw abortReason(signal);
      client ??= config.createClient();
      const body = chatRequestBody(request, { model: modelId, dialect, providerName: provider });
      let stream: AsyncIterable<ChatCompletionChunk> & { controller: AbortController };
      try {
        stream = await client.chat.completions.create(body as unknown as ChatCompletionCreateParamsStreaming, {
          maxRetries: 0,
          ...(signal === undefined ? {} : { signal }),
        });
      } catch (error) {
        throw toProviderError(error, { provider, signal });
      }
      const mapper = new ChatStreamMapper(provider);
      let complete = false;
      try {
        for await (const chunk of stream) {
          for (const mapped of mapper.map(chunk as unknown as ChatChunk)) yield mapped;
        }
        // The SDK ends the iteration quietly when the request is aborted.
        if (signal?.aborted) throw abortReason(signal);
        for (const mapped of mapper.end()) yield mapped;
        complete = true;
      } catch (error) {
        throw toProviderError(error, { provider, signal });
      } finally {
        // Early exit (consumer break, error): release the connection.
        if (!complete) stream.controller.abort();
      }
    },
  };
}
