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
}

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
    result: { content: string; error?: TroupeError; usage?: Usage },
  ) => {
    const message: ToolMessage = {
      role: 'tool',
      toolCallId: call.id,
      toolName: call.name,
      content: truncateToolOutput(result.content, maxOutputChars),
      ...(result.error === undefined ? {} : { isError: true }),
    };
    return {
      message,
      durationMs: Math.max(0, clock.now() - started),
      ...(result.usage === undefined ? {} : { usage: result.usage }),
      ...(result.error === undefined ? {} : { error: result.error }),
    } satisfies ToolOutcome;
  };

  const execute = async (tool: Tool, args: unknown, callContext: ToolCallContext): Promise<unknown> => {
    if ((tool as IsolatedTool).isolated === true) {
      releaseGuard ??= holdIsolationGuard();
      return runIsolated(actorSystem(), tool, { args, context: callContext });
    }
    return tool.execute(args, callContext);
  };

  const runCall = async (
    call: ToolCall,
    context: DispatchContext,
    limiter: ConcurrencyLimiter,
  ): Promise<ToolOutcome> => {
    const started = clock.now();
    const tool = tools.get(call.name);
    if (tool === undefined) {
      const error = unknownToolFailure(call.name, [...tools.keys()]);
      return outcome(call, started, { content: error.message, error });
    }
    let args = normalizeArguments(call.arguments);
    if (tool.validate !== undefined) {
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
      if (!validation.ok) {
        const error = validationFailure(tool.name, validation.issues);
        return outcome(call, started, { content: error.message, error });
      }
      args = validation.value;
    }

    let release: () => void;
    try {
      release = await limiter.acquire(context.signal);
    } catch (reason) {
      const error = abortedFailure(tool.name, reason);
      return outcome(call, started, { content: error.message, error });
    }

    let usage: Usage | undefined;
    const controller = new AbortController();
    const onTurnAbort = () => controller.abort(context.signal.reason);
    if (context.signal.aborted) onTurnAbort();
    else context.signal.addEventListener('abort', onTurnAbort, { once: true });
    const timeoutMs = tool.timeoutMs ?? defaultTimeoutMs;
    const timer = Number.isFinite(timeoutMs)
      ? clock.setTimeout(() => controller.abort(timeoutFailure(tool.name, timeoutMs)), timeoutMs)
      : undefined;
    // Settles when the call is cut off, even if the tool ignores its signal and never returns.
    const cutOff = new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(controller.signal.reason);
      else controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    cutOff.catch(() => undefined);
    const reportUsage = (spent: Usage) => {
      usage = usage === undefined ? { ...spent } : addUsage(usage, spent);
    };
    const callContext: ToolCallContext & DispatchedToolContext = {
      signal: controller.signal,
      sessionId: context.sessionId,
      toolCallId: call.id,
      state: context.state,
      reportUsage,
      [reportToolUsage]: reportUsage,
    };
    try {
      const running = Promise.resolve().then(() => execute(tool, args, callContext));
      // A tool that rejects after being cut off must not surface as an unhandled rejection.
      running.catch(() => undefined);
      const value = await Promise.race([running, cutOff]);
      const content = serializeToolOutput(value, tool.name);
      return outcome(call, started, { content, ...(usage === undefined ? {} : { usage }) });
    } catch (thrown) {
      let error: TroupeError;
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
      if (reason !== undefined && ToolTimeoutError.isInstance(reason)) error = reason;
      else if (context.signal.aborted) error = abortedFailure(tool.name, context.signal.reason);
      else error = executionFailure(tool.name, thrown);
      return outcome(call, started, { content: error.message, error, ...(usage === undefined ? {} : { usage }) });
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
      context.signal.removeEventListener('abort', onTurnAbort);
      release();
    }
  };

  return {
    specs: () => specs.map((spec) => ({ ...spec })),
    get: (name) => tools.get(name),
    async dispatch(calls, turnContext) {
      const limiter = new ConcurrencyLimiter(concurrency);
      // One listener on the caller's signal, fanned out to every call of the step (a step may have
      // more calls than the default listener warning threshold).
      const stepAbort = new AbortController();
      setMaxListeners(0, stepAbort.signal);
      const onTurnAbort = () => stepAbort.abort(turnContext.signal.reason);
      if (turnContext.signal.aborted) onTurnAbort();
      else turnContext.signal.addEventListener('abort', onTurnAbort, { once: true });
      const context: DispatchContext = { ...turnContext, signal: stepAbort.signal };
      try {
        return await Promise.all(
          calls.map(async (call, index) => {
            let result: ToolOutcome;
            try {
              result = await runCall(call, context, limiter);
            } catch (thrown) {
              // Defensive: runCall handles every tool failure; this guards the promise of "never rejects".
              const error = executionFailure(call.name, thrown);
              result = outcome(call, clock.now(), { content: error.message, error });
            }
            try {
              context.onResult?.(result, index);
            } catch {
              // A failing listener must not lose the other results.
            }
            return result;
          }),
        );
      } finally {
        turnContext.signal.removeEventListener('abort', onTurnAbort);
      }
    },
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
