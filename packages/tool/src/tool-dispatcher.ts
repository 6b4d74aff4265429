import { setMaxListeners } from 'node:events';
import { type ActorSystem, createActorSystem } from '@troupe/actor';
import {
  addUsage,
  type Clock,
  InvalidArgumentError,
  type SessionState,
  systemClock,
  type Tool,
  type ToolCall,
  type ToolContext,
  type ToolMessage,
  type ToolSpec,
  ToolTimeoutError,
  type TroupeError,
  type Usage,
} from '@troupe/core';
import { abortCheck, isAborted } from '@troupe/core/internal';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import { checkToolOptions, type ToolCallContext } from './define-tool.ts';
import { runIsolated } from './isolated-execution.ts';
import { holdIsolationGuard } from './isolation-guard.ts';
import { dropNullOptionals } from './null-optional-arguments.ts';
import {
  abortedFailure,
  executionFailure,
  timeoutFailure,
  unknownToolFailure,
  validationFailure,
} from './tool-failures.ts';
import { DEFAULT_MAX_OUTPUT_CHARS, serializeToolOutput, truncateToolOutput } from './tool-output.ts';

/** What one dispatch needs from the turn. */
export interface DispatchContext {
  /** The session the calls belong to (passed to `ctx.sessionId`). */
  sessionId: string;
  /** The session's state (passed to `ctx.state`). */
  state: SessionState;
  /** Aborting it cancels waiting and running calls; they resolve as error results. */
  signal: AbortSignal;
  /** Fires as each call finishes (in completion order), with the call's index in `calls`. */
  onResult?: (outcome: ToolOutcome, index: number) => void;
  /**
   * A cheap check of whether the turn was aborted, consulted instead of reading `signal`, so a
   * caller may create its signal lazily: calls that answer synchronously then never need it.
   */
  [abortCheck]?: () => boolean;
}

/** The key of {@link DispatchContext}'s cheap abort check (the one the runtime's turns carry). */
export const dispatchAbortCheck: typeof abortCheck = abortCheck;

const isDispatchAborted: (context: DispatchContext) => boolean = isAborted;

/** The result of one tool call. */
export interface ToolOutcome {
  /** The tool message to append to history (role 'tool', toolCallId, toolName, content, isError). */
  message: ToolMessage;
  /** Model usage spent inside the tool (agent tools), to add to the turn's usage. */
  usage?: Usage;
  /** From the start of the call (before validation) to its result, on the dispatcher's clock. */
  durationMs: number;
  /** The typed error behind an error result (`message.isError`), for logs and telemetry. */
  error?: TroupeError;
}

/** The key of {@link ToolDispatcher}'s dispatch that may answer without a promise. */
export const dispatchNow: unique symbol = Symbol.for('troupe.tool.dispatchNow');

/** Runs the tool calls of one model step. */
export interface ToolDispatcher {
  /** Specs of every tool, as sent to the model. */
  specs(): ToolSpec[];
  /** The tool of that name, if any (the agent reads `needsApproval` from it). */
  get(name: string): Tool | undefined;
  /**
   * Runs the calls (validated first; in parallel up to `concurrency`) and resolves with one outcome
   * per call, in the calls' order. Never rejects because of a tool: validation failures, unknown
   * tools, throws, timeouts and aborts become `message.isError = true` results with text a model
   * can act on. `onResult` fires as each call finishes (any order).
   */
  dispatch(calls: ToolCall[], context: DispatchContext): Promise<ToolOutcome[]>;
  /**
   * `dispatch`, answering with the outcomes themselves when every call finished synchronously (the
   * usual step of plain tools), so an agent loop can go on without waiting for a promise.
   */
  [dispatchNow]?(calls: ToolCall[], context: DispatchContext): ToolOutcome[] | Promise<ToolOutcome[]>;
  /**
   * Stops the actor system the dispatcher created for isolated tools, if any, and stops catching
   * asynchronous failures of isolated calls. A system passed in `system` is left running. Idempotent.
   */
  close(): Promise<void>;
}

/** Options of {@link createToolDispatcher}. */
export interface ToolDispatcherOptions {
  /** The tools the model may call; names must be unique. */
  tools: Tool[];
  /** Calls of one dispatch running at once. Default 8. */
  concurrency?: number;
  /** Longer outputs are truncated with a marker. Default 100 000 characters. */
  maxOutputChars?: number;
  /** Time limit of tools without their own `timeoutMs`. Default 30 000 ms. */
  defaultTimeoutMs?: number;
  /** Time for timeouts and durations. Default: the system clock. */
  clock?: Clock;
  /** Actor system for isolated tools; created on first use when absent (and stopped by `close`). */
  system?: ActorSystem;
}

function positiveOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && value > 0)) {
    throw new InvalidArgumentError(`createToolDispatcher option ${name} is ${value}; it must be a number > 0.`);
  }
  return value;
}

/**
 * Models often send "" or null for a tool without parameters, and some send the arguments still as
 * a JSON string; both are read as what they mean before validation.
 */
function normalizeArguments(raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw === 'string') {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed === 'object' && parsed !== null) return parsed;
    } catch {
      // Not JSON: validation reports the string as the wrong type.
    }
  }
  return raw;
}

interface IsolatedTool extends Tool {
  readonly isolated?: boolean;
}

/**
 * A tool may report usage (an agent run as a tool) through this symbol-keyed callback on its
 * context, for tools typed against the core `ToolContext` only; `ctx.reportUsage` is the same.
 */
export const reportToolUsage: unique symbol = Symbol.for('troupe.tool.reportUsage');

/** The context handed to `execute`, with the symbol-keyed usage reporter. */
export type DispatchedToolContext = ToolContext & { [reportToolUsage]?: (usage: Usage) => void };

/** Creates the dispatcher the agent loop uses to run a step's tool calls. */
export function createToolDispatcher(options: ToolDispatcherOptions): ToolDispatcher {
  if (options === null || typeof options !== 'object' || !Array.isArray(options.tools)) {
    throw new InvalidArgumentError('createToolDispatcher needs { tools: [...] } with an array of tools.');
  }
  const tools = new Map<string, Tool>();
  for (const tool of options.tools) {
    if (tool === null || typeof tool !== 'object' || typeof tool.execute !== 'function') {
      throw new InvalidArgumentError(`createToolDispatcher got a tool without an execute function: ${String(tool)}.`, {
        remedy: 'Build tools with defineTool(...), actorTool(...), agentTool(...) or mcpTools(...).',
      });
    }
    // Plain core tools are checked too: a name a provider rejects would fail every request.
    checkToolOptions({ name: tool.name, timeoutMs: tool.timeoutMs });
    if (tools.has(tool.name)) {
      throw new InvalidArgumentError(`Two tools are named ${tool.name}.`, {
        remedy: 'Give every tool a unique name (MCP tools can take a prefix).',
      });
    }
    tools.set(tool.name, tool);
  }
  const concurrency = positiveOption('concurrency', options.concurrency, 8);
  if (!Number.isInteger(concurrency)) {
    throw new InvalidArgumentError(`createToolDispatcher option concurrency is ${concurrency}; it must be an integer.`);
  }
  const maxOutputChars = positiveOption('maxOutputChars', options.maxOutputChars, DEFAULT_MAX_OUTPUT_CHARS);
  const defaultTimeoutMs = positiveOption('defaultTimeoutMs', options.defaultTimeoutMs, 30_000);
  const clock = options.clock ?? systemClock;
  let system = options.system;
  let ownedSystem: ActorSystem | undefined;
  let releaseGuard: (() => void) | undefined;
  const specs: ToolSpec[] = [...tools.values()].map((tool) => ({
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    inputSchema: tool.inputSchema,
  }));

  const actorSystem = (): ActorSystem => {
    if (system === undefined) {
      // The system only hosts isolated calls; their timeouts run on `clock` here. Its own timers
      // (the stop deadline) use real time so `close()` never waits on a manual clock.
      ownedSystem = createActorSystem({ name: 'troupe-tools' });
      system = ownedSystem;
    }
    return system;
  };

  const outcome = (
    call: ToolCall,
    started: number,
    result: { content: string; error?: TroupeError | undefined; usage?: Usage | undefined },
  ): ToolOutcome => {
    const message: ToolMessage = {
      role: 'tool',
      toolCallId: call.id,
      toolName: call.name,
      content: truncateToolOutput(result.content, maxOutputChars),
    };
    const done: ToolOutcome = { message, durationMs: Math.max(0, clock.now() - started) };
    if (result.usage !== undefined) done.usage = result.usage;
    if (result.error !== undefined) {
      message.isError = true;
      done.error = result.error;
    }
    return done;
  };

  const execute = (tool: Tool, args: unknown, callContext: ToolCallContext): unknown => {
    if ((tool as IsolatedTool).isolated === true) {
      releaseGuard ??= holdIsolationGuard();
      return runIsolated(actorSystem(), tool, { args, context: callContext });
    }
    return tool.execute(args, callContext);
  };

  /** Validates a call's arguments: the value to run with, or the failed outcome. */
  const validateCall = (tool: Tool, call: ToolCall, started: number): { args: unknown } | ToolOutcome => {
    const args = normalizeArguments(call.arguments);
    if (tool.validate === undefined) return { args };
    let validation: ReturnType<NonNullable<Tool['validate']>>;
    try {
      validation = tool.validate(args);
    } catch (thrown) {
      validation = { ok: false, issues: [{ path: '', message: `could not be validated: ${String(thrown)}` }] };
    }
    if (!validation.ok) {
      // A model may say "absent" as null (strict schema modes); retry once without those nulls.
      const withoutNulls = dropNullOptionals(tool.inputSchema, args);
      if (withoutNulls !== args) {
        try {
          const retried = tool.validate(withoutNulls);
          if (retried.ok) validation = retried;
        } catch {
          // The first validation's issues are reported.
        }
      }
    }
    if (validation.ok) return { args: validation.value };
    const error = validationFailure(tool.name, validation.issues);
    return outcome(call, started, { content: error.message, error });
  };

  /**
   * Runs one validated call. A tool that answers synchronously costs no timer, listener or signal;
   * one that returns a promise is raced against its time limit and the turn's abort, and gets its
   * `ctx.signal` (created only if the tool reads it) aborted when cut off.
   */
  const runValidated = (
    tool: Tool,
    call: ToolCall,
    run: { args: unknown; started: number; context: DispatchContext; step: StepAbort },
  ): ToolOutcome | Promise<ToolOutcome> => {
    const { started, context } = run;
    const callContext = new CallContext(context, call.id);
    let value: unknown;
    try {
      if (isDispatchAborted(context)) throw context.signal.reason;
      value = execute(tool, run.args, callContext.tool);
    } catch (thrown) {
      return failed(tool, call, { started, context, callContext, thrown });
    }
    if (!isThenable(value)) return succeeded(tool, call, { started, value, usage: callContext.usage });
    const pending = value;
    return new Promise<ToolOutcome>((resolve) => {
      let settled = false;
      const timeoutMs = tool.timeoutMs ?? defaultTimeoutMs;
      const finish = (result: () => ToolOutcome) => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clock.clearTimeout(timer);
        run.step.remove(cutOff);
        resolve(result());
      };
      const cutOff = (reason: unknown) => {
        callContext.abort(reason);
        finish(() => failed(tool, call, { started, context, callContext, thrown: reason }));
      };
      const timer = Number.isFinite(timeoutMs)
        ? clock.setTimeout(() => cutOff(timeoutFailure(tool.name, timeoutMs)), timeoutMs)
        : undefined;
      run.step.add(cutOff);
      pending.then(
        (resolved) => {
          // A result that arrives when the limit is already due (its timer not yet run) is late.
          if (timer !== undefined && clock.now() - started >= timeoutMs) {
            cutOff(timeoutFailure(tool.name, timeoutMs));
            return;
          }
          finish(() => succeeded(tool, call, { started, value: resolved, usage: callContext.usage }));
        },
        // A tool that rejects after being cut off is ignored here, so it is never an unhandled rejection.
        (thrown: unknown) => finish(() => failed(tool, call, { started, context, callContext, thrown })),
      );
    });
  };

  const succeeded = (
    tool: Tool,
    call: ToolCall,
    result: { started: number; value: unknown; usage: Usage | undefined },
  ): ToolOutcome => {
    let content: string;
    try {
      content = serializeToolOutput(result.value, tool.name);
    } catch (thrown) {
      const error = executionFailure(tool.name, thrown);
      return outcome(call, result.started, { content: error.message, error, usage: result.usage });
    }
    return outcome(call, result.started, { content, usage: result.usage });
  };

  const failed = (
    tool: Tool,
    call: ToolCall,
    failure: { started: number; context: DispatchContext; callContext: CallContext; thrown: unknown },
  ): ToolOutcome => {
    const { thrown, context, callContext } = failure;
    let error: TroupeError;
    const reason = callContext.cutOffReason;
    if (reason !== undefined && ToolTimeoutError.isInstance(reason)) error = reason;
    else if (isDispatchAborted(context)) error = abortedFailure(tool.name, context.signal.reason);
    else error = executionFailure(tool.name, thrown);
    return outcome(call, failure.started, { content: error.message, error, usage: callContext.usage });
  };

  /** Runs one call; synchronous when it needs no slot and its tool answers synchronously. */
  const runCall = (
    call: ToolCall,
    context: DispatchContext,
    step: { limiter: ConcurrencyLimiter | undefined; abort: StepAbort },
  ): ToolOutcome | Promise<ToolOutcome> => {
    const started = clock.now();
    const tool = tools.get(call.name);
    if (tool === undefined) {
      const error = unknownToolFailure(call.name, [...tools.keys()]);
      return outcome(call, started, { content: error.message, error });
    }
    const validated = validateCall(tool, call, started);
    if (!('args' in validated)) return validated;
    const run = { args: validated.args, started, context, step: step.abort };
    if (step.limiter === undefined) return runValidated(tool, call, run);
    return runWithSlot(tool, call, { run, limiter: step.limiter });
  };

  const runWithSlot = async (
    tool: Tool,
    call: ToolCall,
    slot: { run: Parameters<typeof runValidated>[2]; limiter: ConcurrencyLimiter },
  ): Promise<ToolOutcome> => {
    let release: () => void;
    try {
      release = await slot.limiter.acquire(slot.run.step.signal());
    } catch (reason) {
      const error = abortedFailure(tool.name, reason);
      return outcome(call, slot.run.started, { content: error.message, error });
    }
    try {
      return await runValidated(tool, call, slot.run);
    } finally {
      release();
    }
  };

  /** `runCall` that never throws (a defensive guard: runCall handles every tool failure itself). */
  const guardedCall = (
    call: ToolCall,
    context: DispatchContext,
    step: { limiter: ConcurrencyLimiter | undefined; abort: StepAbort },
  ): ToolOutcome | Promise<ToolOutcome> => {
    try {
      const result = runCall(call, context, step);
      return result instanceof Promise ? result.catch((thrown: unknown) => crashed(call, thrown)) : result;
    } catch (thrown) {
      return crashed(call, thrown);
    }
  };

  /** The outcome of a call whose handling itself threw. */
  const crashed = (call: ToolCall, thrown: unknown): ToolOutcome => {
    const error = executionFailure(call.name, thrown);
    return outcome(call, clock.now(), { content: error.message, error });
  };

  /** One step's calls: the outcomes themselves when every call answered synchronously. */
  const dispatchStep = (calls: ToolCall[], context: DispatchContext): ToolOutcome[] | Promise<ToolOutcome[]> => {
    // Calls beyond the concurrency limit wait for a slot; the common step needs no limiter.
    const limiter = calls.length > concurrency ? new ConcurrencyLimiter(concurrency) : undefined;
    const abort = new StepAbort(context);
    const step = { limiter, abort };
    let pending: Promise<ToolOutcome>[] | undefined;
    const results: ToolOutcome[] = new Array(calls.length);
    for (let index = 0; index < calls.length; index++) {
      const result = guardedCall(calls[index] as ToolCall, context, step);
      if (result instanceof Promise) {
        (pending ??= []).push(
          result.then((settled) => {
            results[index] = reported(context, settled, index);
            return settled;
          }),
        );
      } else {
        results[index] = reported(context, result, index);
      }
    }
    // Calls that all answered synchronously (the usual step of plain tools) need no fan-in.
    if (pending === undefined) {
      abort.dispose();
      return results;
    }
    return Promise.all(pending)
      .then(() => results)
      .finally(() => abort.dispose());
  };

  return {
    specs: () => specs.map((spec) => ({ ...spec })),
    get: (name) => tools.get(name),
    dispatch(calls, context) {
      const outcomes = dispatchStep(calls, context);
      return outcomes instanceof Promise ? outcomes : Promise.resolve(outcomes);
    },
    [dispatchNow]: dispatchStep,
    async close() {
      releaseGuard?.();
      releaseGuard = undefined;
      const owned = ownedSystem;
      ownedSystem = undefined;
      if (owned !== undefined) {
        system = undefined;
        await owned.stop({ deadlineMs: 0 });
      }
    },
  };
}

/** Tells `context.onResult` of a finished call; a failing listener must not lose the other results. */
function reported(context: DispatchContext, result: ToolOutcome, index: number): ToolOutcome {
  if (context.onResult === undefined) return result;
  try {
    context.onResult(result, index);
  } catch {
    // Ignored: see above.
  }
  return result;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * The turn's abort, fanned out to the running calls of one step through a single listener on the
 * turn's signal (a step may run more calls than the listener warning threshold). The listener is
 * added when the first call goes asynchronous.
 */
class StepAbort {
  private cutOffs: Set<(reason: unknown) => void> | undefined;
  private turnSignal: AbortSignal | undefined;
  private waitSignal: AbortController | undefined;

  constructor(private readonly context: DispatchContext) {}

  private onAbort: (() => void) | undefined;

  add(cutOff: (reason: unknown) => void): void {
    if (isDispatchAborted(this.context)) {
      cutOff(this.context.signal.reason);
      return;
    }
    (this.cutOffs ??= new Set()).add(cutOff);
    this.listen();
  }

  remove(cutOff: (reason: unknown) => void): void {
    this.cutOffs?.delete(cutOff);
  }

  /** A signal for calls waiting for a slot (only steps with more calls than the limit wait). */
  signal(): AbortSignal {
    if (this.waitSignal === undefined) {
      this.waitSignal = new AbortController();
      setMaxListeners(0, this.waitSignal.signal);
      if (isDispatchAborted(this.context)) this.waitSignal.abort(this.context.signal.reason);
      else this.listen();
    }
    return this.waitSignal.signal;
  }

  dispose(): void {
    if (this.onAbort) this.turnSignal?.removeEventListener('abort', this.onAbort);
    this.turnSignal = undefined;
  }

  private listen(): void {
    if (this.turnSignal !== undefined) return;
    const turnSignal = this.context.signal;
    this.turnSignal = turnSignal;
    this.onAbort = () => {
      const reason: unknown = turnSignal.reason;
      for (const cutOff of [...(this.cutOffs ?? [])]) cutOff(reason);
      this.waitSignal?.abort(reason);
    };
    turnSignal.addEventListener('abort', this.onAbort, { once: true });
  }
}

/** Where a tool's context finds the call it belongs to. */
const callOfContext: unique symbol = Symbol('troupe.tool.call');

/**
 * The `signal` of every tool context: one shared accessor, defined as an own property of each
 * context, so that `{ ...ctx }` reads it (a spread copies own properties only) while the contexts
 * keep one shape. An object literal with a getter would make a new closure and a new shape per
 * call (measured: ~600 ns per literal, against ~90 ns for this).
 */
const signalProperty: PropertyDescriptor = {
  get(this: CallToolContext): AbortSignal {
    return this[callOfContext].signal();
  },
  enumerable: true,
  configurable: true,
};

/** The `ctx` a tool's `execute` receives: plain own properties, `signal` created on first read. */
class CallToolContext implements ToolCallContext, DispatchedToolContext {
  declare readonly signal: AbortSignal;
  readonly sessionId: string;
  readonly toolCallId: string;
  readonly state: ToolCallContext['state'];
  readonly reportUsage: (usage: Usage) => void;
  readonly [reportToolUsage]: (usage: Usage) => void;
  readonly [callOfContext]: CallContext;

  constructor(call: CallContext, context: DispatchContext, toolCallId: string) {
    const reportUsage = (spent: Usage): void => call.addUsage(spent);
    this.sessionId = context.sessionId;
    this.toolCallId = toolCallId;
    this.state = context.state;
    this.reportUsage = reportUsage;
    this[reportToolUsage] = reportUsage;
    this[callOfContext] = call;
    Object.defineProperty(this, 'signal', signalProperty);
  }
}

/**
 * The dispatcher's handle on one call, and the context its `execute` receives ({@link
 * CallToolContext}). The `signal` (aborted when the call is cut off by its time limit or the turn's
 * abort) is created on first read: most tools never read it, and an AbortSignal costs microseconds
 * to construct on Node 20.
 */
class CallContext {
  readonly tool: CallToolContext;
  /** Usage the tool reported. */
  usage: Usage | undefined;
  /** Why the call was cut off, once it was. */
  cutOffReason: unknown;
  private controller: AbortController | undefined;

  constructor(context: DispatchContext, toolCallId: string) {
    this.tool = new CallToolContext(this, context, toolCallId);
  }

  addUsage(spent: Usage): void {
    this.usage = this.usage === undefined ? { ...spent } : addUsage(this.usage, spent);
  }

  signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.cutOffReason !== undefined) this.controller.abort(this.cutOffReason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.cutOffReason !== undefined) return;
    this.cutOffReason = reason;
    this.controller?.abort(reason);
  }
}
