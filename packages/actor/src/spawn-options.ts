/** What a bounded mailbox does with a message that does not fit. */
export type OverflowPolicy = 'block' | 'drop-newest' | 'drop-oldest' | 'fail';

/** Mailbox settings. Unbounded unless `capacity` is set. */
export interface MailboxOptions {
  /** Most messages waiting at once. Default: unbounded. */
  capacity?: number;
  /**
   * What happens when full. `block`: `send`/`ask` wait for space, `tell` throws `MailboxFullError`.
   * `drop-newest`: the new message goes to dead letters. `drop-oldest`: the oldest waiting message
   * goes to dead letters. `fail`: `MailboxFullError`. Default `fail`.
   */
  overflow?: OverflowPolicy;
}

/** How a failure (an error thrown from `receive` or a start hook) is handled. */
export type SupervisionStrategy = 'restart' | 'resume' | 'stop' | 'escalate';

/** Exponential backoff between restarts. */
export interface RestartBackoffOptions {
  /** Delay before the first restart in a window. */
  minMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Extra random share added to each delay, 0..1 (capped at `maxMs`). Default 0.2. */
  jitter?: number;
  /** Source of randomness in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** Supervision settings of one actor. */
export interface SupervisionOptions {
  /** Default `restart`. */
  strategy?: SupervisionStrategy;
  /** Restarts allowed within `withinMs`; one more failure stops the actor. Default 10. */
  maxRestarts?: number;
  /** The sliding window for `maxRestarts`. Default 60 000 ms. */
  withinMs?: number;
  /** Delay restarts exponentially. Default: restart at once. */
  backoff?: RestartBackoffOptions;
}

/** Options of `spawn`. */
export interface SpawnOptions {
  /** Unique among siblings; top-level names are what `system.lookup` finds. Default `$<n>`. */
  name?: string;
  mailbox?: MailboxOptions;
  supervision?: SupervisionOptions;
}
