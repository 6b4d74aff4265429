import type { SessionState } from './agent.ts';
import type { ValidationIssue } from './errors.ts';
import type { JsonSchema } from './messages.ts';

/** What a tool's `execute` receives besides its arguments. */
export interface ToolContext {
  /** Fires when the turn is aborted or the call times out. */
  signal: AbortSignal;
  sessionId: string;
  toolCallId: string;
  /** The session's state; changes commit with the turn. */
  state: SessionState;
}

/** The outcome of validating tool arguments. */
export type ToolValidation<Args> = { ok: true; value: Args } | { ok: false; issues: ValidationIssue[] };

/**
 * A tool the agent loop can call. `@troupe/tool`'s `defineTool` builds these from zod or JSON
 * Schema; any object of this shape works.
 */
export interface Tool<Args = unknown, Output = unknown> {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments, as sent to the model. */
  readonly inputSchema: JsonSchema;
  /** Checks (and may coerce) raw arguments before `execute`. Absent: arguments pass as they are. */
  validate?(args: unknown): ToolValidation<Args>;
  execute(args: Args, context: ToolContext): Promise<Output> | Output;
  /** Per-call time limit in ms. */
  readonly timeoutMs?: number;
  /** When true the turn pauses for approval before this tool runs. */
  readonly needsApproval?: boolean;
}
