import type { ActorRef } from '@troupe/actor';
import {
  ActorStoppedError,
  AskTimeoutError,
  MailboxFullError,
  ToolTimeoutError,
  ToolUnavailableError,
} from '@troupe/core';
import type { z } from 'zod';
import { checkToolOptions, resolveToolInput, type ToolCallContext, type TroupeTool } from './define-tool.ts';
import type { JsonSchemaInput } from './json-schema-input.ts';

/** The message an actor tool's actor receives by default; answer it with `ctx.reply(output)`. */
export interface ToolCallMessage<Args = unknown> {
  type: 'tool-call';
  toolName: string;
  toolCallId: string;
  sessionId: string;
  arguments: Args;
}

/** What {@link actorTool} needs besides the actor. */
export interface ActorToolSpec<Args, Message> {
  /** Sent to the model. */
  name: string;
  /** Tells the model when and how to use the tool. */
  description: string;
  /** A zod schema or `jsonSchema({...})`; arguments are validated before the actor sees them. */
  input: z.ZodType<Args> | JsonSchemaInput<Args>;
  /** Builds the message to ask with. Default: a {@link ToolCallMessage}. */
  toMessage?: (args: Args, context: ToolCallContext) => Message;
  /** Per-call time limit in ms (the ask is cancelled then). Default: the dispatcher's. */
  timeoutMs?: number;
  /** When true the turn pauses for approval before this tool runs. */
  needsApproval?: boolean;
}

/**
 * A tool answered by a long-lived actor: each call is an `ask` (the actor replies with
 * `ctx.reply(output)`, or fails the call with `ctx.replyError(error)`). The actor keeps its state
 * between calls and sessions. A stopped actor or a full mailbox gives a `ToolUnavailableError` result.
 */
export function actorTool<Args, Message = ToolCallMessage<Args>>(
  ref: ActorRef<Message>,
  spec: ActorToolSpec<Args, Message>,
): TroupeTool<Args> {
  checkToolOptions(spec);
  const { inputSchema, validate } = resolveToolInput<Args>(spec.input, spec.name);
  const toMessage =
    spec.toMessage ??
    ((args: Args, context: ToolCallContext) =>
      ({
        type: 'tool-call',
        toolName: spec.name,
        toolCallId: context.toolCallId,
        sessionId: context.sessionId,
        arguments: args,
      }) as Message);
  return {
    name: spec.name,
    description: spec.description,
    inputSchema,
    validate,
    kind: 'actor',
    isolated: false,
    async execute(args, context) {
      try {
        return await ref.ask(toMessage(args, context), { signal: context.signal });
      } catch (error) {
        if (ActorStoppedError.isInstance(error) || MailboxFullError.isInstance(error)) {
          throw new ToolUnavailableError(
            `Tool ${spec.name} is unavailable: its actor ${ref.path} cannot take the call`,
            {
              cause: error,
              toolName: spec.name,
            },
          );
        }
        if (AskTimeoutError.isInstance(error)) {
          // The actor (or one it asked in turn) gave up waiting: the model sees the usual timeout.
          throw new ToolTimeoutError(`Tool ${spec.name} got no answer from its actor in time: ${error.message}`, {
            cause: error,
            toolName: spec.name,
            ...(error.timeoutMs === undefined ? {} : { timeoutMs: error.timeoutMs }),
          });
        }
        throw error;
      }
    },
    ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
    ...(spec.needsApproval === undefined ? {} : { needsApproval: spec.needsApproval }),
  };
}
