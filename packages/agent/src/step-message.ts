import type { AssistantMessage } from '@troupe/core';

/**
 * What an agent may hand its emit sink beside a `model-start` or `model-finish` event: the agent
 * builds each step's assistant message from the very chunks it emits, so the runtime's transcript
 * need not keep a second copy of a long answer while it streams. On `model-start`, `true` promises
 * the message; on `model-finish`, it is the message. It travels beside the event, never on it:
 * consumers comparing, copying or serialising events never see it. A sink that ignores it (the
 * iterated `run`) loses nothing — the transcript then rebuilds the step from its events.
 */
export type StepHandOver = AssistantMessage | true;
