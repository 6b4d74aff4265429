import type { JsonSchema } from '../messages.ts';
import type { Tool, ToolContext } from '../tool.ts';

/** One recorded call of a {@link FakeTool}. */
export interface FakeToolCall<Args> {
  args: Args;
  context: ToolContext;
}

/** A {@link Tool} that records its calls. */
export interface FakeTool<Args = unknown, Output = unknown> extends Tool<Args, Output> {
  readonly calls: FakeToolCall<Args>[];
}

/** Options of {@link fakeTool}. */
export interface FakeToolOptions {
  description?: string;
  /** Default: any object. */
  inputSchema?: JsonSchema;
  timeoutMs?: number;
  needsApproval?: boolean;
}

/**
 * A tool for tests: runs `impl` (default: returns `"ok"`) and records each call's arguments and
 * context. Arguments are not validated.
 */
export function fakeTool<Args = unknown, Output = unknown>(
  name: string,
  impl: (args: Args, context: ToolContext) => Output | Promise<Output> = () => 'ok' as Output,
  options: FakeToolOptions = {},
): FakeTool<Args, Output> {
  const calls: FakeToolCall<Args>[] = [];
  const tool: FakeTool<Args, Output> = {
    name,
    description: options.description ?? `Fake tool ${name}.`,
    inputSchema: options.inputSchema ?? { type: 'object', additionalProperties: true },
    calls,
    execute(args, context) {
      calls.push({ args, context });
      return impl(args, context);
    },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.needsApproval === undefined ? {} : { needsApproval: options.needsApproval }),
  };
  return tool;
}
