export {
  type ApprovalDecisions,
  isResumeInvocation,
  pendingToolCalls,
  type ResumeInvocation,
} from './approvals.ts';
export { type Emit, type EmitOptions, type EmittingAgent, emitEvents, isEmittingAgent } from './emitted-events.ts';
export { type LlmAgent, type LlmAgentOptions, llmAgent } from './llm-agent.ts';
export { ModelActor, type ModelActorOptions, type ModelRateLimit } from './model-actor.ts';
export type { ModelCallOptions, ModelRetryNotice } from './model-call.ts';
export {
  createRuntime,
  type ModelRoutes,
  type RunOptions,
  type Runtime,
  type RuntimeOptions,
  type SendResult,
} from './runtime.ts';
export { routeStateKey } from './session.ts';
export { TurnState } from './session-state.ts';
export type { TurnResult } from './turn.ts';
export { TurnTranscript } from './turn-transcript.ts';
export { reportTurnUsage, reportUsage, type UsageReportingInvocation } from './turn-usage.ts';
