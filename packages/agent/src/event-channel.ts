/**
 * A bounded single-consumer channel of events. `push` hands an event over at once while the buffer
 * has room and otherwise returns a promise that resolves when the consumer has taken enough: a slow
 * consumer slows the producer, and nothing is ever dropped while someone is listening.
 */
export class EventChannel<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private head = 0;
  /** The waiting consumer's promise, settled by these two (kept as fields: `next` allocates no holder). */
  private consumerResolve: ((result: IteratorResult<T>) => void) | undefined;
  private consumerReject: ((error: unknown) => void) | undefined;
  /** The executor of the consumer's promise, made once rather than per wait. */
  private readonly awaitValue = (
    resolve: (result: IteratorResult<T>) => void,
    reject: (error: unknown) => void,
  ): void => {
    this.consumerResolve = resolve;
    this.consumerReject = reject;
  };
  private producer: (() => void) | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private detached = false;

  constructor(
    private readonly capacity: number,
    /** Called once when the consumer stops listening before the end (a `break` out of `for await`). */
    private readonly onDetach: () => void = () => {},
  ) {}

  /** True once the consumer stopped listening; further pushes are discarded. */
  get isDetached(): boolean {
    return this.detached;
  }

  /** Events waiting for the consumer. */
  get size(): number {
    return this.buffer.length - this.head;
  }

  /** Offers one event; returns a promise only when the producer must wait for room. */
  push(value: T): Promise<void> | undefined {
    if (this.detached || this.ended) return undefined;
    const resolve = this.consumerResolve;
    if (resolve) {
      this.consumerResolve = undefined;
      this.consumerReject = undefined;
      resolve({ value, done: false });
      return undefined;
    }
    this.buffer.push(value);
    if (this.size < this.capacity) return undefined;
    return new Promise<void>((resolve) => {
      this.producer = resolve;
    });
  }

  /** Wakes a producer waiting for room without taking anything (the turn is being aborted). */
  interrupt(): void {
    const producer = this.producer;
    this.producer = undefined;
    producer?.();
  }

  /** Ends the stream after the buffered events. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.settleConsumer();
  }

  /** Ends the stream with `error`, thrown to the consumer after the buffered events. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = { error };
    this.settleConsumer();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head] as T;
      this.buffer[this.head] = undefined as T;
      this.head++;
      if (this.head === this.buffer.length) {
        this.buffer.length = 0;
        this.head = 0;
      }
      this.releaseProducer();
      return Promise.resolve({ value, done: false });
    }
    if (this.ended || this.detached) return this.finish();
    return new Promise(this.awaitValue);
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.detached) {
      this.detached = true;
      this.buffer.length = 0;
      this.head = 0;
      this.releaseProducer();
      if (!this.ended) this.onDetach();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): Promise<IteratorResult<T>> {
    if (this.failure && !this.detached) {
      const { error } = this.failure;
      this.failure = undefined;
      this.detached = true;
      return Promise.reject(error);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  private releaseProducer(): void {
    const producer = this.producer;
    if (producer && (this.detached || this.size < this.capacity)) {
      this.producer = undefined;
      producer();
    }
  }

  private settleConsumer(): void {
    const resolve = this.consumerResolve;
    const reject = this.consumerReject;
    if (!resolve || !reject) return;
    this.consumerResolve = undefined;
    this.consumerReject = undefined;
    this.finish().then(resolve, reject);
  }
}
