/** Every error code Troupe throws. */
export type TroupeErrorCode =
  | 'INVALID_ARGUMENT'
  | 'SESSION_BACKLOG_FULL'
  | 'CONCURRENT_WRITE'
  | 'MAILBOX_FULL'
  | 'ASK_TIMEOUT'
  | 'ACTOR_STOPPED'
  | 'ACTOR_NAME_TAKEN'
  | 'RUNTIME_STOPPED'
  | 'TURN_ABORTED'
  | 'MAX_STEPS_EXCEEDED'
  | 'TOOL_VALIDATION'
  | 'TOOL_NOT_FOUND'
  | 'TOOL_TIMEOUT'
  | 'TOOL_EXECUTION'
  | 'TOOL_UNAVAILABLE'
  | 'PROVIDER'
  | 'RATE_LIMITED'
  | 'AUTHENTICATION'
  | 'CONTEXT_LENGTH'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_PROTOCOL'
  | 'PROVIDER_REQUEST'
  | 'STORE'
  | 'CORRUPT_SNAPSHOT'
  | 'CRDT_FORMAT'
  | 'BUDGET_EXCEEDED';

/** Options every Troupe error takes. */
export interface TroupeErrorOptions {
  cause?: unknown;
  /** Replaces the class's default advice on what to do, appended to the message. */
  remedy?: string;
}

const markerKey = (name: string): symbol => Symbol.for(`troupe.error.${name}`);

interface ErrorClassLike {
  readonly marker?: symbol;
}

/**
 * Base of every Troupe error. `message` says what happened followed by what to do about it
 * (`remedy`); `code` is stable and machine-readable. Use `isInstance` instead of `instanceof`: it
 * also recognises errors thrown by another copy of the package (duplicate installs, bundles).
 */
export class TroupeError extends Error {
  static readonly marker: symbol = markerKey('TroupeError');
  static readonly defaultRemedy: string = 'See the error code in the Troupe docs.';
  readonly code: TroupeErrorCode;
  /** What the user can do about it (also the tail of `message`). */
  readonly remedy: string;

  constructor(message: string, options: TroupeErrorOptions & { code?: TroupeErrorCode } = {}) {
    const ctor = new.target as unknown as typeof TroupeError;
    const remedy = options.remedy ?? ctor.defaultRemedy;
    super(joinSentences(message, remedy), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = ctor.name;
    this.code = options.code ?? 'INVALID_ARGUMENT';
    this.remedy = remedy;
    // Mark the instance with the marker of every class in its chain, so `X.isInstance` works for
    // subclasses and across copies of the package.
    for (let c: ErrorClassLike | null = ctor; c?.marker; c = Object.getPrototypeOf(c) as ErrorClassLike | null) {
      Object.defineProperty(this, c.marker, { value: true, enumerable: false });
    }
  }

  /** True when `value` is an instance of this class (or a subclass), from any copy of the package. */
  static isInstance<T>(this: { readonly marker: symbol; prototype: T }, value: unknown): value is T {
    // `this` is the class the check is called on (RateLimitError.isInstance checks its own marker).
    // biome-ignore lint/complexity/noThisInStatic: the receiver class selects the marker.
    const marker = this.marker;
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }

  /** A plain, serialisable description (for events, logs and the wire). */
  toJSON(): { name: string; code: TroupeErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

function joinSentences(what: string, remedy: string): string {
  const trimmed = what.trim();
  if (remedy.length === 0) return trimmed;
  const terminated = /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
  return `${terminated} ${remedy}`;
}

/** A value passed to Troupe is not acceptable (a bad option, an invalid id, a malformed input). */
export class InvalidArgumentError extends TroupeError {
  static override readonly marker: symbol = markerKey('InvalidArgumentError');
  static override readonly defaultRemedy: string = 'Check the value against the documented options.';
  constructor(message: string, options: TroupeErrorOptions = {}) {
    super(message, { ...options, code: 'INVALID_ARGUMENT' });
  }
}

/** More turns are queued on one session than `stashBound` allows. Nothing about the call is stored. */
export class SessionBacklogFullError extends TroupeError {
  static override readonly marker: symbol = markerKey('SessionBacklogFullError');
  static override readonly defaultRemedy: string =
    'Wait for the running turns to finish and retry, or raise `stashBound` in createRuntime.';
  readonly sessionId: string | undefined;
  readonly limit: number | undefined;
  constructor(message: string, options: TroupeErrorOptions & { sessionId?: string; limit?: number } = {}) {
    super(message, { ...options, code: 'SESSION_BACKLOG_FULL' });
    this.sessionId = options.sessionId;
    this.limit = options.limit;
  }
}

/** A save found a different stored version than the one it was based on; nothing was written. */
export class ConcurrentWriteError extends TroupeError {
  static override readonly marker: symbol = markerKey('ConcurrentWriteError');
  static override readonly defaultRemedy: string = 'Reload the session and apply the change again.';
  readonly sessionId: string | undefined;
  readonly expectedVersion: number | undefined;
  readonly actualVersion: number | undefined;
  constructor(
    message: string,
    options: TroupeErrorOptions & { sessionId?: string; expectedVersion?: number; actualVersion?: number } = {},
  ) {
    super(message, { ...options, code: 'CONCURRENT_WRITE' });
    this.sessionId = options.sessionId;
    this.expectedVersion = options.expectedVersion;
    this.actualVersion = options.actualVersion;
  }
}

/** A bounded mailbox refused a message. */
export class MailboxFullError extends TroupeError {
  static override readonly marker: symbol = markerKey('MailboxFullError');
  static override readonly defaultRemedy: string =
    "Use `send` to wait for space, raise the mailbox capacity, or choose a 'drop-*' overflow policy.";
  readonly actor: string | undefined;
  readonly capacity: number | undefined;
  constructor(message: string, options: TroupeErrorOptions & { actor?: string; capacity?: number } = {}) {
    super(message, { ...options, code: 'MAILBOX_FULL' });
    this.actor = options.actor;
    this.capacity = options.capacity;
  }
}

/** An `ask` got no reply in time. */
export class AskTimeoutError extends TroupeError {
  static override readonly marker: symbol = markerKey('AskTimeoutError');
  static override readonly defaultRemedy: string =
    'Make sure the receiver calls ctx.reply for this message, or raise `timeoutMs`.';
  readonly actor: string | undefined;
  readonly timeoutMs: number | undefined;
  constructor(message: string, options: TroupeErrorOptions & { actor?: string; timeoutMs?: number } = {}) {
    super(message, { ...options, code: 'ASK_TIMEOUT' });
    this.actor = options.actor;
    this.timeoutMs = options.timeoutMs;
  }
}

/** The actor (or its system) is stopped and takes no more messages. */
export class ActorStoppedError extends TroupeError {
  static override readonly marker: symbol = markerKey('ActorStoppedError');
  static override readonly defaultRemedy: string = 'Spawn a new actor or look the name up again.';
  readonly actor: string | undefined;
  constructor(message: string, options: TroupeErrorOptions & { actor?: string } = {}) {
    super(message, { ...options, code: 'ACTOR_STOPPED' });
    this.actor = options.actor;
  }
}

/** A child or registered name is already in use. */
export class ActorNameTakenError extends TroupeError {
  static override readonly marker: symbol = markerKey('ActorNameTakenError');
  static override readonly defaultRemedy: string = 'Pick another name, or stop the existing actor first.';
  readonly actor: string | undefined;
  constructor(message: string, options: TroupeErrorOptions & { actor?: string } = {}) {
    super(message, { ...options, code: 'ACTOR_NAME_TAKEN' });
    this.actor = options.actor;
  }
}

/** The runtime is stopping or stopped and accepts no new runs. */
export class RuntimeStoppedError extends TroupeError {
  static override readonly marker: symbol = markerKey('RuntimeStoppedError');
  static override readonly defaultRemedy: string = 'Create a new runtime to run more turns.';
  constructor(message: string, options: TroupeErrorOptions = {}) {
    super(message, { ...options, code: 'RUNTIME_STOPPED' });
  }
}

/** The turn was aborted (signal, consumer break, or shutdown); nothing of it was committed. */
export class TurnAbortedError extends TroupeError {
  static override readonly marker: symbol = markerKey('TurnAbortedError');
  static override readonly defaultRemedy: string =
    'Run the turn again if it is still wanted; the session is unchanged.';
  readonly sessionId: string | undefined;
  constructor(message: string, options: TroupeErrorOptions & { sessionId?: string } = {}) {
    super(message, { ...options, code: 'TURN_ABORTED' });
    this.sessionId = options.sessionId;
  }
}

/** The agent loop hit `maxSteps` tool round trips without a final answer; nothing was committed. */
export class MaxStepsExceededError extends TroupeError {
  static override readonly marker: symbol = markerKey('MaxStepsExceededError');
  static override readonly defaultRemedy: string =
    'Raise `maxSteps` on the agent, or tighten the instructions so the model answers sooner.';
  readonly maxSteps: number | undefined;
  constructor(message: string, options: TroupeErrorOptions & { maxSteps?: number } = {}) {
    super(message, { ...options, code: 'MAX_STEPS_EXCEEDED' });
    this.maxSteps = options.maxSteps;
  }
}

/** One problem found when validating tool arguments. */
export interface ValidationIssue {
  /** Where in the arguments, e.g. `items[2].price` (empty for the root). */
  path: string;
  message: string;
}

/** Tool arguments did not match the tool's input schema. */
export class ToolValidationError extends TroupeError {
  static override readonly marker: symbol = markerKey('ToolValidationError');
  static override readonly defaultRemedy: string = 'Call the tool again with arguments that match its input schema.';
  readonly toolName: string | undefined;
  readonly issues: readonly ValidationIssue[];
  constructor(message: string, options: TroupeErrorOptions & { toolName?: string; issues?: ValidationIssue[] } = {}) {
    super(message, { ...options, code: 'TOOL_VALIDATION' });
    this.toolName = options.toolName;
    this.issues = options.issues ?? [];
  }
}

/** The model called a tool that is not registered. */
export class ToolNotFoundError extends TroupeError {
  static override readonly marker: symbol = markerKey('ToolNotFoundError');
  static override readonly defaultRemedy: string = 'Call one of the available tools instead.';
  readonly toolName: string | undefined;
  readonly available: readonly string[];
  constructor(message: string, options: TroupeErrorOptions & { toolName?: string; available?: string[] } = {}) {
    super(message, { ...options, code: 'TOOL_NOT_FOUND' });
    this.toolName = options.toolName;
    this.available = options.available ?? [];
  }
}

/** A tool call ran longer than its `timeoutMs`; its signal was aborted. */
export class ToolTimeoutError extends TroupeError {
  static override readonly marker: symbol = markerKey('ToolTimeoutError');
  static override readonly defaultRemedy: string = 'Try again with a smaller request, or raise the tool`s `timeoutMs`.';
  readonly toolName: string | undefined;
  readonly timeoutMs: number | undefined;
  constructor(message: string, options: TroupeErrorOptions & { toolName?: string; timeoutMs?: number } = {}) {
    super(message, { ...options, code: 'TOOL_TIMEOUT' });
    this.toolName = options.toolName;
    this.timeoutMs = options.timeoutMs;
  }
}

/** A tool threw (or its isolated actor crashed) while executing. */
export class ToolExecutionError extends TroupeError {
  static override readonly marker: symbol = markerKey('ToolExecutionError');
  static override readonly defaultRemedy: string = 'Check the arguments, or try a different approach.';
  readonly toolName: string | undefined;
  constructor(message: string, options: TroupeErrorOptions & { toolName?: string } = {}) {
    super(message, { ...options, code: 'TOOL_EXECUTION' });
    this.toolName = options.toolName;
  }
}

/** A tool's backing service (an MCP server, an actor) is not reachable right now. */
export class ToolUnavailableError extends TroupeError {
  static override readonly marker: symbol = markerKey('ToolUnavailableError');
  static override readonly defaultRemedy: string =
    'The tool is reconnecting; try again shortly or continue without it.';
  readonly toolName: string | undefined;
  constructor(message: string, options: TroupeErrorOptions & { toolName?: string } = {}) {
    super(message, { ...options, code: 'TOOL_UNAVAILABLE' });
    this.toolName = options.toolName;
  }
}

/** Options of every provider error. */
export interface ProviderErrorOptions extends TroupeErrorOptions {
  /** Provider name, e.g. 'openai'. */
  provider: string;
  /** HTTP status, when there was one. */
  status?: number;
  /** Overrides the class default. */
  retryable?: boolean;
  /** How long the provider asked us to wait (from `Retry-After` / `retry-after-ms`). */
  retryAfterMs?: number;
}

/** A model provider failed. Subclasses say how; `retryable` says whether trying again can help. */
export class ProviderError extends TroupeError {
  static override readonly marker: symbol = markerKey('ProviderError');
  static override readonly defaultRemedy: string = 'Check the provider status and the request.';
  static readonly defaultRetryable: boolean = false;
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: ProviderErrorOptions & { code?: TroupeErrorCode }) {
    super(message, { ...options, code: options.code ?? 'PROVIDER' });
    const ctor = new.target as unknown as typeof ProviderError;
    this.provider = options.provider;
    this.status = options.status;
    this.retryable = options.retryable ?? ctor.defaultRetryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The provider rate-limited the request (HTTP 429). Retryable, after `retryAfterMs` when known. */
export class RateLimitError extends ProviderError {
  static override readonly marker: symbol = markerKey('RateLimitError');
  static override readonly defaultRetryable: boolean = true;
  static override readonly defaultRemedy: string =
    'Troupe retries after the delay the provider asked for; lower concurrency or add withRateLimit if it persists.';
  constructor(message: string, options: ProviderErrorOptions) {
    super(message, { ...options, code: 'RATE_LIMITED' });
  }
}

/** The API key is missing, wrong or not allowed to do this (HTTP 401/403). Not retryable. */
export class AuthenticationError extends ProviderError {
  static override readonly marker: symbol = markerKey('AuthenticationError');
  static override readonly defaultRemedy: string =
    "Set the provider's API key (option `apiKey` or its environment variable) and check its permissions.";
  constructor(message: string, options: ProviderErrorOptions) {
    super(message, { ...options, code: 'AUTHENTICATION' });
  }
}

/** The prompt is longer than the model's context window. Not retryable as is. */
export class ContextLengthError extends ProviderError {
  static override readonly marker: symbol = markerKey('ContextLengthError');
  static override readonly defaultRemedy: string =
    'Shorten the history (summarise or trim old turns) or use a model with a larger context window.';
  constructor(message: string, options: ProviderErrorOptions) {
    super(message, { ...options, code: 'CONTEXT_LENGTH' });
  }
}

/** The provider is overloaded or failed on its side (5xx, 529, a reset connection). Retryable. */
export class TransientProviderError extends ProviderError {
  static override readonly marker: symbol = markerKey('TransientProviderError');
  static override readonly defaultRetryable: boolean = true;
  static override readonly defaultRemedy: string =
    'Troupe retries with backoff; if it persists, check the provider status.';
  constructor(message: string, options: ProviderErrorOptions) {
    super(message, { ...options, code: 'PROVIDER_UNAVAILABLE' });
  }
}

/** The provider's response could not be understood (malformed or truncated stream). Retryable. */
export class ProviderProtocolError extends ProviderError {
  static override readonly marker: symbol = markerKey('ProviderProtocolError');
  static override readonly defaultRetryable: boolean = true;
  static override readonly defaultRemedy: string =
    'Troupe retries the call; if it persists, the endpoint does not speak the expected API (check baseURL).';
  constructor(message: string, options: ProviderErrorOptions) {
    super(message, { ...options, code: 'PROVIDER_PROTOCOL' });
  }
}

/** The provider rejected the request as invalid (other 4xx). Not retryable. */
export class ProviderRequestError extends ProviderError {
  static override readonly marker: symbol = markerKey('ProviderRequestError');
  static override readonly defaultRemedy: string =
    'Fix the request (model name, options, message history) as the provider message says.';
  constructor(message: string, options: ProviderErrorOptions) {
    super(message, { ...options, code: 'PROVIDER_REQUEST' });
  }
}

/** A session store failed (connection lost, closed, I/O error). */
export class StoreError extends TroupeError {
  static override readonly marker: symbol = markerKey('StoreError');
  static override readonly defaultRemedy: string =
    'Check that the store is open and its backend is reachable, then retry.';
  readonly sessionId: string | undefined;
  constructor(message: string, options: TroupeErrorOptions & { sessionId?: string; code?: TroupeErrorCode } = {}) {
    super(message, { ...options, code: options.code ?? 'STORE' });
    this.sessionId = options.sessionId;
  }
}

/** A stored session record cannot be decoded; it is left untouched. */
export class CorruptSnapshotError extends StoreError {
  static override readonly marker: symbol = markerKey('CorruptSnapshotError');
  static override readonly defaultRemedy: string =
    'Inspect or delete the stored record for this session; Troupe will not overwrite it.';
  constructor(message: string, options: TroupeErrorOptions & { sessionId?: string } = {}) {
    super(message, { ...options, code: 'CORRUPT_SNAPSHOT' });
  }
}

/** A serialised CRDT could not be decoded. */
export class CrdtFormatError extends TroupeError {
  static override readonly marker: symbol = markerKey('CrdtFormatError');
  static override readonly defaultRemedy: string =
    'Pass the output of toJSON() of the same CRDT type and format version.';
  constructor(message: string, options: TroupeErrorOptions = {}) {
    super(message, { ...options, code: 'CRDT_FORMAT' });
  }
}

/** A shared token budget is spent. */
export class BudgetExceededError extends TroupeError {
  static override readonly marker: symbol = markerKey('BudgetExceededError');
  static override readonly defaultRemedy: string = 'Raise the budget limit or wait for it to be reset.';
  readonly limit: number | undefined;
  readonly used: number | undefined;
  constructor(message: string, options: TroupeErrorOptions & { limit?: number; used?: number } = {}) {
    super(message, { ...options, code: 'BUDGET_EXCEEDED' });
    this.limit = options.limit;
    this.used = options.used;
  }
}

/** Plain data describing an error, as carried by `error` events. */
export interface ErrorInfo {
  name: string;
  code: TroupeErrorCode | 'UNKNOWN';
  message: string;
}

/** Describes any thrown value as {@link ErrorInfo}. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (TroupeError.isInstance(error)) return { name: error.name, code: error.code, message: error.message };
  if (error instanceof Error) return { name: error.name, code: 'UNKNOWN', message: error.message };
  return { name: 'Error', code: 'UNKNOWN', message: String(error) };
}
