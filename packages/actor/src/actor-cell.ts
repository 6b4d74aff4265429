import {
  ActorNameTakenError,
  ActorStoppedError,
  abortReason,
  InvalidArgumentError,
  MailboxFullError,
  type TimerHandle,
} from '@troupe/core';
import type { Actor, ActorFactory } from './actor.ts';
import { ActorContextImpl } from './actor-context.ts';
import type { ActorRef, AskOptions, SendOptions, StopOptions } from './actor-ref.ts';
import { AskRecord, AskReplyRef } from './ask-record.ts';
import { Mailbox } from './mailbox.ts';
import { idleNotice, type Terminated } from './notices.ts';
import { RingQueue } from './ring-queue.ts';
import type { SpawnOptions } from './spawn-options.ts';
import {
  defaultSupervision,
  type ResolvedMailbox,
  type ResolvedSupervision,
  resolveMailbox,
  resolveSupervision,
  restartDelayMs,
} from './supervision.ts';
import type { SystemCore } from './system-core.ts';
import type { FailurePhase } from './system-events.ts';

// Lifecycle and scheduling state, one bit each, in `ActorCell.state`.
/** preStart has not been called yet. */
const starting = 1;
/** In the system's ready queue. */
const scheduled = 2;
/** A promise returned by receive or a hook is pending. */
const busy = 4;
/** Failed; waiting for a restart. */
const suspended = 8;
/** Draining before a stop: refuses new messages, stops when the mailbox is empty. */
const closing = 16;
/** Stopping: refuses messages, will stop once the current message is done. */
const stopping = 32;
const stopped = 64;
/** An idle timeout is set, so message handling records activity. */
const idleWatched = 128;
/** The final stop sequence has begun. */
const finishing = 256;
/** Inside receive (including its awaits): there is a current message. */
const receiving = 512;
const refusing = closing | stopping | stopped;
const notRunnable = scheduled | busy | suspended | stopping | stopped;

/** How many messages one actor handles before yielding to the next ready actor. */
const throughput = 64;

/** Marks a mailbox slot holding a system notice (terminated, idle). */
const noticeMeta = Symbol('notice');

const unboundedMailbox: ResolvedMailbox = Object.freeze({ capacity: Number.POSITIVE_INFINITY, overflow: 'fail' });

interface SendWaiter {
  message: unknown;
  meta: unknown;
  resolve: () => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  done: boolean;
  handleEvent(): void;
}

interface TimerEntry {
  handle: TimerHandle;
}

/** The rarely used parts of a cell, allocated on first use so an idle actor stays small. */
interface CellExtras {
  firstChild: ActorCell | undefined;
  lastChild: ActorCell | undefined;
  childrenByName: Map<string, ActorCell> | undefined;
  watchers: Set<ActorCell | ((notice: Terminated) => void)> | undefined;
  watching: Set<ActorCell> | undefined;
  stash: unknown[] | undefined;
  timers: Map<string, TimerEntry> | undefined;
  idleMs: number;
  idleHandle: TimerHandle | undefined;
  lastActivity: number;
  restarts: number[] | undefined;
  restartHandle: TimerHandle | undefined;
  restarting: Promise<void> | undefined;
  waiters: RingQueue<SendWaiter> | undefined;
  unreplied: AskRecord[] | undefined;
  stopPromise: Promise<void> | undefined;
  resolveStop: (() => void) | undefined;
  stopReason: 'normal' | 'failure';
  stopError: unknown;
  pendingFailure: { error: unknown } | undefined;
  forced: boolean;
}

function newExtras(): CellExtras {
  return {
    firstChild: undefined,
    lastChild: undefined,
    childrenByName: undefined,
    watchers: undefined,
    watching: undefined,
    stash: undefined,
    timers: undefined,
    idleMs: 0,
    idleHandle: undefined,
    lastActivity: 0,
    restarts: undefined,
    restartHandle: undefined,
    restarting: undefined,
    waiters: undefined,
    unreplied: undefined,
    stopPromise: undefined,
    resolveStop: undefined,
    stopReason: 'normal',
    stopError: undefined,
    pendingFailure: undefined,
    forced: false,
  };
}

/** What a new cell is built from. */
export interface CellInit {
  system: SystemCore;
  parent: ActorCell | undefined;
  factory: ActorFactory<never>;
  options: SpawnOptions | undefined;
  instance: Actor<never>;
  name: string | undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== undefined && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * The runtime side of one actor, and its `ActorRef`: the ref handed out is the cell itself, which
 * saves an object per actor and an indirection per message. Fields are plain (not `#private`) for
 * speed; the public type is `ActorRef`, which shows none of them.
 */
export class ActorCell<M = unknown> extends Mailbox implements ActorRef<M> {
  readonly system: SystemCore;
  readonly parent: ActorCell | undefined;
  readonly id: number;
  state = 0;
  instance: Actor<M>;
  context: ActorContextImpl<M> | undefined = undefined;
  currentMessage: unknown = undefined;
  currentMeta: unknown = undefined;
  extras: CellExtras | undefined = undefined;
  previousSibling: ActorCell | undefined = undefined;
  nextSibling: ActorCell | undefined = undefined;
  private readonly givenName: string | undefined;
  private readonly factory: ActorFactory<M>;
  private readonly mailboxSettings: ResolvedMailbox;
  private readonly supervision: ResolvedSupervision;

  constructor(init: CellInit) {
    super();
    this.system = init.system;
    this.parent = init.parent;
    this.id = init.system.nextId++;
    this.givenName = init.name;
    this.factory = init.factory as ActorFactory<M>;
    this.instance = init.instance as Actor<M>;
    const options = init.options;
    this.mailboxSettings = options?.mailbox ? resolveMailbox(options.mailbox) : unboundedMailbox;
    this.supervision = options?.supervision ? resolveSupervision(options.supervision) : defaultSupervision;
  }

  // ---------------------------------------------------------------- ActorRef

  get name(): string {
    return this.givenName ?? `$${this.id}`;
  }

  get path(): string {
    return this.parent === undefined ? `/${this.name}` : `${this.parent.path}/${this.name}`;
  }

  get mailboxSize(): number {
    return this.size;
  }

  /** Waiting messages plus the one in progress: what least-loaded routing compares. */
  get load(): number {
    return this.size + ((this.state & busy) === 0 ? 0 : 1);
  }

  get isStopped(): boolean {
    return (this.state & stopped) !== 0;
  }

  tell(message: M, sender?: ActorRef): void {
    if ((this.state & refusing) !== 0) throw this.stoppedError();
    const meta = sender === undefined ? undefined : this.metaOf(sender);
    if (this.size >= this.mailboxSettings.capacity && !this.makeRoom(message)) return;
    this.push(message, meta);
    if ((this.state & notRunnable) === 0) this.makeReady();
  }

  send(message: M, options?: SendOptions): Promise<void> {
    if ((this.state & refusing) !== 0) return Promise.reject(this.stoppedError());
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const meta = options?.sender === undefined ? undefined : this.metaOf(options.sender);
    if (this.size >= this.mailboxSettings.capacity) {
      if (this.mailboxSettings.overflow === 'block') return this.waitForSpace(message, meta, signal);
      try {
        if (!this.makeRoom(message)) return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    this.push(message, meta);
    if ((this.state & notRunnable) === 0) this.makeReady();
    return Promise.resolve();
  }

  ask<R = unknown>(message: M, options?: AskOptions): Promise<R> {
    if ((this.state & refusing) !== 0) return Promise.reject(this.stoppedError());
    const record = new AskRecord(this.system, this, message);
    const promise = record.promise as Promise<R>;
    if (options !== undefined && !this.armAsk(record, options)) return promise;
    record.owner = this;
    if (this.size >= this.mailboxSettings.capacity) {
      if (this.mailboxSettings.overflow === 'block') {
        this.waitForSpace(message, record, undefined).catch((error: unknown) => record.fail(error));
        return promise;
      }
      try {
        if (!this.makeRoom(message)) {
          record.fail(this.mailboxFullError());
          return promise;
        }
      } catch (error) {
        record.fail(error);
        return promise;
      }
    }
    this.push(message, record);
    if ((this.state & notRunnable) === 0) this.makeReady();
    return promise;
  }

  stop(options?: StopOptions): Promise<void> {
    if ((this.state & stopped) !== 0) return Promise.resolve();
    if (options?.drain === true) return this.drainThenStop();
    this.stopWith('normal', undefined);
    return this.whenStopped();
  }

  // ---------------------------------------------------------------- delivery

  /** Internal delivery (replies, timers): never throws; a refused message goes to dead letters. */
  deliver(message: unknown, meta: unknown): void {
    if ((this.state & refusing) !== 0) {
      this.system.deadLetter(message, this, 'actor-stopped');
      if (meta instanceof AskRecord) meta.fail(this.stoppedError());
      return;
    }
    this.push(message, meta);
    if ((this.state & notRunnable) === 0) this.makeReady();
  }

  /** Delivers a system notice; it bypasses the capacity limit so it is never lost to overflow. */
  deliverNotice(notice: unknown): void {
    if ((this.state & (stopping | stopped)) !== 0) return;
    this.push(notice, noticeMeta);
    if ((this.state & notRunnable) === 0) this.makeReady();
  }

  private metaOf(sender: ActorRef): unknown {
    if (sender instanceof AskReplyRef) {
      // Forwarding the sender of an ask hands the ask to this actor.
      sender.record.owner = this;
      return sender.record;
    }
    return sender;
  }

  /** Puts this actor in the system's ready queue. */
  makeReady(): void {
    this.state |= scheduled;
    this.system.enqueueReady(this as ActorCell);
  }

  /**
   * Applies the overflow policy to a full mailbox. Returns true when the new message may be
   * pushed, false when it was dropped; throws for `fail` and for `tell` under `block`.
   */
  private makeRoom(message: unknown): boolean {
    switch (this.mailboxSettings.overflow) {
      case 'drop-newest':
        this.system.deadLetter(message, this, 'mailbox-full');
        return false;
      case 'drop-oldest': {
        const dropped = this.shift();
        const droppedMeta = this.shiftedMeta;
        this.system.deadLetter(dropped, this, 'dropped-oldest');
        if (droppedMeta instanceof AskRecord) droppedMeta.fail(this.mailboxFullError());
        return true;
      }
      default:
        throw this.mailboxFullError();
    }
  }

  private mailboxFullError(): MailboxFullError {
    return new MailboxFullError(
      `The mailbox of ${this.path} is full (capacity ${this.mailboxSettings.capacity}, overflow '${this.mailboxSettings.overflow}').`,
      { actor: this.path, capacity: this.mailboxSettings.capacity },
    );
  }

  stoppedError(): ActorStoppedError {
    return new ActorStoppedError(`The actor ${this.path} is stopped and takes no more messages.`, {
      actor: this.path,
    });
  }

  private waitForSpace(message: unknown, meta: unknown, signal: AbortSignal | undefined): Promise<void> {
    const extras = this.ensureExtras();
    extras.waiters ??= new RingQueue<SendWaiter>(4);
    return new Promise<void>((resolve, reject) => {
      const waiter: SendWaiter = {
        message,
        meta,
        resolve,
        reject,
        signal,
        done: false,
        handleEvent() {
          if (waiter.done) return;
          waiter.done = true;
          reject(abortReason(signal as AbortSignal));
        },
      };
      if (signal) signal.addEventListener('abort', waiter, { once: true });
      (extras.waiters as RingQueue<SendWaiter>).push(waiter);
    });
  }

  /** After a dequeue: moves blocked senders into the freed space, first come first served. */
  private admitWaiters(waiters: RingQueue<SendWaiter>): void {
    while (waiters.size > 0 && this.size < this.mailboxSettings.capacity) {
      const waiter = waiters.shift() as SendWaiter;
      if (waiter.done) continue;
      if (waiter.meta instanceof AskRecord && waiter.meta.settled) continue;
      waiter.done = true;
      waiter.signal?.removeEventListener('abort', waiter);
      this.push(waiter.message, waiter.meta);
      waiter.resolve();
    }
  }

  private armAsk(record: AskRecord, options: AskOptions): boolean {
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        record.fail(abortReason(signal));
        return false;
      }
      record.signal = signal;
      signal.addEventListener('abort', record, { once: true });
    }
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && timeoutMs !== Number.POSITIVE_INFINITY) {
      if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
        record.fail(new InvalidArgumentError(`ask timeoutMs is ${timeoutMs}; it must be a number > 0.`));
        return false;
      }
      this.system.askTimeouts.add(record, timeoutMs);
    }
    return true;
  }

  // ---------------------------------------------------------------- processing

  /** Called by the system's ready queue. */
  run(): void {
    this.state &= ~scheduled;
    if ((this.state & (busy | suspended | stopping | stopped)) !== 0) return;
    if ((this.state & starting) !== 0 && !this.start()) return;
    let budget = throughput;
    while (this.size > 0) {
      if (budget-- === 0) {
        this.makeReady();
        return;
      }
      const message = this.shift();
      const meta = this.shiftedMeta;
      if (this.extras?.waiters !== undefined && this.extras.waiters.size > 0) this.admitWaiters(this.extras.waiters);
      if (meta === noticeMeta && !this.acceptNotice(message)) continue;
      if (!this.handle(message, meta)) return;
      if ((this.state & (stopping | stopped | suspended)) !== 0) return;
    }
    if ((this.state & closing) !== 0) this.stopWith('normal', undefined);
  }

  /** Runs preStart. Returns false when it went async or failed. */
  private start(): boolean {
    this.state &= ~starting;
    const instance = this.instance;
    if (instance.preStart === undefined) return true;
    let result: unknown;
    try {
      result = instance.preStart(this.contextOf());
    } catch (error) {
      this.fail(error, 'pre-start');
      return false;
    }
    if (!isThenable(result)) return true;
    this.enterBusy();
    result.then(
      () => this.resumeAfterAsync(),
      (error: unknown) => {
        if (this.leaveBusy()) this.fail(error, 'pre-start');
      },
    );
    return false;
  }

  /** Handles one message. Returns false when it went async or failed. */
  private handle(message: unknown, meta: unknown): boolean {
    this.currentMessage = message;
    this.currentMeta = meta;
    this.state |= receiving;
    let result: unknown;
    try {
      result = this.instance.receive(this.context ?? this.contextOf(), message as M);
    } catch (error) {
      this.fail(error, 'receive');
      return false;
    }
    if (result !== undefined && isThenable(result)) {
      this.enterBusy();
      result.then(
        () => {
          if (!this.leaveBusy()) return;
          this.messageDone();
          this.resumeAfterAsync();
        },
        (error: unknown) => {
          if (this.leaveBusy()) this.fail(error, 'receive');
        },
      );
      return false;
    }
    this.messageDone();
    if ((this.state & stopping) !== 0) {
      // The actor was stopped during this (synchronous) message.
      this.finishStop();
      return false;
    }
    return true;
  }

  private enterBusy(): void {
    this.state |= busy;
    this.system.busyCount++;
  }

  /** Clears the busy state after an async step; false when the cell was stopped meanwhile. */
  private leaveBusy(): boolean {
    if ((this.state & busy) === 0) return false;
    this.state &= ~busy;
    this.system.busyCount--;
    return (this.state & stopped) === 0;
  }

  /** Continues after a promise from receive or preStart resolved. */
  private resumeAfterAsync(): void {
    if ((this.state & stopped) !== 0) return;
    if ((this.state & stopping) !== 0) {
      this.finishStop();
      return;
    }
    const pending = this.extras?.pendingFailure;
    if (pending !== undefined) {
      (this.extras as CellExtras).pendingFailure = undefined;
      this.fail(pending.error, 'child-escalated');
      return;
    }
    this.run();
    this.system.checkQuiescent();
  }

  private messageDone(): void {
    const meta = this.currentMeta;
    if (meta !== undefined) {
      if (meta instanceof AskRecord && !meta.settled && meta.owner === this) this.trackUnreplied(meta);
      this.currentMeta = undefined;
    }
    this.currentMessage = undefined;
    const state = this.state & ~receiving;
    this.state = state;
    if ((state & idleWatched) !== 0) (this.extras as CellExtras).lastActivity = this.system.clock.now();
  }

  /** Remembers an ask this actor took without answering yet, to reject it if the actor stops. */
  private trackUnreplied(record: AskRecord): void {
    const extras = this.ensureExtras();
    const unreplied = extras.unreplied ?? [];
    extras.unreplied = unreplied;
    unreplied.push(record);
    if (unreplied.length >= 64 && (unreplied.length & (unreplied.length - 1)) === 0) {
      extras.unreplied = unreplied.filter((pending) => !pending.settled);
    }
  }

  /** Filters notices: a terminated notice for an actor no longer watched is dropped. */
  private acceptNotice(notice: unknown): boolean {
    if (notice === idleNotice) return (this.state & idleWatched) !== 0;
    const terminated = notice as Terminated;
    const watching = this.extras?.watching;
    if (watching === undefined) return false;
    return watching.delete(terminated.ref as ActorCell);
  }

  // ---------------------------------------------------------------- supervision

  /** Handles a failure in `phase` according to this actor's supervision. */
  fail(error: unknown, phase: FailurePhase): void {
    const message = this.currentMessage;
    const meta = this.currentMeta;
    this.currentMessage = undefined;
    this.currentMeta = undefined;
    this.state &= ~receiving;
    if (phase === 'receive') {
      if (meta instanceof AskRecord) meta.fail(error);
      if (meta !== noticeMeta) this.system.deadLetter(message, this, 'failed');
    }
    const strategy = this.supervision.strategy;
    this.system.reportFailure({ ref: this, error, phase, directive: strategy });
    if ((this.state & (stopping | stopped)) !== 0) {
      if ((this.state & stopping) !== 0 && (this.state & busy) === 0) this.finishStop();
      return;
    }
    switch (strategy) {
      case 'resume':
        if ((this.state & notRunnable) === 0 && this.mailboxSize > 0) this.makeReady();
        else if ((this.state & closing) !== 0 && this.mailboxSize === 0) this.stopWith('normal', undefined);
        return;
      case 'stop':
        this.stopWith('failure', error);
        return;
      case 'escalate':
        this.stopWith('failure', error);
        if (this.parent !== undefined && this.parent.parent !== undefined) this.parent.escalated(error);
        else this.system.logger.error(`${this.path} escalated a failure to the top level; it was stopped.`, { error });
        return;
      case 'restart':
        this.scheduleRestart(error);
        return;
    }
  }

  /** A child escalated `error`: this actor fails with it. */
  escalated(error: unknown): void {
    if ((this.state & (stopping | stopped)) !== 0) return;
    if ((this.state & (busy | suspended)) !== 0) {
      // Handled once the current message (or restart) is done, so no message is interrupted.
      this.ensureExtras().pendingFailure ??= { error };
      return;
    }
    this.fail(error, 'child-escalated');
  }

  private scheduleRestart(error: unknown): void {
    const extras = this.ensureExtras();
    const now = this.system.clock.now();
    const supervision = this.supervision;
    const recent = (extras.restarts ?? []).filter((at) => now - at < supervision.withinMs);
    if (recent.length >= supervision.maxRestarts) {
      extras.restarts = recent;
      this.system.logger.warn(
        `${this.path} failed more than ${supervision.maxRestarts} times within ${supervision.withinMs} ms; stopping it.`,
        { error },
      );
      this.stopWith('failure', error);
      return;
    }
    const delayMs = restartDelayMs(supervision, recent.length);
    recent.push(now);
    extras.restarts = recent;
    this.state |= suspended;
    this.system.busyCount++;
    if (delayMs === 0) {
      extras.restarting = this.restart(error, delayMs);
      return;
    }
    extras.restartHandle = this.system.clock.setTimeout(() => {
      extras.restartHandle = undefined;
      extras.restarting = this.restart(error, delayMs);
    }, delayMs);
  }

  private async restart(error: unknown, delayMs: number): Promise<void> {
    const extras = this.extras as CellExtras;
    const old = this.instance;
    this.cancelTimers();
    try {
      await this.runHook(old.preRestart, 'pre-restart', error);
      await this.stopChildren();
      await this.runHook(old.postStop, 'post-stop', undefined);
      if ((this.state & (stopping | stopped)) !== 0) {
        // Stopped mid-restart: the old instance already had its postStop, and no new one starts.
        this.state |= starting;
        return;
      }
      try {
        this.instance = this.factory();
      } catch (factoryError) {
        this.leaveSuspended();
        this.system.reportFailure({ ref: this, error: factoryError, phase: 'pre-start', directive: 'stop' });
        this.stopWith('failure', factoryError);
        return;
      }
      this.leaveSuspended();
      this.state |= starting;
      this.system.emitRestarted(this, { error, restarts: extras.restarts?.length ?? 1, delayMs });
      const pending = extras.pendingFailure;
      if (pending !== undefined) {
        extras.pendingFailure = undefined;
        this.fail(pending.error, 'child-escalated');
        return;
      }
      if ((this.state & notRunnable) === 0) this.makeReady();
    } finally {
      extras.restarting = undefined;
    }
  }

  private leaveSuspended(): void {
    if ((this.state & suspended) === 0) return;
    this.state &= ~suspended;
    this.system.busyCount--;
  }

  /** Runs a lifecycle hook whose errors are reported, never thrown. */
  private async runHook(
    hook: ((context: ActorContextImpl<M>, error: unknown) => void | Promise<void>) | undefined,
    phase: FailurePhase,
    error: unknown,
  ): Promise<void> {
    if (hook === undefined) return;
    try {
      await hook.call(this.instance, this.contextOf(), error);
    } catch (hookError) {
      this.system.reportFailure({ ref: this, error: hookError, phase, directive: 'reported' });
    }
  }

  // ---------------------------------------------------------------- stopping

  private drainThenStop(): Promise<void> {
    const promise = this.whenStopped();
    if ((this.state & refusing) !== 0) return promise;
    this.state |= closing;
    if ((this.state & (busy | suspended | scheduled)) === 0 && this.mailboxSize === 0) {
      this.stopWith('normal', undefined);
    }
    return promise;
  }

  /** Resolves once this actor has stopped (at once when it has). Made only when someone asks. */
  whenStopped(): Promise<void> {
    if ((this.state & stopped) !== 0) return Promise.resolve();
    const extras = this.ensureExtras();
    if (extras.stopPromise === undefined) {
      extras.stopPromise = new Promise<void>((resolve) => {
        extras.resolveStop = resolve;
      });
    }
    return extras.stopPromise;
  }

  /**
   * Stops after the current message; everything still queued goes to dead letters. Builds nothing
   * for a plain stop: no promise (see {@link ActorCell.whenStopped}), and the reason is recorded
   * only when it is a failure or the cell has its extras already (a normal stop is the default).
   */
  stopWith(reason: 'normal' | 'failure', error: unknown): void {
    if ((this.state & (stopping | stopped)) !== 0) return;
    this.state = (this.state | stopping) & ~closing;
    if (reason === 'failure' || this.extras !== undefined) {
      const extras = this.ensureExtras();
      extras.stopReason = reason;
      extras.stopError = error;
    }
    // Nothing queued will run now: tell the senders at once rather than after the current message.
    this.dropQueued();
    // Inside receive (before its first await too) the stop waits for the message to be done.
    if ((this.state & (busy | receiving)) === 0) this.finishStop();
  }

  /** Stops at once, abandoning a receive that never settles (system stop past its deadline). */
  forceStop(): void {
    if ((this.state & stopped) !== 0) return;
    const extras = this.ensureExtras();
    extras.forced = true;
    this.stopWith(extras.stopReason, extras.stopError);
    if ((this.state & busy) !== 0) {
      this.state &= ~busy;
      this.system.busyCount--;
      this.finishStop();
    }
    for (const child of this.children()) child.forceStop();
  }

  /**
   * The stop sequence. Synchronous when there is nothing to wait for (no restart under way, no
   * children, no postStop), as for most actors: no promise and no round through the microtask queue.
   */
  private finishStop(): void {
    if ((this.state & finishing) !== 0) return;
    this.state |= finishing;
    const extras = this.extras;
    if (
      extras?.restarting !== undefined ||
      extras?.firstChild !== undefined ||
      ((this.state & starting) === 0 && this.instance.postStop !== undefined)
    ) {
      void this.finishStopAfterWaits(this.ensureExtras());
      return;
    }
    this.quiesce(extras);
    this.completeStop(extras);
  }

  /** {@link ActorCell.finishStop} when a restart, children or postStop must be waited for. */
  private async finishStopAfterWaits(extras: CellExtras): Promise<void> {
    if (extras.restarting !== undefined) await extras.restarting;
    this.quiesce(extras);
    if (extras.firstChild !== undefined) await this.stopChildren();
    if ((this.state & starting) === 0 && this.instance.postStop !== undefined) {
      await this.runHook(this.instance.postStop, 'post-stop', undefined);
    }
    this.completeStop(extras);
  }

  /** The first part of the stop sequence: no pending restart, timers or queued messages are left. */
  private quiesce(extras: CellExtras | undefined): void {
    if (extras?.restartHandle !== undefined) {
      this.system.clock.clearTimeout(extras.restartHandle);
      extras.restartHandle = undefined;
    }
    this.leaveSuspended();
    this.cancelTimers();
    this.setIdleTimeout(undefined);
    this.dropQueued();
  }

  /** The end of the stop sequence: the cell is stopped, and everyone who asks or watches is told. */
  private completeStop(extras: CellExtras | undefined): void {
    this.state = stopped;
    this.dropQueued();
    this.releaseSlots();
    this.parent?.removeChild(this);
    if (extras === undefined) {
      this.system.emitStopped(this, 'normal', undefined);
    } else {
      if (extras.unreplied !== undefined) {
        for (const record of extras.unreplied) {
          record.fail(new ActorStoppedError(`The actor ${this.path} stopped without replying.`, { actor: this.path }));
        }
        extras.unreplied = undefined;
      }
      this.notifyWatchers(extras);
      this.system.emitStopped(this, extras.stopReason, extras.stopError);
      extras.resolveStop?.();
    }
    this.system.checkQuiescent();
  }

  /** Sends everything queued, stashed or waiting for space to dead letters; pending asks reject. */
  private dropQueued(): void {
    while (this.size > 0) {
      const message = this.shift();
      const meta = this.shiftedMeta;
      if (meta !== noticeMeta) this.dropOne(message, meta);
    }
    const extras = this.extras;
    if (extras === undefined) return;
    if (extras.stash !== undefined) {
      const stash = extras.stash;
      extras.stash = undefined;
      for (let index = 0; index < stash.length; index += 2) this.dropOne(stash[index], stash[index + 1]);
    }
    const waiters = extras.waiters;
    if (waiters !== undefined) {
      while (waiters.size > 0) {
        const waiter = waiters.shift() as SendWaiter;
        if (waiter.done) continue;
        waiter.done = true;
        waiter.signal?.removeEventListener('abort', waiter);
        this.system.deadLetter(waiter.message, this, 'actor-stopped');
        waiter.reject(this.stoppedError());
      }
    }
  }

  private dropOne(message: unknown, meta: unknown): void {
    this.system.deadLetter(message, this, 'actor-stopped');
    if (meta instanceof AskRecord) meta.fail(this.stoppedError());
  }

  private async stopChildren(): Promise<void> {
    const extras = this.extras;
    if (extras?.firstChild === undefined) return;
    await Promise.all(
      this.children().map((child) => {
        child.stopWith('normal', undefined);
        return child.whenStopped();
      }),
    );
  }

  private notifyWatchers(extras: CellExtras): void {
    const watching = extras.watching;
    if (watching !== undefined) {
      for (const target of watching) target.extras?.watchers?.delete(this);
      extras.watching = undefined;
    }
    const watchers = extras.watchers;
    if (watchers === undefined) return;
    extras.watchers = undefined;
    const notice = this.terminatedNotice();
    for (const watcher of watchers) {
      if (typeof watcher === 'function') {
        try {
          watcher(notice);
        } catch (error) {
          this.system.logger.error('A termination listener threw.', { actor: this.path, error });
        }
      } else {
        watcher.deliverNotice(notice);
      }
    }
  }

  terminatedNotice(): Terminated {
    const extras = this.extras;
    if (extras?.stopReason === 'failure')
      return { type: 'terminated', ref: this, reason: 'failure', error: extras.stopError };
    return { type: 'terminated', ref: this, reason: 'normal' };
  }

  /** Calls `listener` once this actor stops (at once if it already has). Returns an unsubscribe. */
  onTerminated(listener: (notice: Terminated) => void): () => void {
    if ((this.state & stopped) !== 0) {
      listener(this.terminatedNotice());
      return () => {};
    }
    const extras = this.ensureExtras();
    extras.watchers ??= new Set();
    extras.watchers.add(listener);
    return () => {
      this.extras?.watchers?.delete(listener);
    };
  }

  // ---------------------------------------------------------------- context operations

  ensureExtras(): CellExtras {
    if (this.extras === undefined) this.extras = newExtras();
    return this.extras;
  }

  contextOf(): ActorContextImpl<M> {
    if (this.context === undefined) this.context = new ActorContextImpl<M>(this);
    return this.context;
  }

  /** The live children, in spawn order. */
  children(): ActorCell[] {
    const children: ActorCell[] = [];
    for (let child = this.extras?.firstChild; child !== undefined; child = child.nextSibling) children.push(child);
    return children;
  }

  child(name: string): ActorCell | undefined {
    return this.extras?.childrenByName?.get(name);
  }

  spawnChild<C>(factory: ActorFactory<C>, options: SpawnOptions | undefined): ActorCell<C> {
    if ((this.state & (stopping | stopped)) !== 0 || this.system.refusesSpawns) {
      throw new ActorStoppedError(
        this.system.refusesSpawns
          ? `The actor system "${this.system.name}" is stopped; cannot spawn.`
          : `The actor ${this.path} is stopping; cannot spawn a child under it.`,
        { actor: this.path },
      );
    }
    if (typeof factory !== 'function') {
      throw new InvalidArgumentError('spawn needs a factory function that returns an actor.', {
        remedy: 'Pass a function, e.g. spawn(() => new Counter()).',
      });
    }
    const name = options?.name;
    if (name !== undefined) {
      if (typeof name !== 'string' || name.length === 0 || name.includes('/') || name.startsWith('$')) {
        throw new InvalidArgumentError(`Actor name "${String(name)}" is not valid.`, {
          remedy: 'Use a non-empty name without "/" that does not start with "$".',
        });
      }
      if (this.extras?.childrenByName?.has(name)) {
        throw new ActorNameTakenError(`An actor named "${name}" already exists under ${this.path}.`, {
          actor: `${this.path}/${name}`,
        });
      }
    }
    const instance = factory();
    if (instance === null || typeof instance !== 'object' || typeof instance.receive !== 'function') {
      throw new InvalidArgumentError(
        'The actor factory must return an object with a receive(context, message) method.',
      );
    }
    const cell = new ActorCell<C>({
      system: this.system,
      parent: this,
      factory: factory as ActorFactory<never>,
      options,
      instance: instance as Actor<never>,
      name,
    });
    this.addChild(cell as ActorCell, name);
    if (instance.preStart !== undefined) {
      cell.state = starting;
      cell.makeReady();
    }
    this.system.emitStarted(cell as ActorCell);
    return cell;
  }

  private addChild(child: ActorCell, name: string | undefined): void {
    const extras = this.ensureExtras();
    if (extras.lastChild === undefined) {
      extras.firstChild = child;
    } else {
      extras.lastChild.nextSibling = child;
      child.previousSibling = extras.lastChild;
    }
    extras.lastChild = child;
    if (name !== undefined) {
      extras.childrenByName ??= new Map();
      extras.childrenByName.set(name, child);
    }
  }

  removeChild(child: ActorCell): void {
    const extras = this.extras;
    if (extras === undefined) return;
    if (child.previousSibling === undefined) {
      if (extras.firstChild === child) extras.firstChild = child.nextSibling;
    } else {
      child.previousSibling.nextSibling = child.nextSibling;
    }
    if (child.nextSibling === undefined) {
      if (extras.lastChild === child) extras.lastChild = child.previousSibling;
    } else {
      child.nextSibling.previousSibling = child.previousSibling;
    }
    child.previousSibling = undefined;
    child.nextSibling = undefined;
    const childrenByName = extras.childrenByName;
    if (childrenByName !== undefined && childrenByName.get(child.name) === child) childrenByName.delete(child.name);
  }

  watch(target: ActorRef): void {
    if (!(target instanceof ActorCell)) {
      throw new InvalidArgumentError(`Cannot watch ${target.path}: only actors spawned in a system can be watched.`);
    }
    if (target === this) return;
    const extras = this.ensureExtras();
    extras.watching ??= new Set();
    if (extras.watching.has(target)) return;
    extras.watching.add(target);
    if ((target.state & stopped) !== 0) {
      this.deliverNotice(target.terminatedNotice());
      return;
    }
    const targetExtras = target.ensureExtras();
    targetExtras.watchers ??= new Set();
    targetExtras.watchers.add(this);
  }

  unwatch(target: ActorRef): void {
    if (!(target instanceof ActorCell)) return;
    this.extras?.watching?.delete(target);
    target.extras?.watchers?.delete(this);
  }

  stash(): void {
    const meta = this.currentMeta;
    if ((this.state & receiving) === 0) {
      throw new InvalidArgumentError(
        'ctx.stash() was called outside of receive; there is no current message to stash.',
      );
    }
    const extras = this.ensureExtras();
    extras.stash ??= [];
    extras.stash.push(this.currentMessage, meta);
  }

  unstashAll(): void {
    const stash = this.extras?.stash;
    if (stash === undefined || stash.length === 0) return;
    (this.extras as CellExtras).stash = undefined;
    for (let index = stash.length - 2; index >= 0; index -= 2) this.unshift(stash[index], stash[index + 1]);
    if ((this.state & notRunnable) === 0) this.makeReady();
  }

  get stashSize(): number {
    const stash = this.extras?.stash;
    return stash === undefined ? 0 : stash.length / 2;
  }

  setIdleTimeout(ms: number | undefined): void {
    const extras = this.extras;
    if (extras?.idleHandle !== undefined) {
      this.system.clock.clearTimeout(extras.idleHandle);
      extras.idleHandle = undefined;
    }
    if (ms === undefined || ms === 0 || ms === Number.POSITIVE_INFINITY) {
      this.state &= ~idleWatched;
      if (extras) extras.idleMs = 0;
      return;
    }
    if (!(ms > 0) || !Number.isFinite(ms)) {
      throw new InvalidArgumentError(
        `Idle timeout is ${ms} ms; it must be a number > 0 (or undefined to turn it off).`,
      );
    }
    if ((this.state & (stopping | stopped)) !== 0) return;
    const ensured = this.ensureExtras();
    ensured.idleMs = ms;
    ensured.lastActivity = this.system.clock.now();
    this.state |= idleWatched;
    this.armIdle(ms);
  }

  private armIdle(delayMs: number): void {
    const extras = this.extras as CellExtras;
    extras.idleHandle = this.system.clock.setTimeout(() => this.idleCheck(), delayMs);
  }

  private idleCheck(): void {
    const extras = this.extras as CellExtras;
    extras.idleHandle = undefined;
    if ((this.state & idleWatched) === 0 || (this.state & (stopping | stopped)) !== 0) return;
    const now = this.system.clock.now();
    if ((this.state & (busy | suspended)) !== 0 || this.mailboxSize > 0) {
      extras.lastActivity = now;
      this.armIdle(extras.idleMs);
      return;
    }
    const idleFor = now - extras.lastActivity;
    if (idleFor < extras.idleMs) {
      this.armIdle(extras.idleMs - idleFor);
      return;
    }
    extras.lastActivity = now;
    this.armIdle(extras.idleMs);
    this.deliverNotice(idleNotice);
  }

  schedule(message: M, delayMs: number, options?: { key?: string; repeat?: boolean }): { key: string; cancel(): void } {
    if (!(delayMs >= 0) || !Number.isFinite(delayMs)) {
      throw new InvalidArgumentError(`Timer delay is ${delayMs} ms; it must be a finite number >= 0.`);
    }
    const repeat = options?.repeat === true;
    if (repeat && delayMs === 0) throw new InvalidArgumentError('A repeating timer needs a delay > 0.');
    const extras = this.ensureExtras();
    extras.timers ??= new Map();
    const timers = extras.timers;
    const key = options?.key ?? `$timer-${this.system.nextId++}`;
    this.cancelTimer(key);
    const entry: TimerEntry = { handle: undefined };
    const fire = () => {
      if (timers.get(key) !== entry) return;
      if (repeat) entry.handle = this.system.clock.setTimeout(fire, delayMs);
      else timers.delete(key);
      this.deliver(message, undefined);
    };
    entry.handle = this.system.clock.setTimeout(fire, delayMs);
    timers.set(key, entry);
    return { key, cancel: () => this.cancelTimerEntry(key, entry) };
  }

  private cancelTimerEntry(key: string, entry: TimerEntry): void {
    const timers = this.extras?.timers;
    if (timers?.get(key) !== entry) return;
    this.system.clock.clearTimeout(entry.handle);
    timers.delete(key);
  }

  cancelTimer(key: string): void {
    const timers = this.extras?.timers;
    const entry = timers?.get(key);
    if (entry === undefined) return;
    this.system.clock.clearTimeout(entry.handle);
    timers?.delete(key);
  }

  private cancelTimers(): void {
    const timers = this.extras?.timers;
    if (timers === undefined) return;
    for (const entry of timers.values()) this.system.clock.clearTimeout(entry.handle);
    timers.clear();
  }

  /** Answers the current message. */
  reply(value: unknown): void {
    const meta = this.currentMeta;
    if (meta instanceof AskRecord) {
      if (!meta.complete(value)) this.system.lateReply(meta, value);
      return;
    }
    if (meta instanceof ActorCell) {
      meta.deliver(value, this);
      return;
    }
    if (meta !== undefined && meta !== noticeMeta) {
      try {
        (meta as ActorRef).tell(value, this);
      } catch {
        this.system.deadLetter(value, meta as ActorRef, 'actor-stopped');
      }
      return;
    }
    this.system.deadLetter(value, undefined, 'no-sender');
  }

  replyError(error: unknown): void {
    const meta = this.currentMeta;
    if (meta instanceof AskRecord) {
      if (!meta.fail(error)) this.system.deadLetter(error, meta.target, 'late-reply');
      return;
    }
    this.reply(error);
  }

  /** The sender of the current message as a ref. */
  sender(): ActorRef | undefined {
    const meta = this.currentMeta;
    if (meta === undefined || meta === noticeMeta) return undefined;
    if (meta instanceof AskRecord) return meta.asRef();
    return meta as ActorRef;
  }
}
