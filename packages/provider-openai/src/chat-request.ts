import type { ContentPart, Message, ModelRequest, ToolChoice } from '@troupe/core';

/** How an OpenAI-compatible API differs from api.openai.com in the request body. */
export interface ChatDialect {
  /** The field that caps output tokens: OpenAI wants `max_completion_tokens`, most compatible servers `max_tokens`. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
  /** How a reasoning request is written: OpenAI's `reasoning_effort`, or OpenRouter's `reasoning` object. */
  reasoning: 'reasoning_effort' | 'openrouter';
  /** Send reasoning parts of assistant history back as `reasoning_content` (DeepSeek/vLLM tool loops). */
  sendReasoningContent: boolean;
}

type JsonObject = Record<string, unknown>;

function dataUrl(part: { mediaType: string; data: string }): string {
  return `data:${part.mediaType};base64,${part.data}`;
}

function userContent(content: string | ContentPart[]): string | JsonObject[] {
  if (typeof content === 'string') return content;
  const parts: JsonObject[] = [];
  for (const part of content) {
    if (part.type === 'text') parts.push({ type: 'text', text: part.text });
    else if (part.type === 'image') parts.push({ type: 'image_url', image_url: { url: dataUrl(part) } });
    // Reasoning has no place in a user message; it is dropped.
  }
  return parts;
}

function assistantMessage(message: Extract<Message, { role: 'assistant' }>, dialect: ChatDialect): JsonObject {
  let text = '';
  let reasoning = '';
  for (const part of message.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'reasoning') reasoning += part.text;
  }
  const calls = message.toolCalls ?? [];
  const mapped: JsonObject = { role: 'assistant', content: text.length > 0 || calls.length === 0 ? text : null };
  if (calls.length > 0) {
    mapped.tool_calls = calls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
    }));
  }
  if (dialect.sendReasoningContent && reasoning.length > 0) mapped.reasoning_content = reasoning;
  return mapped;
}

/** The chat messages of a request: the system prompt first, then the history. */
export function chatMessages(request: ModelRequest, dialect: ChatDialect): JsonObject[] {
  const messages: JsonObject[] = [];
  if (request.system !== undefined && request.system.length > 0)
    messages.push({ role: 'system', content: request.system });
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
        messages.push({ role: 'system', content: message.content });
        break;
      case 'user':
        messages.push({ role: 'user', content: userContent(message.content) });
        break;
      case 'assistant':
        messages.push(assistantMessage(message, dialect));
        break;
      case 'tool':
        messages.push({ role: 'tool', tool_call_id: message.toolCallId, content: message.content });
        break;
    }
  }
  return messages;
}

function toolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

// OpenAI takes an effort, not a budget: a budget alone picks the effort it roughly corresponds to.
function effortForBudget(budgetTokens: number): 'low' | 'medium' | 'high' {
  if (budgetTokens < 2048) return 'low';
  if (budgetTokens < 8192) return 'medium';
  return 'high';
}

/** The streaming Chat Completions body of `request` for `model`. */
export function chatRequestBody(
  request: ModelRequest,
  options: { model: string; dialect: ChatDialect; providerName: string },
): JsonObject {
  const { dialect } = options;
  const body: JsonObject = {
    model: options.model,
    messages: chatMessages(request, dialect),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.inputSchema,
      },
    }));
  }
  if (request.toolChoice !== undefined) body.tool_choice = toolChoice(request.toolChoice);
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.maxOutputTokens !== undefined) body[dialect.maxTokensField] = request.maxOutputTokens;
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  if (request.responseFormat?.type === 'json') {
    body.response_format =
      request.responseFormat.schema === undefined
        ? { type: 'json_object' }
        : { type: 'json_schema', json_schema: { name: 'response', schema: request.responseFormat.schema } };
  }
  const reasoning = request.reasoning;
  if (reasoning !== undefined) {
    if (dialect.reasoning === 'openrouter') {
      body.reasoning =
        reasoning.budgetTokens === undefined
          ? { effort: reasoning.effort ?? 'medium' }
          : { max_tokens: reasoning.budgetTokens };
    } else if (reasoning.effort !== undefined) {
      body.reasoning_effort = reasoning.effort;
    } else if (reasoning.budgetTokens !== undefined) {
      body.reasoning_effort = effortForBudget(reasoning.budgetTokens);
    }
  }
  // OpenAI caches prompts on its own; a key routes requests sharing a prefix to the same cache.
  if (typeof request.cache === 'object' && request.cache.key !== undefined) body.prompt_cache_key = request.cache.key;
  Object.assign(body, request.providerOptions?.[options.providerName]);
  return body;
}
