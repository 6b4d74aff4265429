import type { FinishReason, ProviderMetadata, Usage } from '@troupe/core';

/** A provider-neutral description of one model response that the fixture server streams. */
export interface ScriptedResponse {
  /** Text deltas, in order. */
  text?: string[];
  /** Reasoning deltas and the signature that closes them (Anthropic thinking, Gemini thoughts). */
  reasoning?: { text: string[]; signature?: string };
  /** Tool calls; each call's JSON arguments are split into `argumentChunks` frames (default 3). */
  toolCalls?: Array<{
    id: string;
    name: string;
    arguments: unknown;
    argumentChunks?: number;
    providerMetadata?: ProviderMetadata;
  }>;
  usage?: Usage;
  finishReason?: FinishReason;
}

/** The HTTP errors every provider must map onto core errors. */
export type WireErrorKind =
  | 'auth'
  | 'forbidden'
  | 'rate-limit'
  | 'server'
  | 'overloaded'
  | 'context-length'
  | 'bad-request';

/** An HTTP response the fixture server sends as is. */
export interface WireHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Frames of a streamed response, written one by one (and possibly split at awkward byte offsets). */
export interface WireStream {
  contentType: string;
  frames: string[];
}

/**
 * One vendor wire format (OpenAI chat completions, Anthropic messages, Gemini, Ollama): how its
 * requests look and the exact bytes its streaming responses and errors are made of. The fixture
 * server of the conformance kit speaks a format through this.
 */
export interface WireFormat {
  /** 'openai-chat' | 'anthropic' | 'gemini' | 'ollama' | ... */
  readonly name: string;
  /** True for the streaming completion requests of this API (method and URL path). */
  accepts(method: string, path: string): boolean;
  /** The frames the vendor streams for `response` (SSE events or NDJSON lines, each a complete frame). */
  streamFrames(response: ScriptedResponse, options: { model: string; requestBody: unknown }): WireStream;
  /** The vendor's HTTP error of this kind; `retryAfterSeconds` goes into its retry header. */
  errorResponse(kind: WireErrorKind, options?: { retryAfterSeconds?: number }): WireHttpResponse;
  /** A stream that starts well and then breaks the format (bad JSON, or ends mid-response). */
  malformedStream(options: { model: string }): WireStream;
  /**
   * A keep-alive frame the vendor interleaves with real frames (an SSE comment, an Anthropic
   * `ping` event). The fixture server inserts it between frames when a reply asks for keep-alives.
   */
  keepAliveFrame?: string;
  /**
   * Reads a request body this API received (and its URL path, for APIs that put the model there)
   * back into a provider-neutral summary, so the conformance kit can assert on the journal.
   * Optional in the type, but the kit's request-shape case fails without it.
   */
  parseRequest?(body: unknown, path: string): WireRequestSummary;
}

/** One message of a {@link WireRequestSummary}. */
export interface WireMessageSummary {
  /** Tool results are `tool` even where the vendor nests them in user messages. */
  role: 'user' | 'assistant' | 'tool';
  /** The concatenated text of the message (tool result content for `tool`). */
  text: string;
  /** Tool calls of an assistant message, arguments parsed. */
  toolCalls?: Array<{ id?: string; name: string; arguments: unknown }>;
  /** For `tool`: the id of the call it answers (absent on APIs without call ids). */
  toolCallId?: string;
  /** For `tool`: the name of the tool, where the API carries it. */
  toolName?: string;
  /** True when an image part travelled with the message. */
  hasImage?: boolean;
}

/** A provider-neutral reading of a vendor request body, for journal assertions. */
export interface WireRequestSummary {
  model?: string;
  /** The system instructions, wherever the API puts them. */
  system?: string;
  /** Conversation messages without the system prompt. */
  messages: WireMessageSummary[];
  /** Tools offered to the model. */
  tools: Array<{ name: string; description?: string; parameters?: unknown }>;
  toolChoice?: 'auto' | 'none' | 'required' | { name: string };
  temperature?: number;
  maxOutputTokens?: number;
  stop?: string[];
  /** True when the request asks for a JSON response. */
  json?: boolean;
  /** The JSON schema of the response format, when one was sent. */
  jsonSchema?: unknown;
  /** True when the request asks for a streamed response. */
  stream?: boolean;
}

/** A placeholder for a wire format that is not written yet; every method throws. */
export function unwrittenWire(name: string): WireFormat {
  const fail = (): never => {
    throw new Error(`The ${name} wire format is not implemented yet.`);
  };
  return { name, accepts: () => false, streamFrames: fail, errorResponse: fail, malformedStream: fail };
}
