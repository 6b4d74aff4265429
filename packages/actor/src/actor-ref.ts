/** Options of {@link ActorRef.ask}. */
export interface AskOptions {
  /** Rejects with `AskTimeoutError` when no reply came within this many ms. Default: no timeout. */
  timeoutMs?: number;
  /** Rejects with the abort reason when aborted (also while waiting for mailbox space). */
  signal?: AbortSignal;
}

/** Options of {@link ActorRef.send}. */
export interface SendOptions {
  /** Stops waiting for mailbox space (`overflow: 'block'`) and rejects with the abort reason. */
  signal?: AbortSignal;
  /** The actor `ctx.reply` answers to. */
  sender?: ActorRef;
}

/** Options of {@link ActorRef.stop}. */
export interface StopOptions {
  /**
   * Process what is already in the mailbox first (new messages are refused meanwhile). Default
   * false: the current message finishes and the rest goes to dead letters.
   */
  drain?: boolean;
}

/** An address of an actor. Stable across restarts; cheap to pass around. */
export interface ActorRef<M = unknown> {
  /** The actor's name among its siblings (generated as `$<n>` when none was given). */
  readonly name: string;
  /** The full path, e.g. `/user/parent/child`. */
  readonly path: string;
  /** Messages waiting in the mailbox (not counting the one being handled). */
  readonly mailboxSize: number;
  /** True once the actor has stopped for good. */
  readonly isStopped: boolean;
  /**
   * Fire and forget. Throws `MailboxFullError` when a bounded mailbox is full under the `fail` or
   * `block` policy, and `ActorStoppedError` when the actor has stopped.
   */
  tell(message: M, sender?: ActorRef): void;
  /** Like `tell`, but waits for mailbox space under the `block` policy (FIFO among waiters). */
  send(message: M, options?: SendOptions): Promise<void>;
  /** Sends `message` and resolves with what the receiver passes to `ctx.reply`. */
  ask<R = unknown>(message: M, options?: AskOptions): Promise<R>;
  /** Stops the actor (children first); resolves once it has stopped. Idempotent. */
  stop(options?: StopOptions): Promise<void>;
}
