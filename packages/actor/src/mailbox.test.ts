import { describe, expect, it } from 'vitest';
import { Mailbox } from './mailbox.ts';

describe('Mailbox', () => {
  it('keeps FIFO order with metadata across growth and wrap-around', () => {
    const mailbox = new Mailbox();
    const taken: [unknown, unknown][] = [];
    let next = 0;
    // Interleave pushes and shifts so the head wraps around the ring several times while it grows.
    for (let round = 0; round < 50; round++) {
      for (let index = 0; index < round + 3; index++) mailbox.push(next, `meta-${next++}`);
      for (let index = 0; index < round + 1; index++) taken.push([mailbox.shift(), mailbox.shiftedMeta]);
    }
    while (mailbox.size > 0) taken.push([mailbox.shift(), mailbox.shiftedMeta]);
    expect(taken).toHaveLength(next);
    expect(taken.every(([message, meta], index) => message === index && meta === `meta-${index}`)).toBe(true);
  });

  it('puts unshifted messages at the front', () => {
    const mailbox = new Mailbox();
    mailbox.push('c', undefined);
    mailbox.unshift('b', 'sender-b');
    mailbox.unshift('a', undefined);
    for (let index = 0; index < 10; index++) mailbox.unshift(`early-${index}`, undefined);
    const order: unknown[] = [];
    while (mailbox.size > 0) order.push(mailbox.shift());
    expect(order.slice(-3)).toEqual(['a', 'b', 'c']);
    expect(order[0]).toBe('early-9');
  });

  it('lets go of message references once they are taken', () => {
    const mailbox = new Mailbox();
    const message = { big: true };
    mailbox.push(message, undefined);
    mailbox.shift();
    const slots = (mailbox as unknown as { slots: unknown[] }).slots;
    expect(slots.every((slot) => slot === undefined)).toBe(true);
  });

  it('drains 100,000 messages in order', () => {
    const mailbox = new Mailbox();
    for (let index = 0; index < 100_000; index++) mailbox.push(index, undefined);
    let expected = 0;
    while (mailbox.size > 0) expect(mailbox.shift()).toBe(expected++);
    expect(expected).toBe(100_000);
  });
});
