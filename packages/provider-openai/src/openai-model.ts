import type { LanguageModel } from '@troupe/core';
import OpenAI from 'openai';
import { chatModel, environment, requireApiKey } from './chat-model.ts';
import type { ChatDialect } from './chat-request.ts';

/** Options of {@link openai}. */
export interface OpenAIOptions {
  /** Model id, e.g. `gpt-4o-mini`. */
  model: string;
  /** API key. Default: `OPENAI_API_KEY`. */
  apiKey?: string;
  /** API base URL. Default: `OPENAI_BASE_URL`, else `https://api.openai.com/v1`. */
  baseURL?: string;
  /** Organization id. Default: `OPENAI_ORG_ID`. */
  organization?: string;
  /** Project id. Default: `OPENAI_PROJECT_ID`. */
  project?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Request timeout in milliseconds. Default: the SDK's (10 minutes). */
  timeoutMs?: number;
  /** A ready SDK client to use instead of building one (its credentials and base URL apply). */
  client?: OpenAI;
}

/** The request dialect of api.openai.com. */
export const openaiDialect: ChatDialect = {
  maxTokensField: 'max_completion_tokens',
  reasoning: 'reasoning_effort',
  sendReasoningContent: false,
};

/** Options shared by every client this package builds. */
export interface ClientSettings {
  provider: string;
  apiKey: string;
  baseURL: string | undefined;
  headers: Record<string, string> | undefined;
  timeoutMs: number | undefined;
  organization?: string | undefined;
  project?: string | undefined;
}

/** An SDK client that never retries and never logs (errors surface as typed Troupe errors). */
export function buildClient(settings: ClientSettings): OpenAI {
  return new OpenAI({
    apiKey: settings.apiKey,
    baseURL: settings.baseURL ?? null,
    organization: settings.organization ?? null,
    project: settings.project ?? null,
    maxRetries: 0,
    logLevel: 'off',
    ...(settings.headers === undefined ? {} : { defaultHeaders: settings.headers }),
    ...(settings.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs }),
  });
}

/**
 * An OpenAI model over the Chat Completions API (streaming, with usage). A missing API key fails
 * the first call with `AuthenticationError`, before any request is sent.
 */
export function openai(options: OpenAIOptions): LanguageModel {
  const provider = 'openai';
  return chatModel({
    provider,
    modelId: options.model,
    dialect: openaiDialect,
    createClient: () =>
      options.client ??
      buildClient({
        provider,
        apiKey: requireApiKey({ apiKey: options.apiKey, provider, variables: ['OPENAI_API_KEY'] }),
        baseURL: options.baseURL ?? environment('OPENAI_BASE_URL'),
        organization: options.organization ?? environment('OPENAI_ORG_ID'),
        project: options.project ?? environment('OPENAI_PROJECT_ID'),
        headers: options.headers,
        timeoutMs: options.timeoutMs,
      }),
  });
}
