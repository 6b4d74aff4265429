import type { Logger } from '@troupe/core';
import type { ActorRef } from './actor-ref.ts';
import type { ActorSystem } from './actor-system.ts';
import type { SpawnOptions } from './spawn-options.ts';

/**
 * An actor: state plus a `receive` that handles one message at a time. The runtime never calls
 * `receive` again before the previous call (and the promise it returned) has settled.
 */
export interface Actor<M = unknown> {
  /** Handles one message. May be async: the next message waits until the returned promise settles. */
  receive(context: ActorContext<M>, message: M): void | Promise<void>;
  /** Runs once per instance before its first message (after a restart, on the new instance). */
  preStart?(context: ActorContext<M>): void | Promise<void>;
  /** Runs on the failed instance before it is replaced by a restart, with the error that caused it. */
  preRestart?(context: ActorContext<M>, error: unknown): void | Promise<void>;
  /** Runs once per instance when it is discarded (stop, or after `preRestart` on restart). */
  postStop?(context: ActorContext<M>): void | Promise<void>;
}

/** Builds a fresh actor instance: called at spawn and again on each restart. */
export type ActorFactory<M = unknown> = () => Actor<M>;

/** A cancellable timer scheduled with {@link ActorContext.schedule}. */
export interface ScheduledTimer {
  /** The key the timer was scheduled under. */
  readonly key: string;
  /** Cancels the timer; a message already delivered stays delivered. Idempotent. */
  cancel(): void;
}

/** Options of {@link ActorContext.schedule}. */
export interface ScheduleOptions {
  /** Replaces a pending timer with the same key. Default: a fresh unique key. */
  key?: string;
  /** Deliver every `delayMs` until cancelled, instead of once. */
  repeat?: boolean;
}

/** What an actor sees of the runtime while it handles a message. */
export interface ActorContext<M = unknown> {
  /** This actor's own reference. */
  readonly self: ActorRef<M>;
  /**
   * Who sent the current message: an actor passed as `sender` to `tell`, or the waiting `ask`.
   * Undefined for plain `tell`s and system notices.
   */
  readonly sender: ActorRef | undefined;
  /** The parent actor, or undefined for a top-level actor. */
  readonly parent: ActorRef | undefined;
  /** The system this actor lives in. */
  readonly system: ActorSystem;
  /** The system's logger. */
  readonly logger: Logger;
  /** Live children, in spawn order. */
  readonly children: readonly ActorRef[];
  /** Messages held back with {@link ActorContext.stash}. */
  readonly stashSize: number;
  /**
   * Answers the current message: resolves the pending `ask`, or tells the sender actor. A reply
   * nobody waits for (no sender, or the ask already timed out) goes to dead letters.
   */
  reply(value: unknown): void;
  /** Rejects the pending `ask` of the current message with `error` without failing this actor. */
  replyError(error: unknown): void;
  /** Spawns a child; it is stopped before this actor stops. */
  spawn<C>(factory: ActorFactory<C>, options?: SpawnOptions): ActorRef<C>;
  /** The live child with this name, if any. */
  child<C = unknown>(name: string): ActorRef<C> | undefined;
  /**
   * Delivers a {@link Terminated} notice through `receive` when `ref` stops, also at once when it
   * is already stopped. Watching twice delivers one notice.
   */
  watch(ref: ActorRef): void;
  /** Stops watching: no `Terminated` notice for `ref` arrives afterwards, even one already queued. */
  unwatch(ref: ActorRef): void;
  /** Puts the current message aside (with its sender or pending ask) until `unstashAll`. */
  stash(): void;
  /** Puts every stashed message back at the front of the mailbox, in the order they were stashed. */
  unstashAll(): void;
  /**
   * Delivers an {@link Idle} notice after `ms` without messages, and again every `ms` while idle.
   * `undefined`, 0 or Infinity turns it off.
   */
  setIdleTimeout(ms: number | undefined): void;
  /** Delivers `message` to this actor after `delayMs` (and every `delayMs` with `repeat`). */
  schedule(message: M, delayMs: number, options?: ScheduleOptions): ScheduledTimer;
  /** Cancels the timer with this key, if pending. */
  cancelTimer(key: string): void;
  /** Stops this actor once the current message is done; the rest of the mailbox goes to dead letters. */
  stop(): void;
}
