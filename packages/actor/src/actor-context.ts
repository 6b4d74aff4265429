import type { Logger } from '@troupe/core';
import type { ActorContext, ActorFactory, ScheduledTimer, ScheduleOptions } from './actor.ts';
import type { ActorCell } from './actor-cell.ts';
import type { ActorRef } from './actor-ref.ts';
import type { ActorSystem } from './actor-system.ts';
import type { SpawnOptions } from './spawn-options.ts';

/** The `ctx` handed to an actor: a thin view over its cell, made once per actor on first use. */
export class ActorContextImpl<M> implements ActorContext<M> {
  constructor(private readonly cell: ActorCell<M>) {}

  get self(): ActorRef<M> {
    return this.cell;
  }
  get sender(): ActorRef | undefined {
    return this.cell.sender();
  }
  get parent(): ActorRef | undefined {
    const parent = this.cell.parent;
    return parent === undefined || parent.parent === undefined ? undefined : parent;
  }
  get system(): ActorSystem {
    return this.cell.system;
  }
  get logger(): Logger {
    return this.cell.system.logger;
  }
  get children(): readonly ActorRef[] {
    return this.cell.children();
  }
  get stashSize(): number {
    return this.cell.stashSize;
  }
  reply(value: unknown): void {
    this.cell.reply(value);
  }
  replyError(error: unknown): void {
    this.cell.replyError(error);
  }
  spawn<C>(factory: ActorFactory<C>, options?: SpawnOptions): ActorRef<C> {
    return this.cell.spawnChild(factory, options);
  }
  child<C = unknown>(name: string): ActorRef<C> | undefined {
    return this.cell.child(name) as ActorRef<C> | undefined;
  }
  watch(ref: ActorRef): void {
    this.cell.watch(ref);
  }
  unwatch(ref: ActorRef): void {
    this.cell.unwatch(ref);
  }
  stash(): void {
    this.cell.stash();
  }
  unstashAll(): void {
    this.cell.unstashAll();
  }
  setIdleTimeout(ms: number | undefined): void {
    this.cell.setIdleTimeout(ms);
  }
  schedule(message: M, delayMs: number, options?: ScheduleOptions): ScheduledTimer {
    return this.cell.schedule(message, delayMs, options);
  }
  cancelTimer(key: string): void {
    this.cell.cancelTimer(key);
  }
  stop(): void {
    this.cell.stopWith('normal', undefined);
  }
}
