import type { JsonSchema, Message, ToolCall, Usage } from './messages.ts';

/** A tool as the model sees it: a name, a description and a JSON Schema for its arguments. */
export interface ToolSpec {
  name: string;
  description?: string;
  inputSchema: JsonSchema;
}

/** How the model may use tools in one request. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** One completion request, provider-neutral. */
export interface ModelRequest {
  messages: Message[];
  /** System instructions; providers place them where their API expects. */
  system?: string;
  tools?: ToolSpec[];
  toolChoice?: ToolChoice;
  temperature?: number;
  maxOutputTokens?: number;
  stop?: string[];
  responseFormat?: { type: 'json'; schema?: JsonSchema };
  reasoning?: { budgetTokens?: number; effort?: 'low' | 'medium' | 'high' };
  /** Prompt caching where the provider has it. */
  cache?: boolean | { key?: string };
  /** Escape hatch, keyed by provider name; merged into that provider's request body. */
  providerOptions?: Record<string, Record<string, unknown>>;
}

/** Why the model stopped. */
export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other';

/** A piece of a streamed model response. */
export type ModelChunk =
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string; signature?: string }
  /** A fragment of a tool call's JSON arguments; `index` identifies the call within the response. */
  | { type: 'tool-call-delta'; index: number; id?: string; name?: string; argumentsDelta: string }
  /** A complete tool call with parsed arguments. */
  | { type: 'tool-call'; call: ToolCall }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason };

/** Options of one {@link LanguageModel.stream} call. */
export interface StreamOptions {
  /** Aborts the request and ends the iteration promptly, releasing the connection. */
  signal?: AbortSignal;
}

/** A streaming language model. Every provider package returns one. */
export interface LanguageModel {
  /** Provider name: 'openai' | 'anthropic' | 'gemini' | 'ollama' | ... */
  readonly provider: string;
  /** The provider's model id, e.g. `gpt-4o-mini`. */
  readonly modelId: string;
  /**
   * Streams one completion. Errors are thrown as `ProviderError` subclasses from the iterator;
   * the model does not retry on its own (the runtime's model actor or `withRetry` does).
   */
  stream(request: ModelRequest, options?: StreamOptions): AsyncIterable<ModelChunk>;
}
