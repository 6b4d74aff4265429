import {
  type Agent,
  type AgentEvent,
  InvalidArgumentError,
  messageText,
  ToolExecutionError,
  ToolUnavailableError,
  type Usage,
} from '@troupe/core';
import { z } from 'zod';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import { checkToolOptions, resolveToolInput, type ToolCallContext, type TroupeTool } from './define-tool.ts';
import type { JsonSchemaInput } from './json-schema-input.ts';
import { memorySessionState } from './memory-session-state.ts';
import { type DispatchedToolContext, reportToolUsage } from './tool-dispatcher.ts';

const defaultInput = z.object({
  task: z.string().describe('What the sub-agent should do, with all context it needs.'),
});

/** Options of {@link agentTool}. */
export interface AgentToolOptions<Args = { task: string }> {
  /** Sub-agent runs at once; further calls wait in FIFO order. Default 1. */
  poolSize?: number;
  /** Calls allowed to wait for a worker; one more fails at once with `ToolUnavailableError`. Default: unbounded. */
  maxQueued?: number;
  /** Tool name. Default: the agent's name (made tool-safe). */
  name?: string;
  /** Tells the model when to delegate. Default: "Delegate a task to the <name> agent." */
  description?: string;
  /** Arguments the model sends. Default: `{ task: string }`. */
  input?: z.ZodType<Args> | JsonSchemaInput<Args>;
  /** Turns arguments into the sub-agent's user message. Default: `args.task`, or the arguments as JSON. */
  prompt?: (args: Args) => string;
  /** Per-call time limit in ms. Default: the dispatcher's. */
  timeoutMs?: number;
  /** When true the turn pauses for approval before delegating. */
  needsApproval?: boolean;
  /** Sees every event of the sub-agent (for tracing or streaming its progress). */
  onEvent?: (event: AgentEvent, context: ToolCallContext) => void;
}

/** A tool built by {@link agentTool}. */
export interface AgentTool<Args> extends TroupeTool<Args, string> {
  /** Sub-agent runs in progress. */
  readonly running: number;
  /** Calls waiting for a worker. */
  readonly waiting: number;
}

function defaultPrompt(args: unknown): string {
  if (typeof args === 'object' && args !== null && typeof (args as { task?: unknown }).task === 'string') {
    return (args as { task: string }).task;
  }
  return JSON.stringify(args);
}

/**
 * A sub-agent as a tool. Each call runs the agent on a fresh one-message conversation; its final
 * answer is the tool output and the tokens it spent (summed from its `model-finish` events) come
 * back in the outcome's `usage`. At most `poolSize` calls run at once; the rest wait FIFO.
 */
export function agentTool<Args = { task: string }>(
  agent: Agent,
  options: AgentToolOptions<Args> = {},
): AgentTool<Args> {
  const poolSize = options.poolSize ?? 1;
  if (!(Number.isInteger(poolSize) && poolSize >= 1)) {
    throw new InvalidArgumentError(`agentTool poolSize is ${poolSize}; it must be an integer >= 1.`);
  }
  const maxQueued = options.maxQueued ?? Number.POSITIVE_INFINITY;
  const name = options.name ?? agent.name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  checkToolOptions({ name, timeoutMs: options.timeoutMs });
  const { inputSchema, validate } = resolveToolInput<Args>(
    (options.input ?? defaultInput) as z.ZodType | JsonSchemaInput<Args>,
    name,
  );
  const prompt = options.prompt ?? defaultPrompt;
  const pool = new ConcurrencyLimiter(poolSize);

  const run = async (args: Args, context: ToolCallContext): Promise<string> => {
    // Reported as each model call finishes, so tokens spent before an abort or a timeout still
    // reach the turn's usage even though the call's result is cut off at once.
    const report = (usage: Usage) => {
      if (context.reportUsage !== undefined) context.reportUsage(usage);
      else (context as DispatchedToolContext)[reportToolUsage]?.(usage);
    };
    let finalText: string | undefined;
    let streamedText = '';
    const events = agent.run({
      sessionId: `${context.sessionId}/${name}/${context.toolCallId}`,
      turnId: context.toolCallId,
      input: { role: 'user', content: prompt(args) },
      history: [],
      state: memorySessionState(),
      signal: context.signal,
    });
    for await (const event of events) {
      options.onEvent?.(event, context);
      if (event.type === 'model-finish') report(event.usage);
      else if (event.type === 'text-delta') streamedText += event.text;
      else if (event.type === 'model-retry') streamedText = '';
      else if (event.type === 'message') finalText = messageText(event.message);
      else if (event.type === 'error') {
        throw new ToolExecutionError(`Sub-agent ${agent.name} failed: ${event.error.message}`, { toolName: name });
      }
    }
    return finalText ?? streamedText;
  };

  return {
    name,
    description: options.description ?? `Delegate a task to the ${agent.name} agent.`,
    inputSchema,
    validate,
    kind: 'agent',
    isolated: false,
    get running() {
      return pool.running;
    },
    get waiting() {
      return pool.waiting;
    },
    async execute(args, context) {
      if (pool.running >= poolSize && pool.waiting >= maxQueued) {
        throw new ToolUnavailableError(
          `Sub-agent ${agent.name} is busy: ${poolSize} running and ${pool.waiting} calls waiting`,
          { toolName: name, remedy: 'Try again later or do the task without delegating.' },
        );
      }
      const release = await pool.acquire(context.signal);
      try {
        return await run(args, context);
      } finally {
        release();
      }
    },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.needsApproval === undefined ? {} : { needsApproval: options.needsApproval }),
  };
}
