import type { Invocation, Message, ToolCall } from '@troupe/core';

/** What `runtime.resume` is told about the calls awaiting approval. */
export interface ApprovalDecisions {
  /** Ids of the tool calls to run. */
  approve?: string[];
  /** Ids of the tool calls to refuse; the model is told the user denied them. Unmentioned calls are denied too. */
  deny?: string[];
}

/** An invocation that continues a turn paused for approval instead of starting from a new user message. */
export interface ResumeInvocation extends Invocation {
  /** The decisions on the pending calls (the last assistant message's unanswered tool calls). */
  approvals: ApprovalDecisions;
}

/** True when `invocation` resumes a paused turn. */
export function isResumeInvocation(invocation: Invocation): invocation is ResumeInvocation {
  return (invocation as Partial<ResumeInvocation>).approvals !== undefined;
}

/**
 * The tool calls of the last assistant message that have no tool result yet: the calls a turn
 * paused on. Empty when the history does not end in a pause.
 */
const noCalls: readonly ToolCall[] = Object.freeze([]);

export function pendingToolCalls(history: readonly Message[]): readonly ToolCall[] {
  let answered: Set<string> | undefined;
  for (let index = history.length - 1; index >= 0; index--) {
    const message = history[index] as Message;
    if (message.role === 'tool') {
      answered ??= new Set();
      answered.add(message.toolCallId);
      continue;
    }
    if (message.role !== 'assistant' || !message.toolCalls) return noCalls;
    return message.toolCalls.filter((call) => !answered?.has(call.id));
  }
  return noCalls;
}

/** The text a refused call's tool result carries, for the model to act on. */
export const deniedResultText = 'The user denied this tool call. Do not retry it; continue without it.';
