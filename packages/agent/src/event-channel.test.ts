import { describe, expect, it } from 'vitest';
import { EventChannel } from './event-channel.ts';

describe('EventChannel', () => {
  it('makes the producer wait once the buffer is full and never drops an event', async () => {
    const channel = new EventChannel<number>(2);
    expect(channel.push(1)).toBeUndefined();
    const wait = channel.push(2);
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    void wait?.then(() => {
      released = true;
    });
    await Promise.resolve();
    expect(released).toBe(false);
    expect(await channel.next()).toEqual({ value: 1, done: false });
    await Promise.resolve();
    expect(released).toBe(true);
    channel.push(3);
    channel.close();
    const rest: number[] = [];
    for await (const value of channel) rest.push(value);
    expect(rest).toEqual([2, 3]);
  });

  it('hands an event straight to a waiting consumer', async () => {
    const channel = new EventChannel<string>(1);
    const next = channel.next();
    expect(channel.push('a')).toBeUndefined();
    expect(await next).toEqual({ value: 'a', done: false });
  });

  it('throws the failure after the buffered events, once', async () => {
    const channel = new EventChannel<number>(4);
    channel.push(1);
    const failure = new Error('boom');
    channel.fail(failure);
    expect(await channel.next()).toEqual({ value: 1, done: false });
    await expect(channel.next()).rejects.toBe(failure);
    expect(await channel.next()).toEqual({ value: undefined, done: true });
  });

  it('tells the producer when the consumer leaves early and releases a waiting producer', async () => {
    let detached = 0;
    const channel = new EventChannel<number>(1, () => detached++);
    const wait = channel.push(1);
    await channel.return();
    await wait;
    expect(detached).toBe(1);
    expect(channel.isDetached).toBe(true);
    expect(channel.push(2)).toBeUndefined();
    expect(await channel.next()).toEqual({ value: undefined, done: true });
  });

  it('does not call the detach hook when the stream already ended', async () => {
    let detached = 0;
    const channel = new EventChannel<number>(1, () => detached++);
    channel.close();
    await channel.return();
    expect(detached).toBe(0);
  });
});
