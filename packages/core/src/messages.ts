/** Opaque per-provider data that must be sent back verbatim, keyed by provider name. */
export type ProviderMetadata = Record<string, Record<string, unknown>>;

/** A JSON Schema document (draft 2020-12 or 07), as sent to providers and used for validation. */
export type JsonSchema = { [key: string]: unknown };

/** One part of a message's content. */
export type ContentPart = TextPart | ReasoningPart | ImagePart;

/** Plain text. */
export interface TextPart {
  type: 'text';
  text: string;
}

/**
 * Model reasoning ("thinking"). Kept in history and sent back to the provider verbatim, including
 * its `signature` (Anthropic) or `providerMetadata` (OpenAI encrypted reasoning), so that tool loops
 * of reasoning models keep working.
 */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
  providerMetadata?: ProviderMetadata;
}

/** An inline image, base64-encoded. */
export interface ImagePart {
  type: 'image';
  /** IANA media type, e.g. `image/png`. */
  mediaType: string;
  /** Base64 data without a `data:` prefix. */
  data: string;
}

/** A tool call requested by the model, with its arguments already parsed from JSON. */
export interface ToolCall {
  /** Provider-assigned id (or a stable synthetic one) that the matching tool message refers to. */
  id: string;
  name: string;
  /** Parsed JSON arguments. */
  arguments: unknown;
  /** Opaque, sent back verbatim (e.g. Gemini thought signatures). */
  providerMetadata?: ProviderMetadata;
}

export interface SystemMessage {
  role: 'system';
  content: string;
}

export interface UserMessage {
  role: 'user';
  content: string | ContentPart[];
}

export interface AssistantMessage {
  role: 'assistant';
  content: ContentPart[];
  toolCalls?: ToolCall[];
}

export interface ToolMessage {
  role: 'tool';
  /** The id of the {@link ToolCall} this answers. */
  toolCallId: string;
  toolName: string;
  content: string;
  /** True when the tool failed; `content` then explains the failure to the model. */
  isError?: boolean;
}

/** A message of a conversation. */
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** Token usage of one model call, or a sum of several. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (a subset of `inputTokens`). */
  cachedInputTokens?: number;
  /** Output tokens spent on reasoning (a subset of `outputTokens`). */
  reasoningTokens?: number;
}

/** A usage of zero tokens. */
export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0 };
}

/** Adds usages; optional counters appear in the sum only when one of the operands has them. */
export function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
  };
  if (a.cachedInputTokens !== undefined || b.cachedInputTokens !== undefined) {
    sum.cachedInputTokens = (a.cachedInputTokens ?? 0) + (b.cachedInputTokens ?? 0);
  }
  if (a.reasoningTokens !== undefined || b.reasoningTokens !== undefined) {
    sum.reasoningTokens = (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0);
  }
  return sum;
}

/** The concatenated text parts of a message (reasoning excluded). */
export function messageText(message: Message): string {
  if (typeof message.content === 'string') return message.content;
  let text = '';
  for (const part of message.content) if (part.type === 'text') text += part.text;
  return text;
}
