import { abortReason, InvalidArgumentError } from '@troupe/core';
import type { ActorRef, SendOptions } from './actor-ref.ts';
import { Envelope } from './mailbox.ts';

let capturedResolve: (value: unknown) => void = () => {};
let capturedReject: (error: unknown) => void = () => {};
// One shared executor instead of a fresh closure per ask (the executor runs synchronously).
function captureSettlers(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** What an ask needs from the system it runs in. */
export interface AskHost {
  /** Forgets the record's timeout (it settled first). */
  forgetTimeout(record: AskRecord): void;
  /** Reports a reply that came after the ask had settled. */
  lateReply(record: AskRecord, value: unknown): void;
}

/**
 * One pending `ask`: its promise's settle functions, its deadline and abort signal. It travels in
 * the mailbox slot next to its message, so `ctx.reply` finds it without any lookup, and a reply
 * after the ask settled is recognised as late (it goes to dead letters, never into a later ask).
 */
export class AskRecord extends Envelope {
  settled = false;
  /** The promise the caller of `ask` awaits. */
  readonly promise: Promise<unknown>;
  private readonly resolve: (value: unknown) => void;
  private readonly reject: (error: unknown) => void;
  /** Absolute deadline on the system clock, when a timeout was given. */
  deadline = 0;
  /** The timeout it was asked with (0 when none). */
  timeoutMs = 0;
  signal: AbortSignal | undefined = undefined;
  /** The actor currently holding the message; a forward hands the record on. */
  owner: unknown = undefined;
  private replyRef: AskReplyRef | undefined = undefined;

  constructor(
    readonly host: AskHost,
    readonly target: ActorRef,
    message: unknown,
  ) {
    super(message, undefined);
    // The record is its own envelope in the mailbox: its metadata is itself.
    this.meta = this;
    this.promise = new Promise(captureSettlers);
    this.resolve = capturedResolve;
    this.reject = capturedReject;
  }

  /** Resolves the ask; false when it had already settled. */
  complete(value: unknown): boolean {
    if (this.settled) return false;
    this.settle();
    this.resolve(value);
    return true;
  }

  /** Rejects the ask; false when it had already settled. */
  fail(error: unknown): boolean {
    if (this.settled) return false;
    this.settle();
    this.reject(error);
    return true;
  }

  /** Abort listener: the record is its own listener, so listening allocates no closure. */
  handleEvent(): void {
    if (this.signal) this.fail(abortReason(this.signal));
  }

  /** The record as an `ActorRef`, for `ctx.sender` and for forwarding. */
  asRef(): AskReplyRef {
    this.replyRef ??= new AskReplyRef(this);
    return this.replyRef;
  }

  private settle(): void {
    this.settled = true;
    if (this.signal) this.signal.removeEventListener('abort', this);
    if (this.timeoutMs > 0) this.host.forgetTimeout(this);
  }
}

/** The sender of an asked message: telling it answers the ask. */
export class AskReplyRef implements ActorRef {
  constructor(readonly record: AskRecord) {}
  get name(): string {
    return 'ask';
  }
  get path(): string {
    return `/temp/ask${this.record.target.path}`;
  }
  get mailboxSize(): number {
    return 0;
  }
  get isStopped(): boolean {
    return this.record.settled;
  }
  tell(message: unknown): void {
    if (!this.record.complete(message)) this.record.host.lateReply(this.record, message);
  }
  send(message: unknown, _options?: SendOptions): Promise<void> {
    this.tell(message);
    return Promise.resolve();
  }
  ask<R>(): Promise<R> {
    return Promise.reject(
      new InvalidArgumentError('The sender of an ask is a one-shot reply address; it cannot be asked.'),
    );
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}
