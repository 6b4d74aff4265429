import {
  BudgetExceededError,
  InvalidArgumentError,
  type LanguageModel,
  type ModelChunk,
  type ModelMiddleware,
  type ModelRequest,
  type StreamOptions,
  type Usage,
} from '@troupe/core';
import type { PNCounter } from './pn-counter.ts';
import { describe } from './state-validation.ts';

/** Options of {@link tokenBudget}. */
export interface TokenBudgetOptions {
  /** Tokens the whole cluster may spend. */
  limit: number;
  /** The replicated counter of tokens spent (register it with a Replicator to share the budget). */
  crdt: PNCounter;
  /** How many tokens a usage report costs. Default: input + output tokens. */
  countUsage?: (usage: Usage) => number;
}

/** A token budget shared by every replica that replicates its counter. */
export interface TokenBudget {
  /** Tokens the whole cluster may spend. */
  readonly limit: number;
  /** Tokens spent so far, as far as this replica knows. */
  readonly used: number;
  /** `limit - used`, never below 0. */
  readonly remaining: number;
  /** True once `used >= limit`. */
  readonly exhausted: boolean;
  /** The counter behind the budget. */
  readonly crdt: PNCounter;
  /**
   * Throws BudgetExceededError when the budget is spent, or when `estimate` more tokens would
   * overspend it. Call it before a model call.
   */
  check(estimate?: number): void;
  /** Charges a model call's usage (or a token count) to the budget. */
  record(usage: Usage | number): void;
  /** Gives tokens back (a cancelled reservation, a manual top-up). */
  refund(tokens: number): void;
}

/**
 * A cluster-wide token budget on a {@link PNCounter}. Replicas learn of each other's spending
 * through replication, so concurrent calls on different replicas can overshoot the limit by what
 * they spend before the next delta arrives: it is a soft limit, tight to within one round trip.
 */
export function tokenBudget(options: TokenBudgetOptions): TokenBudget {
  const { limit, crdt } = options;
  if (!(Number.isFinite(limit) && limit >= 0)) {
    throw new InvalidArgumentError(`tokenBudget option "limit" must be a number >= 0; got ${describe(limit)}.`);
  }
  if (crdt?.type !== 'pn-counter') {
    throw new InvalidArgumentError('tokenBudget option "crdt" must be a PNCounter.');
  }
  const countUsage = options.countUsage ?? ((usage: Usage) => usage.inputTokens + usage.outputTokens);
  const tokens = (value: number, operation: string) => {
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new InvalidArgumentError(`${operation} takes a token count >= 0; got ${describe(value)}.`);
    }
    return Math.ceil(value);
  };
  return {
    limit,
    crdt,
    get used() {
      return crdt.value;
    },
    get remaining() {
      return Math.max(0, limit - crdt.value);
    },
    get exhausted() {
      return crdt.value >= limit;
    },
    check(estimate = 0) {
      const wanted = tokens(estimate, 'TokenBudget.check');
      const used = crdt.value;
      if (used >= limit || used + wanted > limit) {
        const what =
          used >= limit
            ? `is spent (${used} of ${limit} tokens used)`
            : `has ${limit - used} tokens left, the call may need ${wanted}`;
        throw new BudgetExceededError(`The token budget ${what}.`, { limit, used });
      }
    },
    record(usage) {
      const spent =
        typeof usage === 'number'
          ? tokens(usage, 'TokenBudget.record')
          : tokens(countUsage(usage), 'TokenBudget.record');
      crdt.increment(spent);
    },
    refund(amount) {
      crdt.decrement(tokens(amount, 'TokenBudget.refund'));
    },
  };
}

/**
 * Model middleware that consults a budget before every call (throwing BudgetExceededError before
 * anything is sent) and records each call's reported usage.
 */
export function withTokenBudget(budget: TokenBudget): ModelMiddleware {
  return (model: LanguageModel): LanguageModel => ({
    provider: model.provider,
    modelId: model.modelId,
    async *stream(request: ModelRequest, options?: StreamOptions): AsyncIterable<ModelChunk> {
      budget.check();
      for await (const chunk of model.stream(request, options)) {
        if (chunk.type === 'usage') budget.record(chunk.usage);
        yield chunk;
      }
    },
  });
}
