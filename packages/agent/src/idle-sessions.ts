import type { Clock, TimerHandle } from '@troupe/core';

/** A member of an {@link IdleSessions} list. */
export interface IdleMember {
  /** When the member became idle, on the list's clock. */
  idleSince: number;
  /** Neighbours in the list; undefined at the ends or when not listed. */
  idlePrevious: IdleMember | undefined;
  idleNext: IdleMember | undefined;
  /** True while listed. */
  idleListed: boolean;
}

/**
 * The idle sessions of a runtime, oldest first, with one timer for the whole list. Every session
 * waits the same `passivateAfterMs`, so the order sessions became idle in is the order they are due
 * in: listing, unlisting and passivating are O(1) and an idle session costs three fields instead of
 * a timer of its own.
 */
export class IdleSessions<T extends IdleMember> {
  private head: T | undefined;
  private tail: T | undefined;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly afterMs: number,
    /** Called for each member idle for `afterMs`, after it left the list. */
    private readonly expire: (member: T) => void,
  ) {}

  /** Lists `member` as idle from now (at the end: it is due last). */
  add(member: T): void {
    if (!Number.isFinite(this.afterMs)) return;
    if (member.idleListed) this.remove(member);
    member.idleSince = this.clock.now();
    member.idleListed = true;
    member.idlePrevious = this.tail;
    member.idleNext = undefined;
    if (this.tail === undefined) this.head = member;
    else this.tail.idleNext = member;
    this.tail = member;
    if (this.timer === undefined) this.arm(member.idleSince + this.afterMs);
  }

  /** Takes `member` off the list (it is busy again). */
  remove(member: T): void {
    if (!member.idleListed) return;
    const previous = member.idlePrevious as T | undefined;
    const next = member.idleNext as T | undefined;
    if (previous === undefined) this.head = next;
    else previous.idleNext = next;
    if (next === undefined) this.tail = previous;
    else next.idlePrevious = previous;
    member.idlePrevious = undefined;
    member.idleNext = undefined;
    member.idleListed = false;
  }

  /** Forgets every member and the timer. */
  clear(): void {
    while (this.head !== undefined) this.remove(this.head);
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(dueAt: number): void {
    const timer = this.clock.setTimeout(() => this.fire(), Math.max(0, dueAt - this.clock.now()));
    // Waiting to passivate sessions is no reason to keep the process alive.
    (timer as { unref?: () => void } | undefined)?.unref?.();
    this.timer = timer;
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    let member = this.head;
    while (member !== undefined && now - member.idleSince >= this.afterMs) {
      this.remove(member);
      this.expire(member);
      member = this.head;
    }
    // The head may have been removed and re-added since the timer was set: wait for the new head.
    if (member !== undefined && this.timer === undefined) this.arm(member.idleSince + this.afterMs);
  }
}
