import type { Message, ModelRequest, ToolChoice } from '@troupe/core';

/** A chat message as the Ollama `/api/chat` endpoint takes it. */
export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  thinking?: string;
  images?: string[];
  tool_calls?: Array<{ function: { name: string; arguments: Record<string, unknown> } }>;
  tool_name?: string;
}

/** The body of an Ollama `/api/chat` request, as far as Troupe fills it. */
export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  stream: boolean;
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters: unknown } }>;
  format?: 'json' | Record<string, unknown>;
  think?: boolean | 'low' | 'medium' | 'high';
  keep_alive?: string | number;
  options?: { temperature?: number; num_predict?: number; stop?: string[]; [key: string]: unknown };
  [key: string]: unknown;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Maps history onto Ollama chat messages (the system prompt first). */
export function toOllamaMessages(messages: Message[], system: string | undefined): OllamaMessage[] {
  const result: OllamaMessage[] = system ? [{ role: 'system', content: system }] : [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        result.push({ role: 'system', content: message.content });
        break;
      case 'user': {
        if (typeof message.content === 'string') {
          result.push({ role: 'user', content: message.content });
          break;
        }
        const text = message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
        const images = message.content.flatMap((part) => (part.type === 'image' ? [part.data] : []));
        result.push({ role: 'user', content: text, ...(images.length > 0 ? { images } : {}) });
        break;
      }
      case 'assistant': {
        const text = message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
        const thinking = message.content.flatMap((part) => (part.type === 'reasoning' ? [part.text] : [])).join('');
        const calls = message.toolCalls ?? [];
        result.push({
          role: 'assistant',
          content: text,
          ...(thinking ? { thinking } : {}),
          ...(calls.length > 0
            ? {
                tool_calls: calls.map((call) => ({
                  function: { name: call.name, arguments: asRecord(call.arguments) },
                })),
              }
            : {}),
        });
        break;
      }
      case 'tool':
        // Ollama matches results to calls by tool name and order; it has no call ids.
        result.push({
          role: 'tool',
          tool_name: message.toolName,
          content: message.isError ? `Error: ${message.content}` : message.content,
        });
        break;
    }
  }
  return result;
}

/** The start of every instruction that stands in for `tool_choice`; a reader of the request can recognise it. */
export const toolChoiceInstructionPrefix = 'Tool use: ';

/** The system instruction that stands in for a tool choice Ollama cannot express. */
export function toolChoiceInstruction(choice: Exclude<ToolChoice, 'auto'>): string {
  if (choice === 'none') return `${toolChoiceInstructionPrefix}do not call any tool; answer directly.`;
  if (choice === 'required') return `${toolChoiceInstructionPrefix}you must call one or more of the provided tools.`;
  return `${toolChoiceInstructionPrefix}you must call the tool "${choice.name}".`;
}

/** Builds the body of an `/api/chat` call. */
export function toOllamaRequest(request: ModelRequest, options: { model: string; stream: boolean }): OllamaChatRequest {
  const body: OllamaChatRequest = {
    model: options.model,
    messages: toOllamaMessages(request.messages, request.system),
    stream: options.stream,
  };
  // Ollama has no tool_choice. 'none' sends no tools; 'required' and a named choice keep every tool
  // (history may refer to them) and add a trailing system instruction, the only lever there is.
  const choice = request.toolChoice;
  const tools = request.tools ?? [];
  if (tools.length > 0 && choice !== 'none') {
    body.tools = tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.inputSchema,
      },
    }));
  }
  if (tools.length > 0 && choice !== undefined && choice !== 'auto') {
    body.messages.push({ role: 'system', content: toolChoiceInstruction(choice) });
  }
  const modelOptions: NonNullable<OllamaChatRequest['options']> = {};
  if (request.temperature !== undefined) modelOptions.temperature = request.temperature;
  if (request.maxOutputTokens !== undefined) modelOptions.num_predict = request.maxOutputTokens;
  if (request.stop && request.stop.length > 0) modelOptions.stop = request.stop;
  if (Object.keys(modelOptions).length > 0) body.options = modelOptions;
  if (request.responseFormat?.type === 'json') body.format = request.responseFormat.schema ?? 'json';
  if (request.reasoning?.effort !== undefined) body.think = request.reasoning.effort;
  else if (request.reasoning?.budgetTokens !== undefined) body.think = request.reasoning.budgetTokens > 0;
  const extra = request.providerOptions?.ollama;
  if (extra) {
    const { options: extraOptions, ...rest } = extra as { options?: Record<string, unknown> };
    Object.assign(body, rest);
    if (extraOptions) body.options = { ...body.options, ...extraOptions };
  }
  return body;
}
