import { manualClock } from '@troupe/core/testing';
import { expect, it } from 'vitest';
import { runDemo } from './demo.ts';

it('three replicas over a lossy network agree on the exact total', async () => {
  const clock = manualClock({ now: 1_000 });
  const lines: string[] = [];
  const done = runDemo({ clock, print: (line) => lines.push(line) });
  await clock.advance(1_000);
  const values = await done;
  // Replica i adds (i + round) in each of five rounds: 3 * 15 + 5 * (0 + 1 + 2) = 60; each subtracts 1 once.
  expect(values).toEqual([57, 57, 57]);
  expect(lines.at(-2)).toContain('converged');
  expect(lines.at(-1)).toMatch(/[1-9]\d* lost/);
});
