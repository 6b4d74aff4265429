import { BudgetExceededError, InvalidArgumentError, wrapModel } from '@troupe/core';
import { manualClock, scriptedModel, textReply } from '@troupe/core/testing';
import { describe, expect, it } from 'vitest';
import { memoryTransport } from './memory-transport.ts';
import { PNCounter } from './pn-counter.ts';
import { Replicator } from './replicator.ts';
import { tokenBudget, withTokenBudget } from './token-budget.ts';

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('tokenBudget', () => {
  it('records usage, refuses calls once spent, and accepts refunds', () => {
    const budget = tokenBudget({ limit: 100, crdt: new PNCounter({ node: 'a' }) });
    budget.check(100);
    budget.record({ inputTokens: 60, outputTokens: 30 });
    expect(budget.used).toBe(90);
    expect(budget.remaining).toBe(10);
    expect(() => budget.check(20)).toThrow(/has 10 tokens left, the call may need 20/);
    budget.record(15);
    const error = caught(() => budget.check());
    expect(BudgetExceededError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED', limit: 100, used: 105 });
    expect(budget.exhausted).toBe(true);
    budget.refund(10);
    budget.check();
    expect(budget.remaining).toBe(5);
  });

  it('is shared across replicas through the replicator', async () => {
    const clock = manualClock();
    const network = memoryTransport({ clock });
    const budgets = ['a', 'b'].map((node) => {
      const crdt = new PNCounter({ node });
      const replicator = new Replicator({ node, transport: network.connect(node), clock, antiEntropyIntervalMs: 100 });
      replicator.register('tokens', crdt);
      return { budget: tokenBudget({ limit: 1_000, crdt }), replicator };
    });
    const [a, b] = budgets as [(typeof budgets)[0], (typeof budgets)[0]];
    a.budget.record(700);
    b.budget.record(400);
    await clock.advance(10);
    expect(() => a.budget.check()).toThrow(BudgetExceededError);
    expect(() => b.budget.check()).toThrow(BudgetExceededError);
    for (const { replicator } of budgets) replicator.close();
  });

  it('as middleware, refuses a call before it reaches the model and records what calls used', async () => {
    const model = scriptedModel([
      textReply('hello there', { usage: { inputTokens: 40, outputTokens: 20 } }),
      textReply('again', { usage: { inputTokens: 40, outputTokens: 10 } }),
    ]);
    const budget = tokenBudget({ limit: 100, crdt: new PNCounter({ node: 'a' }) });
    const guarded = wrapModel(model, withTokenBudget(budget));
    const drain = async () => {
      for await (const _chunk of guarded.stream({ messages: [{ role: 'user', content: 'hi' }] })) {
        // consume
      }
    };
    await drain();
    await drain();
    expect(budget.used).toBe(110);
    await expect(drain()).rejects.toThrow(BudgetExceededError);
    expect(model.requests).toHaveLength(2);
  });

  it('rejects bad options and amounts', () => {
    const crdt = new PNCounter({ node: 'a' });
    expect(() => tokenBudget({ limit: -1, crdt })).toThrow(InvalidArgumentError);
    expect(() => tokenBudget({ limit: 10, crdt: {} as PNCounter })).toThrow(/must be a PNCounter/);
    const budget = tokenBudget({ limit: 10, crdt });
    expect(() => budget.record(-5)).toThrow(InvalidArgumentError);
    expect(() => budget.check(Number.NaN)).toThrow(InvalidArgumentError);
    expect(budget.used).toBe(0);
  });
});
