import type { AgentEvent, AssistantMessage } from '@troupe/core';

/**
 * The key of a hidden field on an agent's `model-start` and `model-finish` events: the agent builds
 * the step's assistant message from the very chunks it emits and hands it over with `model-finish`,
 * so the runtime's transcript need not keep a second copy of a long answer while it streams. It is
 * a non-enumerable symbol, so it stays out of JSON and of what consumers see.
 */
export const stepMessage: unique symbol = Symbol('troupe.agent.stepMessage');

type WithStepMessage = AgentEvent & { [stepMessage]?: AssistantMessage | true };

/**
 * Marks `event`: on `model-start`, that the agent will hand the step's message over (`message`
 * undefined); on `model-finish`, the message itself.
 */
export function withStepMessage(event: AgentEvent, message?: AssistantMessage): AgentEvent {
  // Not enumerable: consumers comparing or copying events never see it.
  Object.defineProperty(event, stepMessage, { value: message ?? true, enumerable: false });
  return event;
}

/** What `event` carries under {@link stepMessage}: true (will hand over), the message, or undefined. */
export function stepMessageOf(event: AgentEvent): AssistantMessage | true | undefined {
  return (event as WithStepMessage)[stepMessage];
}
