import type { ActorSystem } from '@troupe/actor';
import {
  type Agent,
  type AgentEvent,
  type AgentEventPayload,
  type AssistantMessage,
  type Clock,
  emptyUsage,
  eventStamper,
  InvalidArgumentError,
  type Invocation,
  type LanguageModel,
  MaxStepsExceededError,
  type Message,
  type ModelRequest,
  ModelResponseBuilder,
  systemClock,
  type Tool,
  type ToolCall,
  type ToolChoice,
  type ToolMessage,
  TurnAbortedError,
} from '@troupe/core';
import { createToolDispatcher, type ToolDispatcher, type ToolOutcome } from '@troupe/tool';
import { deniedResultText, isResumeInvocation, pendingToolCalls } from './approvals.ts';
import type { ModelCallOptions, ModelRetryNotice } from './model-call.ts';

/** Options of {@link llmAgent}. */
export interface LlmAgentOptions {
  /** The model to call (inside a runtime: the one the agent factory receives). */
  model: LanguageModel;
  /** Author of the agent's events; also how teams address it. */
  name: string;
  /** System instructions sent with every request. */
  instructions?: string;
  /** Tools the model may call. */
  tools?: Tool[];
  /** Model calls allowed per turn; a turn still calling tools at the cap fails. Default 10. */
  maxSteps?: number;
  temperature?: number;
  maxOutputTokens?: number;
  toolChoice?: ToolChoice;
  reasoning?: ModelRequest['reasoning'];
  cache?: ModelRequest['cache'];
  providerOptions?: ModelRequest['providerOptions'];
  /** Tool calls of one step run in parallel up to this many. Default 8. */
  toolConcurrency?: number;
  /** Default per-call tool time limit. Default 30 000 ms. */
  toolTimeoutMs?: number;
  /** Clock for event times and tool timeouts. Default: the system clock. */
  clock?: Clock;
  /** Actor system for isolated tools. */
  system?: ActorSystem;
}

/** An {@link Agent} backed by a language model with tools. */
export interface LlmAgent extends Agent {
  /** The model calls a turn may make. */
  readonly maxSteps: number;
  /** The tool dispatcher of this agent. */
  readonly tools: ToolDispatcher;
}

/**
 * An agent that streams the model, runs the tool calls it asks for (in parallel, results in the
 * model's order, failures fed back as error results) and calls the model again until it answers
 * without tool calls. Emits model, tool, approval and `message` events; the runtime adds
 * `turn-start`, `turn-complete` and `error`.
 */
export function llmAgent(options: LlmAgentOptions): LlmAgent {
  const maxSteps = options.maxSteps ?? 10;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    throw new InvalidArgumentError(`llmAgent maxSteps is ${maxSteps}; it must be an integer >= 1.`);
  }
  if (typeof options.name !== 'string' || options.name.length === 0) {
    throw new InvalidArgumentError('llmAgent needs a non-empty name.');
  }
  const clock = options.clock ?? systemClock;
  const dispatcherOptions: Parameters<typeof createToolDispatcher>[0] = { tools: options.tools ?? [], clock };
  if (options.toolConcurrency !== undefined) dispatcherOptions.concurrency = options.toolConcurrency;
  if (options.toolTimeoutMs !== undefined) dispatcherOptions.defaultTimeoutMs = options.toolTimeoutMs;
  if (options.system !== undefined) dispatcherOptions.system = options.system;
  const tools = createToolDispatcher(dispatcherOptions);
  const specs = tools.specs();
  const baseRequest: Omit<ModelRequest, 'messages'> = {};
  if (options.instructions !== undefined) baseRequest.system = options.instructions;
  if (specs.length > 0) baseRequest.tools = specs;
  if (options.toolChoice !== undefined) baseRequest.toolChoice = options.toolChoice;
  if (options.temperature !== undefined) baseRequest.temperature = options.temperature;
  if (options.maxOutputTokens !== undefined) baseRequest.maxOutputTokens = options.maxOutputTokens;
  if (options.reasoning !== undefined) baseRequest.reasoning = options.reasoning;
  if (options.cache !== undefined) baseRequest.cache = options.cache;
  if (options.providerOptions !== undefined) baseRequest.providerOptions = options.providerOptions;
  const context: LoopContext = { model: options.model, name: options.name, maxSteps, clock, tools, baseRequest };
  return {
    name: options.name,
    maxSteps,
    tools,
    run: (invocation) => runLoop(context, invocation),
  };
}

interface LoopContext {
  model: LanguageModel;
  name: string;
  maxSteps: number;
  clock: Clock;
  tools: ToolDispatcher;
  baseRequest: Omit<ModelRequest, 'messages'>;
}

async function* runLoop(context: LoopContext, invocation: Invocation): AsyncGenerator<AgentEvent> {
  const stamp = eventStamper({ invocation, author: context.name, now: context.clock.now });
  const messages: Message[] = [...invocation.history];
  if (isResumeInvocation(invocation)) {
    const pending = pendingToolCalls(messages);
    const approved = new Set(invocation.approvals.approve ?? []);
    const runnable = pending.filter((call) => approved.has(call.id) || !context.tools.get(call.name)?.needsApproval);
    const outcomes = await dispatchCalls(context, invocation, runnable);
    const byId = new Map(outcomes.map((outcome) => [outcome.message.toolCallId, outcome.message]));
    for (const call of pending) {
      const result = byId.get(call.id) ?? deniedResult(call);
      messages.push(result);
      yield stamp(toolResultPayload(result));
    }
    throwIfAborted(invocation);
  } else {
    messages.push(invocation.input);
  }

  for (let step = 1; ; step++) {
    const response = yield* streamStep(context, { invocation, stamp, messages, step });
    const { message } = response;
    messages.push(message);
    const calls = message.toolCalls ?? [];
    if (calls.length === 0) {
      yield stamp({ type: 'message', message });
      return;
    }
    if (step >= context.maxSteps) {
      throw new MaxStepsExceededError(
        `Agent "${context.name}" made ${step} model calls and the model still asks for tools (maxSteps ${context.maxSteps}).`,
        { maxSteps: context.maxSteps },
      );
    }
    const needingApproval = calls.filter((call) => context.tools.get(call.name)?.needsApproval === true);
    if (needingApproval.length > 0) {
      yield stamp({ type: 'approval-requested', calls: needingApproval });
      yield stamp({ type: 'message', message });
      return;
    }
    const outcomes = await dispatchCalls(context, invocation, calls);
    for (const outcome of outcomes) {
      messages.push(outcome.message);
      yield stamp(toolResultPayload(outcome.message));
    }
    throwIfAborted(invocation);
  }
}

interface StepInput {
  invocation: Invocation;
  stamp: (payload: AgentEventPayload) => AgentEvent;
  messages: Message[];
  step: number;
}

interface StepResult {
  message: AssistantMessage;
}

async function* streamStep(context: LoopContext, input: StepInput): AsyncGenerator<AgentEvent, StepResult> {
  const { invocation, stamp, step } = input;
  const model = context.model;
  yield stamp({ type: 'model-start', step, provider: model.provider, modelId: model.modelId });
  let builder = new ModelResponseBuilder();
  let started = new Map<number, string>();
  let announced = new Set<string>();
  const retries: ModelRetryNotice[] = [];
  const callOptions: ModelCallOptions = {
    signal: invocation.signal,
    onRetry: (notice) => {
      if (notice.afterOutput) retries.push(notice);
    },
  };
  const request: ModelRequest = { ...context.baseRequest, messages: input.messages.slice() };
  try {
    for await (const chunk of model.stream(request, callOptions)) {
      if (retries.length > 0) {
        // The model actor restarted the call after some output: the consumer discards the partial step.
        for (const notice of retries.splice(0)) {
          yield stamp({
            type: 'model-retry',
            step,
            attempt: notice.attempt,
            delayMs: notice.delayMs,
            error: notice.error,
          });
        }
        builder = new ModelResponseBuilder();
        started = new Map();
        announced = new Set();
      }
      builder.add(chunk);
      switch (chunk.type) {
        case 'text-delta':
          yield stamp({ type: 'text-delta', text: chunk.text });
          break;
        case 'reasoning-delta':
          yield stamp(
            chunk.signature === undefined
              ? { type: 'reasoning-delta', text: chunk.text }
              : { type: 'reasoning-delta', text: chunk.text, signature: chunk.signature },
          );
          break;
        case 'tool-call-delta': {
          let id = started.get(chunk.index);
          if (id === undefined) {
            id = chunk.id ?? `call_${step}_${chunk.index}`;
            started.set(chunk.index, id);
            announced.add(id);
            yield stamp({ type: 'tool-call-start', toolCallId: id, toolName: chunk.name ?? '', index: chunk.index });
          }
          if (chunk.argumentsDelta.length > 0) {
            yield stamp({
              type: 'tool-call-delta',
              toolCallId: id,
              index: chunk.index,
              argumentsDelta: chunk.argumentsDelta,
            });
          }
          break;
        }
        case 'tool-call':
          if (!announced.has(chunk.call.id)) {
            announced.add(chunk.call.id);
            yield stamp({
              type: 'tool-call-start',
              toolCallId: chunk.call.id,
              toolName: chunk.call.name,
              index: announced.size - 1,
            });
          }
          yield stamp({ type: 'tool-call', call: chunk.call });
          break;
        case 'usage':
        case 'finish':
          break;
      }
    }
  } catch (error) {
    throwIfAborted(invocation, error);
    throw error;
  }
  throwIfAborted(invocation);
  const response = builder.build();
  const finishReason = response.finishReason ?? (response.toolCalls.length > 0 ? 'tool-calls' : 'stop');
  yield stamp({ type: 'model-finish', step, usage: response.usage ?? emptyUsage(), finishReason });
  return { message: response.message };
}

async function dispatchCalls(context: LoopContext, invocation: Invocation, calls: ToolCall[]): Promise<ToolOutcome[]> {
  if (calls.length === 0) return [];
  return context.tools.dispatch(calls, {
    sessionId: invocation.sessionId,
    state: invocation.state,
    signal: invocation.signal,
  });
}

function toolResultPayload(message: ToolMessage): AgentEventPayload {
  return {
    type: 'tool-result',
    toolCallId: message.toolCallId,
    toolName: message.toolName,
    content: message.content,
    isError: message.isError === true,
  };
}

function deniedResult(call: ToolCall): ToolMessage {
  return { role: 'tool', toolCallId: call.id, toolName: call.name, content: deniedResultText, isError: true };
}

function throwIfAborted(invocation: Invocation, cause?: unknown): void {
  if (!invocation.signal.aborted) return;
  if (TurnAbortedError.isInstance(invocation.signal.reason)) throw invocation.signal.reason;
  throw new TurnAbortedError(`Turn ${invocation.turnId} of session "${invocation.sessionId}" was aborted.`, {
    sessionId: invocation.sessionId,
    cause: cause ?? invocation.signal.reason,
  });
}
