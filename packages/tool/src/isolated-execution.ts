import type { ActorSystem } from '@troupe/actor';
import { type Tool, ToolExecutionError, ToolUnavailableError, TroupeError } from '@troupe/core';
import type { ToolCallContext } from './define-tool.ts';

interface IsolatedCall {
  args: unknown;
  context: ToolCallContext;
}

/**
 * Runs one call in a fresh actor supervised with `stop`: a throw fails (and stops) that actor only
 * and comes back as a `ToolExecutionError`; a hang is cut off by the caller's signal, after which
 * the actor is stopped and abandoned. Nothing the call did can take the dispatcher down.
 */
export async function runIsolated(
  system: ActorSystem,
  tool: Tool,
  call: { args: unknown; context: ToolCallContext },
): Promise<unknown> {
  let ref: ReturnType<ActorSystem['spawn']>;
  try {
    ref = system.spawn<IsolatedCall>(
      () => ({
        async receive(actorContext, message) {
          actorContext.reply(await tool.execute(message.args, message.context));
        },
      }),
      { supervision: { strategy: 'stop' } },
    );
  } catch (error) {
    throw new ToolUnavailableError(
      `Tool ${tool.name} could not start its isolated actor: ${(error as Error).message}`,
      {
        cause: error,
        toolName: tool.name,
      },
    );
  }
  try {
    return await ref.ask({ args: call.args, context: call.context }, { signal: call.context.signal });
  } catch (error) {
    if (call.context.signal.aborted) throw error;
    if (TroupeError.isInstance(error) && error.code.startsWith('TOOL_')) throw error;
    const reason = error instanceof Error ? error.message || error.name : String(error);
    throw new ToolExecutionError(`Tool ${tool.name} crashed in its isolated actor: ${reason}`, {
      cause: error,
      toolName: tool.name,
    });
  } finally {
    // Not awaited: a hung actor would never finish its message; it is abandoned, not waited on.
    ref.stop().catch(() => undefined);
  }
}
