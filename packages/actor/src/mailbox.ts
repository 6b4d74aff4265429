/**
 * A message stored with routing metadata: the sender, the waiting ask, or a notice marker. Plain
 * `tell`s (the common case) are stored bare, so they allocate nothing and take one slot.
 */
export class Envelope {
  constructor(
    public message: unknown,
    public meta: unknown,
  ) {}
}

/**
 * An actor's queue of messages: a ring buffer read by a moving head index, so dequeue is O(1) at
 * any depth and nothing is ever shifted. The buffer is allocated on the first message, so an actor
 * that was never messaged carries none. The actor cell extends this class, which keeps the queue
 * inside the cell object instead of beside it.
 */
export class Mailbox {
  private slots: unknown[] | undefined = undefined;
  private head = 0;
  /** Messages waiting. */
  size = 0;
  /** The metadata of the message the last {@link Mailbox.shift} returned (undefined for a bare tell). */
  shiftedMeta: unknown = undefined;

  /** Queues `message`; `meta` undefined for a plain tell. */
  push(message: unknown, meta: unknown): void {
    let slots = this.slots;
    if (slots === undefined || this.size === slots.length) slots = this.grow();
    slots[(this.head + this.size) & (slots.length - 1)] = meta === undefined ? message : wrap(message, meta);
    this.size++;
  }

  /** Puts a message back at the front (used to unstash). */
  unshift(message: unknown, meta: unknown): void {
    let slots = this.slots;
    if (slots === undefined || this.size === slots.length) slots = this.grow();
    this.head = (this.head - 1) & (slots.length - 1);
    slots[this.head] = meta === undefined ? message : wrap(message, meta);
    this.size++;
  }

  /** Takes the oldest message (the mailbox must not be empty); its metadata goes to `shiftedMeta`. */
  shift(): unknown {
    const slots = this.slots as unknown[];
    const head = this.head;
    const item = slots[head];
    slots[head] = undefined;
    this.head = (head + 1) & (slots.length - 1);
    this.size--;
    // The typeof test first: `instanceof` on a primitive takes a slow path in V8.
    if (typeof item === 'object' && item instanceof Envelope) {
      this.shiftedMeta = item.meta;
      return item.message;
    }
    this.shiftedMeta = undefined;
    return item;
  }

  /** Forgets the buffer (the actor stopped). */
  releaseSlots(): void {
    this.slots = undefined;
    this.head = 0;
    this.size = 0;
  }

  private grow(): unknown[] {
    const old = this.slots;
    if (old === undefined) {
      // Most actors hold zero or one message at a time.
      this.slots = new Array<unknown>(2);
      return this.slots;
    }
    const length = old.length;
    const mask = length - 1;
    const slots = new Array<unknown>(length * 2);
    for (let index = 0; index < this.size; index++) slots[index] = old[(this.head + index) & mask];
    this.slots = slots;
    this.head = 0;
    return slots;
  }
}

/** An envelope for `message` (an ask record is its own envelope, so an ask allocates no extra one). */
function wrap(message: unknown, meta: unknown): Envelope {
  if (meta instanceof Envelope && meta.meta === meta && meta.message === message) return meta;
  return new Envelope(message, meta);
}
