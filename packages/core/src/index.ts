export {
  type Agent,
  EventStamp,
  eventStamper,
  type Invocation,
  type SessionState,
} from './agent.ts';
export { abortReason, type Clock, sleep, systemClock, type TimerHandle } from './clock.ts';
export {
  ActorNameTakenError,
  ActorStoppedError,
  AskTimeoutError,
  AuthenticationError,
  BudgetExceededError,
  ConcurrentWriteError,
  ContextLengthError,
  CorruptSnapshotError,
  CrdtFormatError,
  type ErrorInfo,
  InvalidArgumentError,
  MailboxFullError,
  MaxStepsExceededError,
  ProviderError,
  type ProviderErrorOptions,
  ProviderProtocolError,
  ProviderRequestError,
  RateLimitError,
  RuntimeStoppedError,
  SessionBacklogFullError,
  StoreError,
  ToolExecutionError,
  ToolNotFoundError,
  ToolTimeoutError,
  ToolUnavailableError,
  ToolValidationError,
  TransientProviderError,
  TroupeError,
  type TroupeErrorCode,
  type TroupeErrorOptions,
  TurnAbortedError,
  toErrorInfo,
  type ValidationIssue,
} from './errors.ts';
export {
  type AgentEvent,
  type AgentEventBase,
  type AgentEventOf,
  type AgentEventPayload,
  type AgentEventType,
  agentEventTypes,
  type TurnStatus,
} from './events.ts';
export { consoleLogger, type LogFields, type Logger, silentLogger } from './logger.ts';
export {
  type AssistantMessage,
  addUsage,
  type ContentPart,
  emptyUsage,
  type ImagePart,
  type JsonSchema,
  type Message,
  messageText,
  type ProviderMetadata,
  type ReasoningPart,
  type SystemMessage,
  type TextPart,
  type ToolCall,
  type ToolMessage,
  type Usage,
  type UserMessage,
} from './messages.ts';
export { type Backoff, type BackoffOptions, backoff, isRetryable } from './middleware/backoff.ts';
export { type BucketOptions, RateLimiter, type RateLimiterOptions, TokenBucket } from './middleware/rate-limiter.ts';
export { type FallbackOptions, withFallback } from './middleware/with-fallback.ts';
export { type LoggingOptions, withLogging } from './middleware/with-logging.ts';
export { estimateRequestTokens, type RateLimitOptions, withRateLimit } from './middleware/with-rate-limit.ts';
export { type RetryNotice, type RetryOptions, withRetry } from './middleware/with-retry.ts';
export { type ModelMiddleware, wrapModel } from './middleware/wrap-model.ts';
export type {
  FinishReason,
  LanguageModel,
  ModelChunk,
  ModelRequest,
  StreamOptions,
  ToolChoice,
  ToolSpec,
} from './model.ts';
export { collectModelResponse, type ModelResponse, ModelResponseBuilder } from './model-response.ts';
export {
  type ListSessionsOptions,
  SESSION_FORMAT_VERSION,
  type SessionPage,
  type SessionSnapshot,
  type SessionStore,
  type SessionSummary,
} from './store.ts';
export type { Tool, ToolContext, ToolValidation } from './tool.ts';
