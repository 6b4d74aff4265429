import {
  type AgentEvent,
  type AssistantMessage,
  addUsage,
  emptyUsage,
  type Message,
  ModelResponseBuilder,
  type TurnStatus,
  type Usage,
} from '@troupe/core';
import type { StepHandOver } from './step-message.ts';

/**
 * Rebuilds the messages a turn adds to the session from the events its agent emitted — exactly
 * what the consumer saw. Only events authored by the session's agent count: nested members of a
 * team keep their conversations to themselves. Each model step becomes an assistant message at
 * `model-finish` (a `model-retry` discards the partial step), each `tool-result` a tool message,
 * and the `message` event is the authoritative final assistant message.
 */
export class TurnTranscript {
  /** The messages to commit, in order. */
  readonly messages: Message[] = [];
  /** Usage of every model call of the turn: nested agents and tools included. */
  usage: Usage = emptyUsage();
  /** The last `message` event of the agent. */
  finalMessage: AssistantMessage | undefined;
  /** True once the agent asked for approval. */
  awaitingApproval = false;
  private step: ModelResponseBuilder | undefined;
  /** True while the agent's current step will hand its message over with `model-finish`. */
  private handedOver = false;
  private lastStepIndex = -1;

  constructor(
    private readonly author: string,
    prefix: readonly Message[] = [],
  ) {
    this.messages.push(...prefix);
  }

  /** The status the turn ends with when it succeeds. */
  get status(): TurnStatus {
    return this.awaitingApproval ? 'awaiting-approval' : 'completed';
  }

  /** Adds usage spent outside the agent's model calls (inside tools) to the turn's total. */
  addUsage(usage: Usage): void {
    this.usage = addUsage(this.usage, usage);
  }

  /** Adds one event of the turn; `handOver` is what the agent passed beside it ({@link StepHandOver}). */
  add(event: AgentEvent, handOver?: StepHandOver): void {
    if (event.type === 'model-finish') this.usage = addUsage(this.usage, event.usage);
    if (event.author !== this.author) return;
    switch (event.type) {
      case 'model-start':
        this.handedOver = handOver === true;
        this.step = this.handedOver ? undefined : new ModelResponseBuilder();
        break;
      case 'model-retry':
        if (!this.handedOver) this.step = new ModelResponseBuilder();
        break;
      case 'text-delta':
        this.step?.add(event);
        break;
      case 'reasoning-delta':
        this.step?.add(
          event.signature === undefined
            ? { type: 'reasoning-delta', text: event.text }
            : { type: 'reasoning-delta', text: event.text, signature: event.signature },
        );
        break;
      case 'tool-call':
        this.step?.add(event);
        break;
      case 'model-finish': {
        if (handOver !== undefined && handOver !== true) {
          this.messages.push(handOver);
          this.lastStepIndex = this.messages.length - 1;
          this.handedOver = false;
        } else if (this.step) {
          this.messages.push(this.step.build().message);
          this.lastStepIndex = this.messages.length - 1;
          this.step = undefined;
        }
        break;
      }
      case 'tool-result': {
        const message: Message = {
          role: 'tool',
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          content: event.content,
        };
        if (event.isError) message.isError = true;
        this.messages.push(message);
        break;
      }
      case 'approval-requested':
        this.awaitingApproval = true;
        break;
      case 'message':
        this.finalMessage = event.message;
        // The final message repeats the last step's; the event's copy wins (it may carry more, such
        // as provider metadata of reasoning parts).
        if (this.lastStepIndex === this.messages.length - 1 && this.lastStepIndex >= 0) {
          this.messages[this.lastStepIndex] = event.message;
        } else {
          this.messages.push(event.message);
        }
        this.lastStepIndex = -1;
        break;
      default:
        break;
    }
  }
}
