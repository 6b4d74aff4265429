import { type Clock, InvalidArgumentError } from '@troupe/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTimestamps, type HlcTimestamp, HybridLogicalClock } from './hybrid-logical-clock.ts';

/** A clock whose wall time the test sets directly, backwards included. */
function settableClock(start = 1_000): Clock & { wall: number } {
  const clock = {
    wall: start,
    now: () => clock.wall,
    setTimeout: () => 0,
    clearTimeout: () => {},
  };
  return clock;
}

describe('HybridLogicalClock', () => {
  it('follows wall time and counts events within a millisecond', () => {
    const clock = settableClock(5_000);
    const hlc = new HybridLogicalClock({ node: 'a', clock });
    expect(hlc.now()).toEqual({ wall: 5_000, logical: 0, node: 'a' });
    expect(hlc.now()).toEqual({ wall: 5_000, logical: 1, node: 'a' });
    clock.wall = 5_010;
    expect(hlc.now()).toEqual({ wall: 5_010, logical: 0, node: 'a' });
  });

  it('keeps moving forwards when the wall clock goes backwards', () => {
    const clock = settableClock(9_000);
    const hlc = new HybridLogicalClock({ node: 'a', clock });
    const before = hlc.now();
    clock.wall = 1_000;
    const after = hlc.now();
    expect(after).toEqual({ wall: 9_000, logical: 1, node: 'a' });
    expect(compareTimestamps(after, before)).toBeGreaterThan(0);
  });

  it('orders after an observed remote timestamp from the future', () => {
    const clock = settableClock(1_000);
    const hlc = new HybridLogicalClock({ node: 'a', clock });
    const remote: HlcTimestamp = { wall: 2_000, logical: 7, node: 'b' };
    expect(hlc.observe(remote)).toEqual({ wall: 2_000, logical: 8, node: 'a' });
    expect(compareTimestamps(hlc.now(), remote)).toBeGreaterThan(0);
  });

  it('is monotonic for any mix of wall times (also backwards) and observed timestamps', () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant('tick' as const), wall: fc.integer({ min: 0, max: 10_000 }) }),
      fc.record({
        kind: fc.constant('observe' as const),
        wall: fc.integer({ min: 0, max: 10_000 }),
        remote: fc.record({
          wall: fc.integer({ min: 0, max: 10_000 }),
          logical: fc.nat(20),
          node: fc.constantFrom('b', 'c'),
        }),
      }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const clock = settableClock(0);
        const hlc = new HybridLogicalClock({ node: 'a', clock });
        let previous = hlc.last;
        for (const step of events) {
          clock.wall = step.wall;
          const next = step.kind === 'tick' ? hlc.now() : hlc.observe(step.remote);
          expect(compareTimestamps(next, previous)).toBeGreaterThan(0);
          if (step.kind === 'observe') expect(compareTimestamps(next, step.remote)).toBeGreaterThan(0);
          // Never far from real time: the wall part is the largest wall time seen.
          expect(next.wall).toBeGreaterThanOrEqual(step.wall);
          previous = next;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('compares by wall, then logical, then node', () => {
    const at = (wall: number, logical: number, node: string) => ({ wall, logical, node });
    expect(compareTimestamps(at(1, 9, 'z'), at(2, 0, 'a'))).toBeLessThan(0);
    expect(compareTimestamps(at(2, 1, 'a'), at(2, 0, 'z'))).toBeGreaterThan(0);
    expect(compareTimestamps(at(2, 1, 'b'), at(2, 1, 'a'))).toBeGreaterThan(0);
    expect(compareTimestamps(at(2, 1, 'a'), at(2, 1, 'a'))).toBe(0);
  });

  it('refuses a remote timestamp beyond maxDriftMs and keeps its own reading', () => {
    const clock = settableClock(1_000);
    const hlc = new HybridLogicalClock({ node: 'a', clock, maxDriftMs: 500 });
    hlc.now();
    const error = (() => {
      try {
        hlc.observe({ wall: 10_000, logical: 0, node: 'b' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toContain('9000 ms ahead');
    expect(hlc.last).toEqual({ wall: 1_000, logical: 0, node: 'a' });
    expect(hlc.observe({ wall: 1_400, logical: 0, node: 'b' }).wall).toBe(1_400);
  });

  it('rejects malformed input with typed errors', () => {
    expect(() => new HybridLogicalClock({ node: '' })).toThrow(/non-empty string/);
    const hlc = new HybridLogicalClock({ node: 'a', clock: settableClock() });
    const bad = { wall: -1, logical: 0, node: 'b' };
    expect(() => hlc.observe(bad)).toThrow(InvalidArgumentError);
    expect(() => hlc.observe(bad)).toThrow(/timestamp\.wall/);
  });
});
