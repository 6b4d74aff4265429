import type { ActorSystem } from '@troupe/actor';
import { type Tool, ToolExecutionError, ToolUnavailableError, TroupeError } from '@troupe/core';
import type { ToolCallContext } from './define-tool.ts';
import { runInIsolationScope } from './isolation-guard.ts';

interface IsolatedCall {
  args: unknown;
  context: ToolCallContext;
}

function describeFailure(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/**
 * Runs one call in a fresh actor supervised with `stop`: a throw fails (and stops) that actor only
 * and comes back as a `ToolExecutionError`; so does an unhandled rejection or uncaught exception
 * raised by the call's own asynchronous work (while the dispatcher holds the isolation guard). A
 * hang is cut off by the caller's signal, after which the actor is stopped and abandoned. Nothing
 * the call does asynchronously can take the dispatcher or the process down.
 */
export async function runIsolated(
  system: ActorSystem,
  tool: Tool,
  call: { args: unknown; context: ToolCallContext },
): Promise<unknown> {
  let settled = false;
  let crash: (error: unknown) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => {
    crash = (error) => {
      // Failures of work the call left behind after its result are contained and dropped.
      if (!settled) {
        reject(
          new ToolExecutionError(
            `Tool ${tool.name} crashed in its isolated actor (unhandled failure in its work): ${describeFailure(error)}`,
            { cause: error, toolName: tool.name },
          ),
        );
      }
    };
  });
  crashed.catch(() => undefined);
  const scope = { crash: (error: unknown) => crash(error) };

  let ref: ReturnType<ActorSystem['spawn']>;
  try {
    ref = system.spawn<IsolatedCall>(
      () => ({
        async receive(actorContext, message) {
          const output = await runInIsolationScope(scope, () => tool.execute(message.args, message.context));
          actorContext.reply(output);
        },
      }),
      { supervision: { strategy: 'stop' } },
    );
  } catch (error) {
    throw new ToolUnavailableError(`Tool ${tool.name} could not start its isolated actor: ${describeFailure(error)}`, {
      cause: error,
      toolName: tool.name,
    });
  }
  try {
    const answer = ref.ask({ args: call.args, context: call.context }, { signal: call.context.signal });
    return await Promise.race([answer, crashed]);
  } catch (error) {
    if (call.context.signal.aborted) throw error;
    if (TroupeError.isInstance(error) && error.code.startsWith('TOOL_')) throw error;
    throw new ToolExecutionError(`Tool ${tool.name} crashed in its isolated actor: ${describeFailure(error)}`, {
      cause: error,
      toolName: tool.name,
    });
  } finally {
    settled = true;
    // Not awaited: a hung actor would never finish its message; it is abandoned, not waited on.
    ref.stop().catch(() => undefined);
  }
}
