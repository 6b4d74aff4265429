import type { Invocation, Usage } from '@troupe/core';

/**
 * The key under which the runtime puts a usage callback on an invocation: agents report model
 * usage spent outside their own model calls (inside tools, such as an agent run as a tool) through
 * it, so the turn's total counts every model call of the turn.
 */
export const reportTurnUsage: unique symbol = Symbol.for('troupe.agent.reportTurnUsage');

/** An invocation that may carry the runtime's usage callback. */
export type UsageReportingInvocation = Invocation & { [reportTurnUsage]?: (usage: Usage) => void };

/** Adds `usage` to the turn's total when the invocation comes from a runtime; otherwise does nothing. */
export function reportUsage(invocation: Invocation, usage: Usage): void {
  (invocation as UsageReportingInvocation)[reportTurnUsage]?.(usage);
}
