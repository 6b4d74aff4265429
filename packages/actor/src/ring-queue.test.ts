import { describe, expect, it } from 'vitest';
import { RingQueue } from './ring-queue.ts';

describe('RingQueue', () => {
  it('is FIFO across growth and wrap-around, with unshift at the front', () => {
    const queue = new RingQueue<number>(2);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 30; round++) {
      for (let index = 0; index < 4; index++) queue.push(next++);
      for (let index = 0; index < 3; index++) out.push(queue.shift() as number);
    }
    while (queue.size > 0) out.push(queue.shift() as number);
    expect(out).toEqual(Array.from({ length: next }, (_, index) => index));
    queue.push(2);
    queue.unshift(1);
    expect(queue.peek()).toBe(1);
    expect([queue.shift(), queue.shift(), queue.shift()]).toEqual([1, 2, undefined]);
  });
});
