export type { Actor, ActorContext, ActorFactory, ScheduledTimer, ScheduleOptions } from './actor.ts';
export type { ActorRef, AskOptions, SendOptions, StopOptions } from './actor-ref.ts';
export {
  type ActorSystem,
  type ActorSystemOptions,
  createActorSystem,
  type SystemStopOptions,
} from './actor-system.ts';
export { type Idle, idleNotice, type SystemNotice, type Terminated } from './notices.ts';
export type { RouterKind, RouterOptions, RouterPool, RouterRef } from './router.ts';
export type {
  MailboxOptions,
  OverflowPolicy,
  RestartBackoffOptions,
  SpawnOptions,
  SupervisionOptions,
  SupervisionStrategy,
} from './spawn-options.ts';
export type {
  ActorSystemEvent,
  ActorSystemEventOf,
  ActorSystemEvents,
  ActorSystemEventType,
  DeadLetterReason,
  FailurePhase,
} from './system-events.ts';
