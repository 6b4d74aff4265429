import { randomUUID } from 'node:crypto';
import {
  type AgentEvent,
  type AgentEventPayload,
  type AssistantMessage,
  type Clock,
  EventStamp,
  type TroupeError,
  TurnAbortedError,
  type TurnStatus,
  toErrorInfo,
  type Usage,
  type UserMessage,
} from '@troupe/core';
import type { ApprovalDecisions } from './approvals.ts';
import { EventChannel } from './event-channel.ts';

/**
 * Turn ids: a random prefix for this process and a counter. Unique across processes like a UUID
 * (the prefix holds 90 random bits of a UUID v4), at a fraction of `randomUUID`'s cost (it builds
 * its string from sixteen pieces on every call).
 */
const turnIdPrefix = `${randomUUID().replaceAll('-', '').slice(0, 24)}-`;
let turnCount = 0;

function nextTurnId(): string {
  turnCount++;
  return turnIdPrefix + turnCount.toString(36);
}

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
  /**
   * True when nobody reads the events (`send`): they are still built and committed, but not
   * buffered, and the outcome is read from `result` / `error` once `finished` settles.
   */
  drain: boolean;
  /** Called once when the turn leaves the session's backlog or finishes. */
  onSettled: (turn: Turn) => void;
}

/**
 * One accepted `run` or `resume`: its abort state (fed by the caller's signal, the consumer
 * leaving and shutdown), its bounded event channel, and its phase. A queued turn that is aborted
 * leaves the backlog at once; a running one is aborted through its signal.
 */
export class Turn {
  readonly id = nextTurnId();
  readonly sessionId: string;
  readonly author: string;
  readonly request: TurnRequest;
  /** The consumer's events; absent for a drained turn (`send`), which buffers none. */
  readonly channel: EventChannel<AgentEvent> | undefined;
  readonly drain: boolean;
  phase: TurnPhase = 'queued';
  /** True once aborted; a plain field, read once per event. */
  aborted = false;
  /** Why the turn was aborted, once it was. */
  abortReason: TroupeError | undefined;
  /** Created on first read of {@link Turn.signal}. */
  private controller: AbortController | undefined;
  /** Set when the turn committed: what `send` returns. */
  result: TurnResult | undefined;
  /** Set when the turn failed: what `send` rejects with. */
  error: unknown;
  private finishedPromise: Promise<void> | undefined;
  private resolveFinished: (() => void) | undefined;
  private outcomePromise: Promise<TurnResult> | undefined;
  private resolveOutcome: ((result: TurnResult) => void) | undefined;
  private rejectOutcome: ((error: unknown) => void) | undefined;
  private seq = 0;
  private readonly clock: Clock;
  private readonly onSettled: (turn: Turn) => void;
  private readonly callerSignal: AbortSignal | undefined;
  private readonly onCallerAbort: (() => void) | undefined;

  constructor(options: TurnOptions) {
    this.sessionId = options.sessionId;
    this.author = options.author;
    this.request = options.request;
    this.clock = options.clock;
    this.drain = options.drain;
    this.onSettled = options.onSettled;
    this.channel = options.drain
      ? undefined
      : new EventChannel(options.bufferSize, () =>
          this.abort(this.abortError('the consumer stopped reading the events')),
        );
    const signal = options.signal;
    if (signal) {
      this.callerSignal = signal;
      this.onCallerAbort = () => this.abort(this.abortError(signal.reason));
      signal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
  }

  /**
   * The turn's signal, aborted with the turn. Created on first read: an AbortSignal costs
   * microseconds to construct, and a turn whose model and tools never read it needs none.
   */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Resolves when the turn is over, whichever way. */
  get finished(): Promise<void> {
    if (this.finishedPromise === undefined) {
      if (this.phase === 'done') return Promise.resolve();
      this.finishedPromise = new Promise((resolve) => {
        this.resolveFinished = resolve;
      });
    }
    return this.finishedPromise;
  }

  /** What `send` returns: resolves with the turn's result, or rejects with its error. */
  outcome(): Promise<TurnResult> {
    if (this.outcomePromise === undefined) {
      if (this.phase === 'done') {
        return this.result === undefined ? Promise.reject(this.error) : Promise.resolve(this.result);
      }
      this.outcomePromise = new Promise<TurnResult>((resolve, reject) => {
        this.resolveOutcome = resolve;
        this.rejectOutcome = reject;
      });
    }
    return this.outcomePromise;
  }

  /** The next `seq` of this turn's events; events from the agent are renumbered so seq stays strictly increasing. */
  nextSeq(): number {
    return this.seq++;
  }

  /**
   * A runtime event (turn-start, turn-complete, error) stamped with this turn's identity. A turn
   * has at most three, none when drained: the stamp is made for each, not kept.
   */
  event(payload: AgentEventPayload): AgentEvent {
    const clock = this.clock;
    const stamp = new EventStamp({
      invocation: { sessionId: this.sessionId, turnId: this.id },
      author: this.author,
      now: () => clock.now(),
      firstSeq: this.seq++,
    });
    return stamp.event(payload);
  }

  /** Hands an event to the consumer; a promise when the buffer is full and the turn must wait. */
  emit(event: AgentEvent): Promise<void> | undefined {
    return this.channel?.push(event);
  }

  /** Aborts the turn: a queued turn fails and leaves the backlog; a running one is signalled. */
  abort(error: TroupeError): void {
    if (this.phase === 'done' || this.aborted) return;
    this.aborted = true;
    this.abortReason = error;
    this.controller?.abort(error);
    this.channel?.interrupt();
    if (this.phase === 'queued') this.fail(error);
  }

  /** Marks the turn running; false when it was aborted while queued (the session skips it). */
  start(): boolean {
    if (this.phase !== 'queued') return false;
    this.phase = 'running';
    return true;
  }

  /** Ends the turn successfully; the channel ends after the buffered events. */
  complete(result: TurnResult): void {
    if (this.phase === 'done') return;
    this.result = result;
    this.channel?.close();
    this.settle();
  }

  /** Ends the turn with `error`: an `error` event, and then the consumer's iterator throws. */
  fail(error: unknown): void {
    if (this.phase === 'done') return;
    this.error = error;
    if (this.channel) {
      this.channel.push(this.event({ type: 'error', error: toErrorInfo(error) }));
      this.channel.fail(error);
    }
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
    if (this.onCallerAbort) this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    this.onSettled(this);
    this.resolveFinished?.();
    if (this.result !== undefined) this.resolveOutcome?.(this.result);
    else this.rejectOutcome?.(this.error);
  }
}
