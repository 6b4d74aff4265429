import type { Logger } from '@troupe/core';
import type { ActorRef } from './actor-ref.ts';
import type { SupervisionStrategy } from './spawn-options.ts';

/** Why a message ended in dead letters. */
export type DeadLetterReason =
  /** The recipient stopped (or was stopping) with the message still queued or stashed. */
  | 'actor-stopped'
  /** A bounded mailbox with `drop-newest` refused it. */
  | 'mailbox-full'
  /** A bounded mailbox with `drop-oldest` evicted it to make room. */
  | 'dropped-oldest'
  /** The recipient threw while handling it. */
  | 'failed'
  /** A reply arrived after its ask had already timed out, been aborted or answered. */
  | 'late-reply'
  /** A reply to a message that had no sender. */
  | 'no-sender';

/** Where in an actor's life a failure happened. */
export type FailurePhase = 'receive' | 'pre-start' | 'pre-restart' | 'post-stop' | 'child-escalated';

/** Everything `system.events` reports. */
export type ActorSystemEvent =
  | { type: 'actor-started'; ref: ActorRef; at: number }
  | { type: 'actor-stopped'; ref: ActorRef; reason: 'normal' | 'failure'; error?: unknown; at: number }
  | { type: 'actor-restarted'; ref: ActorRef; error: unknown; restarts: number; delayMs: number; at: number }
  | {
      type: 'actor-failed';
      ref: ActorRef;
      error: unknown;
      phase: FailurePhase;
      /** What supervision does about it; `reported` for errors in `postStop`/`preRestart`, which only get reported. */
      directive: SupervisionStrategy | 'reported';
      at: number;
    }
  | { type: 'dead-letter'; message: unknown; recipient: ActorRef | undefined; reason: DeadLetterReason; at: number };

/** The type names of {@link ActorSystemEvent}. */
export type ActorSystemEventType = ActorSystemEvent['type'];

/** One event type's payload. */
export type ActorSystemEventOf<T extends ActorSystemEventType> = Extract<ActorSystemEvent, { type: T }>;

/** Subscriptions to what happens in an actor system. Listeners run synchronously; their errors are logged. */
export interface ActorSystemEvents {
  /** Calls `listener` for every event. Returns the function that unsubscribes. */
  subscribe(listener: (event: ActorSystemEvent) => void): () => void;
  /** Calls `listener` for events of one type. Returns the function that unsubscribes. */
  on<T extends ActorSystemEventType>(type: T, listener: (event: ActorSystemEventOf<T>) => void): () => void;
}

/** The system's event hub; `active` lets the hot paths skip building events nobody listens to. */
export class SystemEventHub implements ActorSystemEvents {
  private listeners: ((event: ActorSystemEvent) => void)[] = [];
  /** True while anyone listens. */
  active = false;

  constructor(private readonly logger: Logger) {}

  subscribe(listener: (event: ActorSystemEvent) => void): () => void {
    // Copy on write: an emit in progress keeps iterating the array it started with.
    this.listeners = [...this.listeners, listener];
    this.active = true;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners = this.listeners.filter((_, position) => position !== index);
      this.active = this.listeners.length > 0;
    };
  }

  on<T extends ActorSystemEventType>(type: T, listener: (event: ActorSystemEventOf<T>) => void): () => void {
    return this.subscribe((event) => {
      if (event.type === type) listener(event as ActorSystemEventOf<T>);
    });
  }

  emit(event: ActorSystemEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error('An actor system event listener threw.', { event: event.type, error });
      }
    }
  }
}
