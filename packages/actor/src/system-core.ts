import {
  ActorStoppedError,
  type Clock,
  InvalidArgumentError,
  type Logger,
  silentLogger,
  systemClock,
} from '@troupe/core';
import type { Actor, ActorFactory } from './actor.ts';
import { ActorCell } from './actor-cell.ts';
import type { ActorRef } from './actor-ref.ts';
import type { ActorSystem, ActorSystemOptions, SystemStopOptions } from './actor-system.ts';
import type { AskRecord } from './ask-record.ts';
import { AskTimeouts } from './ask-timeouts.ts';
import { RingQueue } from './ring-queue.ts';
import { createRouter, type RouterOptions, type RouterRef } from './router.ts';
import type { SpawnOptions, SupervisionStrategy } from './spawn-options.ts';
import { type ActorSystemEvents, type DeadLetterReason, type FailurePhase, SystemEventHub } from './system-events.ts';

const guardianActor: Actor = {
  receive() {},
};

/** What a failure report carries. */
export interface FailureReport {
  ref: ActorRef;
  error: unknown;
  phase: FailurePhase;
  directive: SupervisionStrategy | 'reported';
}

/**
 * The system behind `createActorSystem`: the `/user` guardian, the ready queue every actor with
 * work waits in (drained in one microtask, like the leanest hand-written mailbox), the shared ask
 * timeouts and the event hub.
 */
/**
 * What the ready queue's drain is scheduled on: a reaction to a settled promise runs as a microtask
 * like `queueMicrotask`, without the async resource Node makes for each `queueMicrotask` call
 * (measured: ~20 ns against ~65 ns). `drain` never throws.
 */
const scheduled = Promise.resolve();

export class SystemCore implements ActorSystem {
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hub: SystemEventHub;
  readonly askTimeouts: AskTimeouts;
  readonly guardian: ActorCell;
  nextId = 1;
  /** Actors inside an async receive/hook or waiting for a restart: the system is not quiescent. */
  busyCount = 0;
  refusesSpawns = false;
  private readonly ready = new RingQueue<ActorCell>(256);
  private drainScheduled = false;
  private quiescenceWaiters: (() => void)[] = [];
  private stopping: Promise<void> | undefined = undefined;
  private stopped = false;

  constructor(options: ActorSystemOptions) {
    if (options === undefined || typeof options.name !== 'string' || options.name.length === 0) {
      throw new InvalidArgumentError('createActorSystem needs a non-empty name.', {
        remedy: "Pass { name: 'my-system' }.",
      });
    }
    this.name = options.name;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.hub = new SystemEventHub(this.logger);
    this.askTimeouts = new AskTimeouts(this.clock);
    this.guardian = new ActorCell({
      system: this,
      parent: undefined,
      factory: () => guardianActor,
      options: undefined,
      instance: guardianActor,
      name: 'user',
    });
  }

  get events(): ActorSystemEvents {
    return this.hub;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  spawn<M>(factory: ActorFactory<M>, options?: SpawnOptions): ActorRef<M> {
    return this.guardian.spawnChild(factory, options);
  }

  spawnRouter<M>(options: RouterOptions<M>): RouterRef<M> {
    return createRouter(this, options);
  }

  lookup<M = unknown>(nameOrPath: string): ActorRef<M> | undefined {
    if (typeof nameOrPath !== 'string' || nameOrPath.length === 0) return undefined;
    let segments = nameOrPath.split('/').filter((segment) => segment.length > 0);
    if (nameOrPath.startsWith('/')) {
      if (segments[0] !== 'user') return undefined;
      segments = segments.slice(1);
    }
    let cell: ActorCell | undefined = this.guardian;
    for (const segment of segments) {
      cell = cell.child(segment);
      if (cell === undefined) return undefined;
    }
    return cell === this.guardian || cell.isStopped ? undefined : (cell as ActorRef as ActorRef<M>);
  }

  /** Forgets an ask's timeout once it settled (see {@link AskTimeouts.forget}). */
  forgetTimeout(record: AskRecord): void {
    this.askTimeouts.forget(record);
  }

  lateReply(record: AskRecord, value: unknown): void {
    this.deadLetter(value, record.target, 'late-reply');
  }

  enqueueReady(cell: ActorCell): void {
    this.ready.push(cell);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      scheduled.then(this.drain);
    }
  }

  private readonly drain = (): void => {
    const ready = this.ready;
    try {
      while (ready.size > 0) (ready.shift() as ActorCell).run();
    } finally {
      this.drainScheduled = false;
      if (ready.size > 0) {
        this.drainScheduled = true;
        scheduled.then(this.drain);
      }
    }
    if (this.quiescenceWaiters.length > 0) this.checkQuiescent();
  };

  /** Wakes `stop()` once nothing is queued or running. */
  checkQuiescent(): void {
    if (this.quiescenceWaiters.length === 0) return;
    if (this.ready.size > 0 || this.drainScheduled || this.busyCount > 0) return;
    const waiters = this.quiescenceWaiters;
    this.quiescenceWaiters = [];
    for (const wake of waiters) wake();
  }

  private quiescent(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.quiescenceWaiters.push(resolve);
      this.checkQuiescent();
    });
  }

  deadLetter(message: unknown, recipient: ActorRef | undefined, reason: DeadLetterReason): void {
    if (this.hub.active) this.hub.emit({ type: 'dead-letter', message, recipient, reason, at: this.clock.now() });
    this.logger.debug('Dead letter.', { recipient: recipient?.path, reason });
  }

  reportFailure(report: FailureReport): void {
    const { ref, error, phase, directive } = report;
    this.logger.error(`Actor ${ref.path} failed in ${phase}; ${directive === 'reported' ? 'reported' : directive}.`, {
      actor: ref.path,
      phase,
      directive,
      error,
    });
    if (this.hub.active) this.hub.emit({ type: 'actor-failed', ref, error, phase, directive, at: this.clock.now() });
  }

  emitStarted(ref: ActorRef): void {
    if (this.hub.active) this.hub.emit({ type: 'actor-started', ref, at: this.clock.now() });
  }

  emitStopped(cell: ActorCell, reason: 'normal' | 'failure', error: unknown): void {
    if (!this.hub.active || cell === this.guardian) return;
    if (reason === 'failure') this.hub.emit({ type: 'actor-stopped', ref: cell, reason, error, at: this.clock.now() });
    else this.hub.emit({ type: 'actor-stopped', ref: cell, reason, at: this.clock.now() });
  }

  emitRestarted(ref: ActorRef, details: { error: unknown; restarts: number; delayMs: number }): void {
    if (this.hub.active) this.hub.emit({ type: 'actor-restarted', ref, ...details, at: this.clock.now() });
  }

  stop(options?: SystemStopOptions): Promise<void> {
    const deadlineMs = options?.deadlineMs ?? 5000;
    if (!Number.isFinite(deadlineMs) || deadlineMs < 0) {
      return Promise.reject(
        new InvalidArgumentError(`system.stop deadlineMs is ${deadlineMs}; it must be a finite number >= 0.`),
      );
    }
    this.stopping ??= this.stopAll(deadlineMs);
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private async stopAll(deadlineMs: number): Promise<void> {
    let passed = false;
    let onDeadline: () => void = () => {};
    const deadline = new Promise<void>((resolve) => {
      onDeadline = resolve;
    });
    const handle = this.clock.setTimeout(() => {
      passed = true;
      onDeadline();
    }, deadlineMs);
    await Promise.race([this.quiescent(), deadline]);
    this.refusesSpawns = true;
    this.guardian.stopWith('normal', undefined);
    const stopped = this.guardian.whenStopped();
    if (passed) this.guardian.forceStop();
    else await Promise.race([stopped, deadline.then(() => this.guardian.forceStop())]);
    await stopped;
    this.clock.clearTimeout(handle);
    this.askTimeouts.dispose();
    this.stopped = true;
  }

  /** The error for operations on a stopped system. */
  stoppedError(): ActorStoppedError {
    return new ActorStoppedError(`The actor system "${this.name}" is stopped.`);
  }
}
