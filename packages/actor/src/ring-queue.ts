/**
 * A growable FIFO ring buffer: O(1) push, shift and unshift at any depth. `Array.prototype.shift`
 * is O(n) once an array is large, which is why the runtime never uses it on a queue.
 */
export class RingQueue<T> {
  private slots: (T | undefined)[];
  private head = 0;
  private mask: number;
  /** Items in the queue. */
  size = 0;

  constructor(initialCapacity = 16) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(2, initialCapacity)));
    this.slots = new Array<T | undefined>(capacity);
    this.mask = capacity - 1;
  }

  push(item: T): void {
    if (this.size > this.mask) this.grow();
    this.slots[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  /** Puts `item` at the front. */
  unshift(item: T): void {
    if (this.size > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.slots[this.head] = item;
    this.size++;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return item;
  }

  peek(): T | undefined {
    return this.size === 0 ? undefined : this.slots[this.head];
  }

  private grow(): void {
    const capacity = this.slots.length;
    const slots = new Array<T | undefined>(capacity * 2);
    for (let index = 0; index < this.size; index++) slots[index] = this.slots[(this.head + index) & this.mask];
    this.slots = slots;
    this.head = 0;
    this.mask = capacity * 2 - 1;
  }
}
