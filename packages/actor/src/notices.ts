import type { ActorRef } from './actor-ref.ts';

/** Delivered through `receive` to a watcher when a watched actor stops. */
export interface Terminated {
  readonly type: 'terminated';
  /** The actor that stopped. */
  readonly ref: ActorRef;
  /** `normal`: stopped on request; `failure`: stopped because of an error (see `error`). */
  readonly reason: 'normal' | 'failure';
  /** The error that stopped it, for `failure`. */
  readonly error?: unknown;
}

/** Delivered through `receive` after the idle timeout set with `ctx.setIdleTimeout`. */
export interface Idle {
  readonly type: 'idle';
}

/** The notices the runtime itself delivers through `receive`. */
export type SystemNotice = Terminated | Idle;

/** The one idle notice object (it carries no data). */
export const idleNotice: Idle = Object.freeze({ type: 'idle' });
