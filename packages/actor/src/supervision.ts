import { InvalidArgumentError } from '@troupe/core';
import type { MailboxOptions, OverflowPolicy, SupervisionOptions, SupervisionStrategy } from './spawn-options.ts';

/** Supervision settings with defaults applied. */
export interface ResolvedSupervision {
  strategy: SupervisionStrategy;
  maxRestarts: number;
  withinMs: number;
  minMs: number;
  maxMs: number;
  jitter: number;
  random: () => number;
}

const strategies: readonly SupervisionStrategy[] = ['restart', 'resume', 'stop', 'escalate'];
const overflowPolicies: readonly OverflowPolicy[] = ['block', 'drop-newest', 'drop-oldest', 'fail'];

/** The supervision every actor gets unless told otherwise: restart at once, at most 10 times a minute. */
export const defaultSupervision: ResolvedSupervision = Object.freeze({
  strategy: 'restart',
  maxRestarts: 10,
  withinMs: 60_000,
  minMs: 0,
  maxMs: 0,
  jitter: 0,
  random: Math.random,
});

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`Supervision option ${name} is ${value}; it must be a finite number >= 0.`);
  }
  return value;
}

/** Validates and fills in supervision options. */
export function resolveSupervision(options: SupervisionOptions | undefined): ResolvedSupervision {
  if (options === undefined) return defaultSupervision;
  const strategy = options.strategy ?? 'restart';
  if (!strategies.includes(strategy)) {
    throw new InvalidArgumentError(`Unknown supervision strategy "${String(strategy)}".`, {
      remedy: `Use one of ${strategies.join(', ')}.`,
    });
  }
  const backoff = options.backoff;
  const minMs = backoff ? nonNegative('backoff.minMs', backoff.minMs) : 0;
  const maxMs = backoff ? nonNegative('backoff.maxMs', backoff.maxMs) : 0;
  if (maxMs < minMs) {
    throw new InvalidArgumentError(`Supervision backoff.maxMs (${maxMs}) is below backoff.minMs (${minMs}).`);
  }
  const jitter = backoff?.jitter ?? 0.2;
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new InvalidArgumentError(`Supervision backoff.jitter is ${jitter}; it must be between 0 and 1.`);
  }
  return {
    strategy,
    maxRestarts: nonNegative('maxRestarts', options.maxRestarts ?? defaultSupervision.maxRestarts),
    withinMs: nonNegative('withinMs', options.withinMs ?? defaultSupervision.withinMs),
    minMs,
    maxMs,
    jitter,
    random: backoff?.random ?? Math.random,
  };
}

/**
 * The delay before restart number `attempt` (0-based, within the window): `minMs * 2^attempt`
 * plus up to `jitter` of itself at random, never above `maxMs`.
 */
export function restartDelayMs(supervision: ResolvedSupervision, attempt: number): number {
  if (supervision.maxMs === 0) return 0;
  const exponential = Math.min(supervision.maxMs, supervision.minMs * 2 ** attempt);
  const jittered = exponential * (1 + supervision.jitter * supervision.random());
  return Math.min(supervision.maxMs, Math.max(supervision.minMs, Math.round(jittered)));
}

/** Resolved mailbox settings. */
export interface ResolvedMailbox {
  capacity: number;
  overflow: OverflowPolicy;
}

/** Validates and fills in mailbox options. */
export function resolveMailbox(options: MailboxOptions | undefined): ResolvedMailbox {
  const capacity = options?.capacity ?? Number.POSITIVE_INFINITY;
  if (capacity !== Number.POSITIVE_INFINITY && (!Number.isInteger(capacity) || capacity < 1)) {
    throw new InvalidArgumentError(`Mailbox capacity is ${capacity}; it must be a whole number >= 1.`);
  }
  const overflow = options?.overflow ?? 'fail';
  if (!overflowPolicies.includes(overflow)) {
    throw new InvalidArgumentError(`Unknown mailbox overflow policy "${String(overflow)}".`, {
      remedy: `Use one of ${overflowPolicies.join(', ')}.`,
    });
  }
  return { capacity, overflow };
}
