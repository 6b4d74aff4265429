/**
 * The leanest actor mailbox worth the name, as a yardstick for @troupe/actor: one ready queue of
 * mailboxes with work, drained in a single microtask, and per-actor head-index queues (an array
 * read by a moving index, reset when empty). No supervision, no asks, no bounds, no lifecycle.
 */
export class MinimalSystem {
  private ready: MinimalMailbox<never>[] = [];
  private readyHead = 0;
  private scheduled = false;

  spawn<M>(handler: (message: M) => void): MinimalMailbox<M> {
    return new MinimalMailbox<M>(this, handler);
  }

  schedule(mailbox: MinimalMailbox<never>): void {
    this.ready.push(mailbox);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.drain);
    }
  }

  private readonly drain = (): void => {
    while (this.readyHead < this.ready.length) (this.ready[this.readyHead++] as MinimalMailbox<never>).run();
    this.ready.length = 0;
    this.readyHead = 0;
    this.scheduled = false;
  };
}

export class MinimalMailbox<M> {
  private items: M[] = [];
  private head = 0;
  private queued = false;

  constructor(
    private readonly system: MinimalSystem,
    private readonly handler: (message: M) => void,
  ) {}

  tell(message: M): void {
    this.items.push(message);
    if (!this.queued) {
      this.queued = true;
      this.system.schedule(this as unknown as MinimalMailbox<never>);
    }
  }

  run(): void {
    this.queued = false;
    const items = this.items;
    while (this.head < items.length) this.handler(items[this.head++] as M);
    items.length = 0;
    this.head = 0;
  }
}
