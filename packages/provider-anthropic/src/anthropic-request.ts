import type Anthropic from '@anthropic-ai/sdk';
import type { ContentPart, Message, ModelRequest, ToolChoice } from '@troupe/core';

type MessageParam = Anthropic.Messages.MessageParam;
type ContentBlockParam = Anthropic.Messages.ContentBlockParam;
type TextBlockParam = Anthropic.Messages.TextBlockParam;
type ToolParam = Anthropic.Messages.Tool;
// `temperature` is still accepted by the API although newer SDK typings no longer list it.
type StreamingParams = Anthropic.Messages.MessageCreateParamsStreaming & { temperature?: number };

/** Output tokens requested when neither the request nor the factory sets `maxOutputTokens`. */
export const defaultMaxOutputTokens = 4096;

/** Thinking budgets used when a request asks for a reasoning `effort` instead of a budget. */
export const effortBudgets = { low: 2048, medium: 8192, high: 16384 } as const;

/** The smallest thinking budget Anthropic accepts. */
const minimumThinkingBudget = 1024;

/** Factory-level defaults that a request may override. */
export interface AnthropicRequestDefaults {
  model: string;
  maxOutputTokens?: number | undefined;
  thinkingBudgetTokens?: number | undefined;
  cache?: boolean | undefined;
}

const ephemeral = { type: 'ephemeral' } as const;

function userBlocks(content: string | ContentPart[]): ContentBlockParam[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const blocks: ContentBlockParam[] = [];
  for (const part of content) {
    if (part.type === 'text') blocks.push({ type: 'text', text: part.text });
    else if (part.type === 'image') {
      blocks.push({
        type: 'image',
        source: {
          type: 'base64',
          media_type: part.mediaType as 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp',
          data: part.data,
        },
      });
    }
  }
  return blocks;
}

function assistantBlocks(message: Extract<Message, { role: 'assistant' }>): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  for (const part of message.content) {
    if (part.type === 'reasoning') {
      const redacted = part.providerMetadata?.anthropic?.redactedData;
      if (typeof redacted === 'string') blocks.push({ type: 'redacted_thinking', data: redacted });
      // Anthropic rejects thinking without the signature it issued; unsigned reasoning (from another
      // provider, or cut short) is dropped rather than failing the whole request.
      else if (part.signature !== undefined && part.signature.length > 0) {
        blocks.push({ type: 'thinking', thinking: part.text, signature: part.signature });
      }
    } else if (part.type === 'text') {
      if (part.text.length > 0) blocks.push({ type: 'text', text: part.text });
    } else {
      blocks.push({
        type: 'image',
        source: {
          type: 'base64',
          media_type: part.mediaType as 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp',
          data: part.data,
        },
      });
    }
  }
  for (const call of message.toolCalls ?? []) {
    const input = call.arguments === undefined || call.arguments === null ? {} : call.arguments;
    blocks.push({ type: 'tool_use', id: call.id, name: call.name, input });
  }
  return blocks;
}

/** Splits history into Anthropic's system blocks and alternating user/assistant messages. */
export function toAnthropicMessages(messages: Message[]): { system: string[]; messages: MessageParam[] } {
  const system: string[] = [];
  const result: MessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = result.at(-1);
    // Anthropic wants strictly alternating roles: tool results and a following user message share a turn.
    if (last && last.role === role && Array.isArray(last.content)) last.content.push(...blocks);
    else result.push({ role, content: blocks });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        system.push(message.content);
        break;
      case 'user':
        push('user', userBlocks(message.content));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message));
        break;
      case 'tool':
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: message.toolCallId,
            content: message.content,
            ...(message.isError ? { is_error: true } : {}),
          },
        ]);
        break;
    }
  }
  return { system, messages: result };
}

function toolChoice(choice: ToolChoice): Anthropic.Messages.ToolChoice {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.name };
}

function thinkingBudget(request: ModelRequest, defaults: AnthropicRequestDefaults): number | undefined {
  const requested = request.reasoning?.budgetTokens;
  if (requested !== undefined) return requested > 0 ? Math.max(minimumThinkingBudget, requested) : undefined;
  const effort = request.reasoning?.effort;
  if (effort !== undefined) return effortBudgets[effort];
  return defaults.thinkingBudgetTokens;
}

function markLastBlock(message: MessageParam | undefined): void {
  if (!message) return;
  if (typeof message.content === 'string') {
    message.content = [{ type: 'text', text: message.content, cache_control: ephemeral }];
    return;
  }
  const last = message.content.at(-1);
  // Thinking blocks cannot carry cache_control; they are never the last block of a turn anyway.
  if (last && last.type !== 'thinking' && last.type !== 'redacted_thinking') {
    (last as { cache_control?: typeof ephemeral }).cache_control = ephemeral;
  }
}

/** Builds the body of a streaming `POST /v1/messages` call. */
export function toAnthropicRequest(request: ModelRequest, defaults: AnthropicRequestDefaults): StreamingParams {
  const converted = toAnthropicMessages(request.messages);
  const systemTexts = [...(request.system ? [request.system] : []), ...converted.system];
  if (request.responseFormat?.type === 'json' && request.responseFormat.schema === undefined) {
    systemTexts.push('Respond with a single valid JSON value and nothing else.');
  }
  const budget = thinkingBudget(request, defaults);
  const explicitMax = request.maxOutputTokens ?? defaults.maxOutputTokens;
  // max_tokens counts thinking too, so a budget without an explicit limit gets room for the answer.
  const maxTokens = explicitMax ?? (budget === undefined ? defaultMaxOutputTokens : budget + defaultMaxOutputTokens);
  const body: StreamingParams = {
    model: defaults.model,
    max_tokens: maxTokens,
    messages: converted.messages,
    stream: true,
  };
  const cache = request.cache === undefined ? (defaults.cache ?? false) : request.cache !== false;
  if (systemTexts.length > 0) {
    const blocks: TextBlockParam[] = systemTexts.map((text) => ({ type: 'text', text }));
    const last = blocks.at(-1);
    if (cache && last) last.cache_control = ephemeral;
    body.system = blocks;
  }
  if (request.tools && request.tools.length > 0) {
    const tools: ToolParam[] = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      input_schema: { type: 'object', ...tool.inputSchema } as ToolParam['input_schema'],
    }));
    const last = tools.at(-1);
    if (cache && last) last.cache_control = ephemeral;
    body.tools = tools;
  }
  if (request.toolChoice !== undefined && request.tools && request.tools.length > 0) {
    body.tool_choice = toolChoice(request.toolChoice);
  }
  if (cache) markLastBlock(body.messages.at(-1));
  if (budget !== undefined) {
    body.thinking = { type: 'enabled', budget_tokens: budget };
  } else if (request.temperature !== undefined) {
    // Anthropic rejects a temperature other than 1 together with extended thinking.
    body.temperature = request.temperature;
  }
  if (request.stop && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.responseFormat?.type === 'json' && request.responseFormat.schema !== undefined) {
    body.output_config = { format: { type: 'json_schema', schema: request.responseFormat.schema } };
  }
  const extra = request.providerOptions?.anthropic;
  return extra ? ({ ...body, ...extra, stream: true } as StreamingParams) : body;
}
