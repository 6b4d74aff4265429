import type { ErrorInfo } from './errors.ts';
import type { AssistantMessage, Message, ToolCall, Usage } from './messages.ts';
import type { FinishReason } from './model.ts';

/** Fields every agent event carries. */
export interface AgentEventBase {
  sessionId: string;
  turnId: string;
  /** The agent that produced the event; `team/member` for nested agents. */
  author: string;
  /** Strictly increasing within a turn. */
  seq: number;
  /** Milliseconds since the epoch, from the runtime's clock. */
  at: number;
}

/** How a turn ended. */
export type TurnStatus = 'completed' | 'awaiting-approval' | 'failed' | 'aborted';

/** The payload of each agent event kind, without the common fields. */
export type AgentEventPayload =
  | { type: 'turn-start'; input: Message }
  | { type: 'model-start'; step: number; provider: string; modelId: string }
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string; signature?: string }
  | { type: 'tool-call-start'; toolCallId: string; toolName: string; index: number }
  | { type: 'tool-call-delta'; toolCallId: string; index: number; argumentsDelta: string }
  | { type: 'tool-call'; call: ToolCall }
  | { type: 'tool-result'; toolCallId: string; toolName: string; content: string; isError: boolean }
  | { type: 'approval-requested'; calls: ToolCall[] }
  /** The model call is being retried: discard any partial output of the current step. */
  | { type: 'model-retry'; step: number; attempt: number; delayMs: number; error: ErrorInfo }
  | { type: 'model-finish'; step: number; usage: Usage; finishReason: FinishReason }
  /** The final assistant message of the turn. */
  | { type: 'message'; message: AssistantMessage }
  | { type: 'turn-complete'; status: TurnStatus; usage: Usage; version: number }
  | { type: 'error'; error: ErrorInfo };

/** Every event `runtime.run` yields. */
export type AgentEvent = AgentEventPayload & AgentEventBase;

/** The `type` of an agent event. */
export type AgentEventType = AgentEvent['type'];

/** The event of one kind. */
export type AgentEventOf<T extends AgentEventType> = Extract<AgentEvent, { type: T }>;

/** All agent event kinds, in the order a turn typically produces them. */
export const agentEventTypes: readonly AgentEventType[] = [
  'turn-start',
  'model-start',
  'text-delta',
  'reasoning-delta',
  'tool-call-start',
  'tool-call-delta',
  'tool-call',
  'tool-result',
  'approval-requested',
  'model-retry',
  'model-finish',
  'message',
  'turn-complete',
  'error',
];
