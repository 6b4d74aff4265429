import { AskTimeoutError } from '@troupe/core';
import { manualClock } from '@troupe/core/testing';
import { describe, expect, it } from 'vitest';
import type { ActorRef } from './actor-ref.ts';
import { type AskHost, AskRecord } from './ask-record.ts';
import { AskTimeouts } from './ask-timeouts.ts';

function setup() {
  const clock = manualClock();
  const timeouts = new AskTimeouts(clock);
  const host: AskHost = { forgetTimeout: (record) => timeouts.forget(record), lateReply: () => {} };
  const target = { path: '/user/target' } as ActorRef;
  const ask = (timeoutMs: number) => {
    const record = new AskRecord(host, target, 'question');
    timeouts.add(record, timeoutMs);
    const outcome = record.promise.then(
      (value) => value,
      (error: unknown) => error,
    );
    return { record, outcome };
  };
  return { clock, timeouts, ask };
}

describe('AskTimeouts', () => {
  it('arms one clock timer for any number of asks and fires each at its deadline', async () => {
    const { clock, ask } = setup();
    const first = ask(100);
    await clock.advance(30);
    const second = ask(100);
    const short = ask(50);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(50);
    expect(AskTimeoutError.isInstance(await short.outcome)).toBe(true);
    expect(first.record.settled).toBe(false);
    await clock.advance(20);
    expect(AskTimeoutError.isInstance(await first.outcome)).toBe(true);
    expect(second.record.settled).toBe(false);
    await clock.advance(30);
    expect(AskTimeoutError.isInstance(await second.outcome)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('drops asks that settled first, so answered asks do not pile up', async () => {
    const { clock, timeouts, ask } = setup();
    const asks = Array.from({ length: 1000 }, () => ask(5000));
    for (const { record } of asks) record.complete('ok');
    expect(timeouts.size).toBe(0);
    expect(await asks[0]?.outcome).toBe('ok');
    await clock.advance(5000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops its timer on dispose', () => {
    const { clock, timeouts, ask } = setup();
    ask(100);
    timeouts.dispose();
    expect(clock.pendingTimers).toBe(0);
  });
});
