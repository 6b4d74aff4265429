import type { Clock, Logger } from '@troupe/core';
import type { ActorFactory } from './actor.ts';
import type { ActorRef } from './actor-ref.ts';
import type { RouterOptions, RouterRef } from './router.ts';
import type { SpawnOptions } from './spawn-options.ts';
import { SystemCore } from './system-core.ts';
import type { ActorSystemEvents } from './system-events.ts';

/** Options of {@link createActorSystem}. */
export interface ActorSystemOptions {
  /** Names the system in logs and errors. */
  name: string;
  /** Time for timeouts, timers, idle notices and restart backoff. Default: the system clock. */
  clock?: Clock;
  /** Where failures and dead letters are logged. Default: silent. */
  logger?: Logger;
}

/** Options of {@link ActorSystem.stop}. */
export interface SystemStopOptions {
  /**
   * How long to let actors work through their mailboxes before stopping them regardless (a
   * message still being handled then is abandoned). Default 5 000 ms.
   */
  deadlineMs?: number;
}

/** A tree of actors under `/user`, with one scheduler, one ask-timeout structure and one event hub. */
export interface ActorSystem {
  /** The name given at creation. */
  readonly name: string;
  /** The injected clock. */
  readonly clock: Clock;
  /** The injected logger. */
  readonly logger: Logger;
  /** Started, stopped, restarted, failed and dead-letter events. */
  readonly events: ActorSystemEvents;
  /** True once `stop()` has finished. */
  readonly isStopped: boolean;
  /** Spawns a top-level actor under `/user`. Throws `ActorNameTakenError` for a taken name. */
  spawn<M>(factory: ActorFactory<M>, options?: SpawnOptions): ActorRef<M>;
  /** Spawns a router: one ref that spreads messages over routees. */
  spawnRouter<M>(options: RouterOptions<M>): RouterRef<M>;
  /**
   * Finds a live actor by top-level name (`counter`), by path under `/user` (`parent/child`) or by
   * full path (`/user/parent/child`).
   */
  lookup<M = unknown>(nameOrPath: string): ActorRef<M> | undefined;
  /**
   * Lets actors drain their mailboxes (until nothing is queued or running, or the deadline), then
   * stops every actor, children before parents. New spawns are refused from then on. Idempotent.
   */
  stop(options?: SystemStopOptions): Promise<void>;
  /** Same as `stop()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates an actor system. */
export function createActorSystem(options: ActorSystemOptions): ActorSystem {
  return new SystemCore(options);
}
