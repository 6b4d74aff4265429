import {
  type LanguageModel,
  type Message,
  ModelResponseBuilder,
  type SessionSnapshot,
  type SessionStore,
  type ToolCall,
  type ToolMessage,
  type ToolSpec,
} from '@troupe/core';
import type { z } from 'zod';

/** A tool as the bare loop sees it: a zod schema, a function, and its spec as sent to the model. */
export interface BareTool {
  name: string;
  schema: z.ZodType;
  /** The definition the model gets with every request (computed once, as a hand-written loop would). */
  spec: ToolSpec;
  execute(args: unknown): unknown;
}

/** Saves the turn's messages on top of the session as it was loaded. */
function saveBare(
  options: { store: SessionStore; sessionId: string },
  turn: { previous: SessionSnapshot | undefined; messages: Message[] },
): Promise<SessionSnapshot> {
  return options.store.save({
    sessionId: options.sessionId,
    history: turn.messages,
    state: turn.previous?.state ?? {},
    version: turn.previous?.version ?? 0,
    updatedAt: Date.now(),
  });
}

async function runBareTool(tools: BareTool[], call: ToolCall): Promise<ToolMessage> {
  const tool = tools.find((candidate) => candidate.name === call.name);
  const parsed = tool?.schema.safeParse(call.arguments);
  const result: ToolMessage = { role: 'tool', toolCallId: call.id, toolName: call.name, content: '' };
  if (tool && parsed?.success) result.content = String(await tool.execute(parsed.data));
  else {
    result.content = 'Invalid arguments.';
    result.isError = true;
  }
  return result;
}

/**
 * The hand-written agent loop a user could write without a framework: stream the model, validate
 * the tool arguments with zod, run the tool, stream again, save the session. The same work a
 * runtime turn does, without ordering, backpressure, retries or rollback. Each request carries the
 * tool definitions, as any loop handing a request to a provider must.
 */
export async function bareTurn(options: {
  model: LanguageModel;
  tools: BareTool[];
  store: SessionStore;
  sessionId: string;
  input: string;
  onDelta?: (text: string) => void;
}): Promise<Message[]> {
  const previous = await options.store.load(options.sessionId);
  const history: Message[] = previous?.history ?? [];
  const messages: Message[] = [...history, { role: 'user', content: options.input }];
  const specs = options.tools.map((tool) => tool.spec);
  for (let step = 0; step < 10; step++) {
    const builder = new ModelResponseBuilder();
    const request = specs.length > 0 ? { messages, tools: specs } : { messages };
    for await (const chunk of options.model.stream(request)) {
      builder.add(chunk);
      if (chunk.type === 'text-delta') options.onDelta?.(chunk.text);
    }
    const { message, toolCalls } = builder.build();
    messages.push(message);
    if (toolCalls.length === 0) break;
    for (const call of toolCalls) messages.push(await runBareTool(options.tools, call));
  }
  await saveBare(options, { previous, messages });
  return messages;
}

/**
 * The streaming form of {@link bareTurn}, as a hand-written streaming API would offer it: an async
 * generator yielding each text delta to its consumer as it arrives, saving the session at the end.
 */
export async function* bareStream(options: {
  model: LanguageModel;
  store: SessionStore;
  sessionId: string;
  input: string;
}): AsyncGenerator<string> {
  const previous = await options.store.load(options.sessionId);
  const messages: Message[] = [...(previous?.history ?? []), { role: 'user', content: options.input }];
  const builder = new ModelResponseBuilder();
  for await (const chunk of options.model.stream({ messages })) {
    builder.add(chunk);
    if (chunk.type === 'text-delta') yield chunk.text;
  }
  messages.push(builder.build().message);
  await saveBare(options, { previous, messages });
}
