import type { ActorSystem } from '@troupe/actor';
import {
  type Agent,
  type AgentEvent,
  type AgentEventPayload,
  type AssistantMessage,
  type Clock,
  EventStamp,
  emptyUsage,
  InvalidArgumentError,
  type Invocation,
  type LanguageModel,
  MaxStepsExceededError,
  type Message,
  type ModelChunk,
  type ModelRequest,
  ModelResponseBuilder,
  systemClock,
  type Tool,
  type ToolCall,
  type ToolChoice,
  type ToolMessage,
  TurnAbortedError,
} from '@troupe/core';
import { type AbortCheckable, abortCheck, isAborted } from '@troupe/core/internal';
import {
  createToolDispatcher,
  type DispatchContext,
  dispatchNow,
  type ToolDispatcher,
  type ToolOutcome,
} from '@troupe/tool';
import { deniedResultText, isResumeInvocation, pendingToolCalls } from './approvals.ts';
import { type Emit, type EmittingAgent, emitEvents, iterateEmitted } from './emitted-events.ts';
import { modelActorOf } from './model-actor.ts';
import type { ModelCallConsumer, ModelCallOptions, ModelRetryNotice } from './model-call.ts';
import { reportUsage } from './turn-usage.ts';

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
export interface LlmAgent extends EmittingAgent {
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
  const now = () => clock.now();
  const approvals = (options.tools ?? []).some((tool) => tool.needsApproval === true);
  const context: LoopContext = {
    model: options.model,
    name: options.name,
    maxSteps,
    now,
    tools,
    approvals,
    baseRequest,
  };
  return {
    name: options.name,
    maxSteps,
    tools,
    run: (invocation) =>
      iterateEmitted((emit) => runLoop(context, invocation, { emit, deltas: true, times: true }), agentBufferSize),
    [emitEvents]: (invocation, emit, emitOptions) =>
      runLoop(context, invocation, {
        emit,
        deltas: emitOptions?.deltas !== false,
        times: emitOptions?.times !== false,
      }),
  };
}

/** Events an iterated `run` produces ahead of its consumer. */
const agentBufferSize = 16;

interface LoopContext {
  model: LanguageModel;
  name: string;
  maxSteps: number;
  /** The clock's time, for event stamps. */
  now: () => number;
  tools: ToolDispatcher;
  /** True when some tool needs approval (else a step's calls are not searched for one). */
  approvals: boolean;
  baseRequest: Omit<ModelRequest, 'messages'>;
}

/** Per-turn data of the loop. */
interface Loop {
  context: LoopContext;
  invocation: Invocation;
  stamp: EventStamp;
  emit: Emit<AgentEvent>;
  /** False when nobody reads delta events (see `EmitOptions.deltas`); each step's message is handed over anyway. */
  deltas: boolean;
  messages: Message[];
}

/** The time of events nobody reads (see `EmitOptions.times`). */
const untimed = (): number => 0;

async function runLoop(
  context: LoopContext,
  invocation: Invocation,
  sink: { emit: Emit<AgentEvent>; deltas: boolean; times: boolean },
): Promise<void> {
  checkInvocation(context.name, invocation);
  const now = sink.times ? context.now : untimed;
  const stamp = new EventStamp({ invocation, author: context.name, now });
  const loop: Loop = {
    context,
    invocation,
    stamp,
    emit: sink.emit,
    deltas: sink.deltas,
    messages: invocation.history.slice(),
  };
  const { messages } = loop;
  if (isResumeInvocation(invocation)) {
    const pending = pendingToolCalls(messages);
    const approved = new Set(invocation.approvals.approve ?? []);
    const runnable = pending.filter((call) => approved.has(call.id) || !context.tools.get(call.name)?.needsApproval);
    const dispatched = dispatchCalls(context, invocation, runnable);
    const outcomes = dispatched instanceof Promise ? await dispatched : dispatched;
    const byId = new Map(outcomes.map((outcome) => [outcome.message.toolCallId, outcome.message]));
    for (const call of pending) {
      const result = byId.get(call.id) ?? deniedResult(call);
      messages.push(result);
      const deniedSent = loop.emit(loop.stamp.toolResult(result));
      if (deniedSent) await deniedSent;
    }
    throwIfAborted(invocation);
  } else {
    messages.push(invocation.input);
  }

  for (let step = 1; ; step++) {
    const message = await streamStep(loop, step);
    messages.push(message);
    const calls = message.toolCalls ?? [];
    if (calls.length === 0) {
      const answerSent = loop.emit(loop.stamp.message(message));
      if (answerSent) await answerSent;
      return;
    }
    if (step >= context.maxSteps) {
      throw new MaxStepsExceededError(
        `Agent "${context.name}" made ${step} model calls and the model still asks for tools (maxSteps ${context.maxSteps}).`,
        { maxSteps: context.maxSteps },
      );
    }
    const needingApproval = context.approvals
      ? calls.filter((call) => context.tools.get(call.name)?.needsApproval === true)
      : undefined;
    if (needingApproval !== undefined && needingApproval.length > 0) {
      const approvalSent = send(loop, { type: 'approval-requested', calls: needingApproval });
      if (approvalSent) await approvalSent;
      const pausedSent = loop.emit(loop.stamp.message(message));
      if (pausedSent) await pausedSent;
      return;
    }
    const dispatched = dispatchCalls(context, invocation, calls);
    const outcomes = dispatched instanceof Promise ? await dispatched : dispatched;
    for (const outcome of outcomes) {
      messages.push(outcome.message);
      const resultSent = loop.emit(loop.stamp.toolResult(outcome.message));
      if (resultSent) await resultSent;
    }
    throwIfAborted(invocation);
  }
}

/** Stamps and emits one event, waiting only when the consumer's buffer is full. */
function send(loop: Loop, payload: AgentEventPayload): Promise<void> | undefined {
  return loop.emit(loop.stamp.event(payload));
}

/** Emits `first` and then `second`, keeping the order when the first has to wait. */
function sendBoth(loop: Loop, first: AgentEventPayload, second: AgentEventPayload): Promise<void> | undefined {
  const wait = send(loop, first);
  return wait === undefined ? send(loop, second) : wait.then(() => send(loop, second));
}

/**
 * One model call: streams its chunks as events and resolves with the assistant message it amounts
 * to. Inside a runtime the model actor hands the chunks straight to the step's consumer (no
 * async-iterator layer and no async frame of the step's own between them).
 */
function streamStep(loop: Loop, step: number): Promise<AssistantMessage> {
  const model = loop.context.model;
  const startSent = loop.emit(loop.stamp.modelStart(step, model.provider, model.modelId), true);
  if (startSent) return startSent.then(() => callModel(loop, step));
  return callModel(loop, step);
}

function callModel(loop: Loop, step: number): Promise<AssistantMessage> {
  const { context } = loop;
  const consumer = new StepConsumer(loop, step);
  const request = Object.assign({ messages: loop.messages.slice() }, context.baseRequest) as ModelRequest;
  const actor = modelActorOf(context.model);
  if (actor !== undefined) return actor.consume(request, consumer, consumer);
  return iterateModel(context.model, request, consumer);
}

/** Consumes a model that is not a runtime's: iterates its stream. */
async function iterateModel(
  model: LanguageModel,
  request: ModelRequest,
  consumer: StepConsumer,
): Promise<AssistantMessage> {
  try {
    for await (const chunk of model.stream(request, consumer)) {
      const wait = consumer.chunk(chunk);
      if (wait !== undefined) await wait;
    }
  } catch (error) {
    throw consumer.failure(error);
  }
  return consumer.end();
}

/**
 * The consumer of one model call of a step: turns chunks into events, builds the step's message,
 * and is the call's options (the turn's signal read only by a model that needs it; the model
 * actor's own checks use the cheap `abortCheck`; retry notices). One object per call instead of a
 * handful of closures.
 */
class StepConsumer implements ModelCallOptions, ModelCallConsumer<AssistantMessage> {
  private builder = new ModelResponseBuilder();
  /** Ids of the tool calls begun, by stream index: a step has a few. */
  private started: string[] | undefined;
  /** Ids of the tool calls announced with `tool-call-start`. */
  private announced: string[] | undefined;
  /** Retries after output, announced with the next chunk. */
  private retries: ModelRetryNotice[] | undefined;

  constructor(
    private readonly loop: Loop,
    private readonly step: number,
  ) {}

  get signal(): AbortSignal {
    return this.loop.invocation.signal;
  }

  [abortCheck](): boolean {
    return isAborted(this.loop.invocation);
  }

  onRetry(notice: ModelRetryNotice): void {
    if (notice.afterOutput) (this.retries ??= []).push(notice);
  }

  chunk(chunk: ModelChunk): Promise<void> | undefined {
    const { loop } = this;
    if (this.retries !== undefined && this.retries.length > 0) {
      // The model actor restarted the call after some output: the consumer discards the partial step.
      const notices = this.retries.splice(0);
      this.builder = new ModelResponseBuilder();
      this.started = undefined;
      this.announced = undefined;
      return announceRetries(loop, this.step, notices).then(() => this.chunk(chunk));
    }
    this.builder.add(chunk);
    if (!loop.deltas) return undefined;
    switch (chunk.type) {
      case 'text-delta':
        // The hot path of a streamed answer: one literal, no payload object.
        return loop.emit(loop.stamp.textDelta(chunk.text));
      case 'reasoning-delta':
        return send(
          loop,
          chunk.signature === undefined
            ? { type: 'reasoning-delta', text: chunk.text }
            : { type: 'reasoning-delta', text: chunk.text, signature: chunk.signature },
        );
      case 'tool-call-delta': {
        this.started ??= [];
        let id = this.started[chunk.index];
        let start: AgentEventPayload | undefined;
        if (id === undefined) {
          id = chunk.id ?? `call_${this.step}_${chunk.index}`;
          this.started[chunk.index] = id;
          (this.announced ??= []).push(id);
          start = { type: 'tool-call-start', toolCallId: id, toolName: chunk.name ?? '', index: chunk.index };
        }
        const delta: AgentEventPayload | undefined =
          chunk.argumentsDelta.length > 0
            ? { type: 'tool-call-delta', toolCallId: id, index: chunk.index, argumentsDelta: chunk.argumentsDelta }
            : undefined;
        if (start === undefined) return delta === undefined ? undefined : send(loop, delta);
        return delta === undefined ? send(loop, start) : sendBoth(loop, start, delta);
      }
      case 'tool-call': {
        this.announced ??= [];
        const call: AgentEventPayload = { type: 'tool-call', call: chunk.call };
        if (this.announced.includes(chunk.call.id)) return send(loop, call);
        this.announced.push(chunk.call.id);
        const start: AgentEventPayload = {
          type: 'tool-call-start',
          toolCallId: chunk.call.id,
          toolName: chunk.call.name,
          index: this.announced.length - 1,
        };
        return sendBoth(loop, start, call);
      }
      default:
        return undefined;
    }
  }

  /** The call ended: the step's message, after its `model-finish` event. */
  end(): AssistantMessage | Promise<AssistantMessage> {
    const { loop } = this;
    throwIfAborted(loop.invocation);
    const response = this.builder.build();
    const finishReason = response.finishReason ?? (response.toolCalls.length > 0 ? 'tool-calls' : 'stop');
    const finish = loop.stamp.modelFinish(this.step, response.usage ?? emptyUsage(), finishReason);
    const finished = loop.emit(finish, response.message);
    return finished === undefined ? response.message : finished.then(() => response.message);
  }

  /** What the call's failure becomes: a `TurnAbortedError` when the turn was aborted meanwhile. */
  failure(error: unknown): unknown {
    throwIfAborted(this.loop.invocation, error);
    return error;
  }
}

async function announceRetries(loop: Loop, step: number, notices: ModelRetryNotice[]): Promise<void> {
  for (const notice of notices) {
    await send(loop, {
      type: 'model-retry',
      step,
      attempt: notice.attempt,
      delayMs: notice.delayMs,
      error: notice.error,
    });
  }
}

/** Runs a step's calls; the outcomes themselves when every call answered synchronously. */
function dispatchCalls(
  context: LoopContext,
  invocation: Invocation,
  calls: ToolCall[],
): ToolOutcome[] | Promise<ToolOutcome[]> {
  if (calls.length === 0) return [];
  const { tools } = context;
  const step = new ToolStep(invocation);
  const outcomes = tools[dispatchNow] ? tools[dispatchNow](calls, step) : tools.dispatch(calls, step);
  if (outcomes instanceof Promise) return outcomes.then((settled) => reportToolUsage(invocation, settled));
  return reportToolUsage(invocation, outcomes);
}

/** Model calls made inside tools (an agent run as a tool) count towards the turn. */
function reportToolUsage(invocation: Invocation, outcomes: ToolOutcome[]): ToolOutcome[] {
  for (const outcome of outcomes) if (outcome.usage !== undefined) reportUsage(invocation, outcome.usage);
  return outcomes;
}

function deniedResult(call: ToolCall): ToolMessage {
  return { role: 'tool', toolCallId: call.id, toolName: call.name, content: deniedResultText, isError: true };
}

function checkInvocation(name: string, invocation: Invocation): void {
  if (invocation === null || typeof invocation !== 'object') {
    throw new InvalidArgumentError(`Agent "${name}" was run without an invocation.`);
  }
  // A runtime's invocation creates its signal lazily (it has `abortCheck`); any other must carry one.
  if ((invocation as AbortCheckable)[abortCheck] === undefined) {
    if (!(invocation.signal instanceof AbortSignal)) {
      throw new InvalidArgumentError(`Agent "${name}" got an invocation without an AbortSignal in \`signal\`.`, {
        remedy:
          "Pass signal: invocation.signal when deriving an invocation from another (a spread copies own properties only, and a runtime invocation's signal is an accessor).",
      });
    }
  }
}

function throwIfAborted(invocation: Invocation, cause?: unknown): void {
  if (!isAborted(invocation)) return;
  if (TurnAbortedError.isInstance(invocation.signal.reason)) throw invocation.signal.reason;
  throw new TurnAbortedError(`Turn ${invocation.turnId} of session "${invocation.sessionId}" was aborted.`, {
    sessionId: invocation.sessionId,
    cause: cause ?? invocation.signal.reason,
  });
}

/** The dispatch context of one step's tool calls; like {@link StepConsumer}, its signal is read only when needed. */
class ToolStep implements DispatchContext {
  readonly sessionId: string;
  readonly state: Invocation['state'];

  constructor(private readonly invocation: Invocation) {
    this.sessionId = invocation.sessionId;
    this.state = invocation.state;
  }

  get signal(): AbortSignal {
    return this.invocation.signal;
  }

  [abortCheck](): boolean {
    return isAborted(this.invocation);
  }
}
