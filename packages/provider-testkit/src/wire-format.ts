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
}

/** A placeholder for a wire format that is not written yet; every method throws. */
export function unwrittenWire(name: string): WireFormat {
  const fail = (): never => {
    throw new Error(`The ${name} wire format is not implemented yet.`);
  };
  return { name, accepts: () => false, streamFrames: fail, errorResponse: fail, malformedStream: fail };
}
