import { randomUUID } from 'node:crypto';
import {
  type AgentEvent,
  type AssistantMessage,
  type Clock,
  eventStamper,
  type TroupeError,
  TurnAbortedError,
  type TurnStatus,
  toErrorInfo,
  type Usage,
  type UserMessage,
} from '@troupe/core';
import type { ApprovalDecisions } from './approvals.ts';
import { EventChannel } from './event-channel.ts';

/** Where a turn is in its life. */
export type TurnPhase = 'queued' | 'running' | 'done';

/** What a turn was asked to do. */
export type TurnRequest =
  | { kind: 'run'; input: UserMessage; route: string | undefined }
  | { kind: 'resume'; approvals: ApprovalDecisions; route: string | undefined };

/** What a committed turn amounts to (`runtime.send` resolves with it). */
export interface TurnResult {
  /** The final assistant message (for `awaiting-approval`, the one holding the pending calls). */
  message: AssistantMessage;
  status: TurnStatus;
  /** Model usage of the whole turn. */
  usage: Usage;
  /** The session version the turn committed. */
  version: number;
}

/** Options of a {@link Turn}. */
export interface TurnOptions {
  sessionId: string;
  /** Author of the runtime's own events of this turn (the session agent's name). */
  author: string;
  request: TurnRequest;
  bufferSize: number;
  clock: Clock;
  signal: AbortSignal | undefined;
  /** Called once when the turn leaves the session's backlog or finishes. */
  onSettled: (turn: Turn) => void;
}

/**
 * One accepted `run` or `resume`: its abort controller (fed by the caller's signal, the consumer
 * leaving and shutdown), its bounded event channel, and its phase. A queued turn that is aborted
 * leaves the backlog at once; a running one is aborted through its signal.
 */
export class Turn {
  readonly id = randomUUID();
  readonly sessionId: string;
  readonly author: string;
  readonly request: TurnRequest;
  readonly controller = new AbortController();
  readonly channel: EventChannel<AgentEvent>;
  phase: TurnPhase = 'queued';
  /** Set when the turn committed: what `send` returns. */
  result: TurnResult | undefined;
  /** Resolves when the turn is over, whichever way. */
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private readonly clock: Clock;
  private readonly onSettled: (turn: Turn) => void;
  private readonly callerSignal: AbortSignal | undefined;
  private readonly onCallerAbort = () => this.abort(this.abortError(this.callerSignal?.reason));
  private seq = 0;
  private stamp: ReturnType<typeof eventStamper> | undefined;

  constructor(options: TurnOptions) {
    this.sessionId = options.sessionId;
    this.author = options.author;
    this.request = options.request;
    this.clock = options.clock;
    this.onSettled = options.onSettled;
    this.callerSignal = options.signal;
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    this.channel = new EventChannel(options.bufferSize, () =>
      this.abort(this.abortError('the consumer stopped reading the events')),
    );
    options.signal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  /** The next `seq` of this turn's events; events from the agent are renumbered so seq stays strictly increasing. */
  nextSeq(): number {
    return this.seq++;
  }

  /** Stamps a runtime event (turn-start, turn-complete, error) with this turn's identity. */
  stamper(): ReturnType<typeof eventStamper> {
    this.stamp ??= eventStamper({
      invocation: { sessionId: this.sessionId, turnId: this.id },
      author: this.author,
      now: this.clock.now,
    });
    const stamp = this.stamp;
    return (payload) => {
      const event = stamp(payload);
      event.seq = this.nextSeq();
      return event;
    };
  }

  /** Aborts the turn: a queued turn fails and leaves the backlog; a running one is signalled. */
  abort(error: TroupeError): void {
    if (this.phase === 'done' || this.controller.signal.aborted) return;
    this.controller.abort(error);
    this.channel.interrupt();
    if (this.phase === 'queued') this.fail(error, { emit: true });
  }

  /** Marks the turn running; false when it was aborted while queued (the session skips it). */
  start(): boolean {
    if (this.phase !== 'queued') return false;
    this.phase = 'running';
    return true;
  }

  /** Ends the turn successfully; the channel ends after the buffered events. */
  complete(): void {
    if (this.phase === 'done') return;
    this.channel.close();
    this.settle();
  }

  /** Ends the turn with `error`: an `error` event (when asked) and then the consumer's iterator throws. */
  fail(error: unknown, options: { emit: boolean } = { emit: true }): void {
    if (this.phase === 'done') return;
    if (options.emit) this.channel.push(this.stamper()({ type: 'error', error: toErrorInfo(error) }));
    this.channel.fail(error);
    this.settle();
  }

  /** The error a turn aborted for `reason` fails with. */
  abortError(reason: unknown): TroupeError {
    if (TurnAbortedError.isInstance(reason)) return reason;
    const why = typeof reason === 'string' ? `: ${reason}` : '';
    return new TurnAbortedError(`Turn ${this.id} of session "${this.sessionId}" was aborted${why}.`, {
      sessionId: this.sessionId,
      cause: typeof reason === 'string' ? undefined : reason,
    });
  }

  private settle(): void {
    this.phase = 'done';
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    this.onSettled(this);
    this.resolveFinished();
  }
}
