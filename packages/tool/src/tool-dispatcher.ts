import type { Clock, SessionState, Tool, ToolCall, ToolContext, ToolMessage, ToolSpec, Usage } from '@troupe/core';
import {
  abortReason,
  InvalidArgumentError,
  systemClock,
  ToolExecutionError,
  ToolNotFoundError,
  ToolTimeoutError,
  ToolValidationError,
  TroupeError,
} from '@troupe/core';
import { DEFAULT_MAX_OUTPUT_CHARS, serializeToolOutput, truncateToolOutput } from './tool-output.ts';

/** What one dispatch runs with. */
export interface DispatchContext {
  sessionId: string;
  state: SessionState;
  /** Fires when the turn is aborted: every running call's `ctx.signal` fires too. */
  signal: AbortSignal;
  /** Called as each call finishes (in completion order). */
  onResult?: (outcome: ToolOutcome, index: number) => void;
}

/** The result of one tool call. */
export interface ToolOutcome {
  /** The tool message to append to history. */
  message: ToolMessage;
  /** Model usage spent inside the tool (agent tools), to add to the turn's usage. */
  usage?: Usage;
  durationMs: number;
}

/** Runs the tool calls of one model step. */
export interface ToolDispatcher {
  /** Specs of every tool, as sent to the model. */
  specs(): ToolSpec[];
  /** The tool of that name, if any. */
  get(name: string): Tool | undefined;
  /**
   * Validates and runs the calls, in parallel up to `concurrency`, and resolves with one outcome per
   * call in the calls' order. Never rejects because of a tool: validation failures, unknown tools,
   * throws, timeouts and aborts become results with `isError: true` and text a model can act on.
   */
  dispatch(calls: ToolCall[], context: DispatchContext): Promise<ToolOutcome[]>;
}

/** Options of {@link createToolDispatcher}. */
export interface ToolDispatcherOptions {
  tools: Tool[];
  /** Calls of one step run at most this many at a time. Default 8. */
  concurrency?: number;
  /** Longer results are cut with a marker. Default 100 000 characters. */
  maxOutputChars?: number;
  /** Time limit of a call whose tool sets none. Default 30 000 ms. */
  defaultTimeoutMs?: number;
  clock?: Clock;
}

/**
 * A tool may report usage (an agent run as a tool) through this symbol-keyed callback on its
 * context; plain tools never see it.
 */
export const reportToolUsage: unique symbol = Symbol.for('troupe.tool.reportUsage');

/** The context handed to `execute`, with the optional usage reporter. */
export type DispatchedToolContext = ToolContext & { [reportToolUsage]?: (usage: Usage) => void };

function errorText(error: unknown, toolName: string): string {
  if (TroupeError.isInstance(error)) return error.message;
  const reason = error instanceof Error ? error.message : String(error);
  return new ToolExecutionError(`Tool "${toolName}" failed: ${reason}`, { toolName, cause: error }).message;
}

/** Creates the dispatcher the agent loop calls for each step's tool calls. */
export function createToolDispatcher(options: ToolDispatcherOptions): ToolDispatcher {
  const concurrency = options.concurrency ?? 8;
  const maxOutputChars = options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
  const clock = options.clock ?? systemClock;
  if (!(concurrency >= 1)) throw new InvalidArgumentError(`Tool concurrency ${concurrency} must be at least 1.`);
  if (!(maxOutputChars >= 1)) throw new InvalidArgumentError(`maxOutputChars ${maxOutputChars} must be at least 1.`);
  const tools = new Map<string, Tool>();
  for (const tool of options.tools) {
    if (tools.has(tool.name)) {
      throw new InvalidArgumentError(`Two tools are named "${tool.name}"; tool names must be unique.`);
    }
    tools.set(tool.name, tool);
  }
  const specs: ToolSpec[] = options.tools.map((tool) => ({
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    inputSchema: tool.inputSchema,
  }));

  async function execute(
    call: ToolCall,
    context: DispatchContext,
  ): Promise<{ content: string; isError: boolean; usage?: Usage }> {
    const tool = tools.get(call.name);
    if (!tool) {
      const available = [...tools.keys()];
      const error = new ToolNotFoundError(
        `There is no tool named "${call.name}". Available tools: ${available.length ? available.join(', ') : 'none'}`,
        { toolName: call.name, available },
      );
      return { content: error.message, isError: true };
    }
    let args = call.arguments;
    if (tool.validate) {
      const validation = tool.validate(args);
      if (!validation.ok) {
        const details = validation.issues
          .map((issue) => `- ${issue.path === '' ? '(arguments)' : issue.path}: ${issue.message}`)
          .join('\n');
        const error = new ToolValidationError(`The arguments for tool "${tool.name}" are invalid:\n${details}\n`, {
          toolName: tool.name,
          issues: validation.issues,
        });
        return { content: error.message, isError: true };
      }
      args = validation.value;
    }
    if (context.signal.aborted) {
      return { content: errorText(abortReason(context.signal), tool.name), isError: true };
    }

    const timeoutMs = tool.timeoutMs ?? defaultTimeoutMs;
    const controller = new AbortController();
    let usage: Usage | undefined;
    const onTurnAbort = () => controller.abort(abortReason(context.signal));
    context.signal.addEventListener('abort', onTurnAbort, { once: true });
    const timer = clock.setTimeout(() => {
      controller.abort(
        new ToolTimeoutError(`Tool "${tool.name}" did not finish within ${timeoutMs} ms and was cancelled`, {
          toolName: tool.name,
          timeoutMs,
        }),
      );
    }, timeoutMs);
    // A tool that ignores its signal must not hold the turn: the abort settles the race.
    const aborted = new Promise<never>((_resolve, reject) => {
      controller.signal.addEventListener('abort', () => reject(abortReason(controller.signal)), { once: true });
    });
    const toolContext: DispatchedToolContext = {
      signal: controller.signal,
      sessionId: context.sessionId,
      toolCallId: call.id,
      state: context.state,
      [reportToolUsage]: (reported) => {
        usage = usage
          ? {
              inputTokens: usage.inputTokens + reported.inputTokens,
              outputTokens: usage.outputTokens + reported.outputTokens,
            }
          : { ...reported };
      },
    };
    try {
      const output = await Promise.race([Promise.resolve().then(() => tool.execute(args, toolContext)), aborted]);
      const content = truncateToolOutput(serializeToolOutput(output), maxOutputChars);
      return { content, isError: false, ...(usage ? { usage } : {}) };
    } catch (error) {
      return {
        content: truncateToolOutput(errorText(error, tool.name), maxOutputChars),
        isError: true,
        ...(usage ? { usage } : {}),
      };
    } finally {
      clock.clearTimeout(timer);
      context.signal.removeEventListener('abort', onTurnAbort);
      aborted.catch(() => {});
    }
  }

  return {
    specs: () => specs.map((spec) => ({ ...spec })),
    get: (name) => tools.get(name),
    async dispatch(calls, context) {
      const outcomes = new Array<ToolOutcome>(calls.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < calls.length) {
          const index = next++;
          const call = calls[index] as ToolCall;
          const startedAt = clock.now();
          const result = await execute(call, context);
          const message: ToolMessage = {
            role: 'tool',
            toolCallId: call.id,
            toolName: call.name,
            content: result.content,
          };
          if (result.isError) message.isError = true;
          const outcome: ToolOutcome = { message, durationMs: clock.now() - startedAt };
          if (result.usage) outcome.usage = result.usage;
          outcomes[index] = outcome;
          try {
            context.onResult?.(outcome, index);
          } catch {
            // A failing listener must not lose the other results.
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, worker));
      return outcomes;
    },
  };
}
