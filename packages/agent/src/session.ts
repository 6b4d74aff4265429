import {
  type Agent,
  type AgentEvent,
  ConcurrentWriteError,
  InvalidArgumentError,
  type Invocation,
  type Message,
  type SessionSnapshot,
  type SessionStore,
  TurnAbortedError,
  type UserMessage,
} from '@troupe/core';
import { deniedResultText, pendingToolCalls, type ResumeInvocation } from './approvals.ts';
import { TurnState } from './session-state.ts';
import type { Turn } from './turn.ts';
import { TurnTranscript } from './turn-transcript.ts';

/** The state key under which a session's persisted route is stored. */
export const routeStateKey = 'troupe.route';

/** What a session needs from its runtime. */
export interface SessionHost {
  readonly store: SessionStore;
  now(): number;
  /** The agent serving `route` (validated at admission). */
  agentFor(route: string): Agent;
}

/**
 * The in-memory side of one session: the committed snapshot (loaded lazily from the store) and the
 * turn procedure. Its owner — the session actor — calls it one message at a time, which is what
 * orders the turns. Nothing here mutates the committed snapshot until the store accepted the save,
 * so a failed turn needs no undo.
 */
export class Session {
  private snapshot: SessionSnapshot | undefined;

  constructor(
    readonly sessionId: string,
    private readonly host: SessionHost,
  ) {}

  /** The committed snapshot, once loaded. */
  get committed(): SessionSnapshot | undefined {
    return this.snapshot;
  }

  /** Runs one accepted turn to its end; never throws (failures go to the turn's consumer). */
  async runTurn(turn: Turn): Promise<void> {
    if (!turn.start()) return;
    const signal = turn.controller.signal;
    try {
      const snapshot = await this.load();
      if (signal.aborted) throw turn.abortError(signal.reason);
      const route = turn.request.route ?? (snapshot.state[routeStateKey] as string | undefined) ?? 'default';
      const agent = this.host.agentFor(route);
      const history = snapshot.history;
      const state = new TurnState(snapshot.state);
      const pending = pendingToolCalls(history);
      let invocationHistory: Message[] = history;
      let prefix: Message[];
      let input: UserMessage;
      const base = { sessionId: this.sessionId, turnId: turn.id, state, signal };
      let invocation: Invocation | ResumeInvocation;
      if (turn.request.kind === 'run') {
        input = turn.request.input;
        // A new message while calls await approval refuses them, so the history stays valid for providers.
        const refused: Message[] = pending.map((call) => ({
          role: 'tool',
          toolCallId: call.id,
          toolName: call.name,
          content: deniedResultText,
          isError: true,
        }));
        if (refused.length > 0) invocationHistory = history.concat(refused);
        prefix = [...refused, input];
        invocation = { ...base, input, history: invocationHistory };
      } else {
        const approvals = turn.request.approvals;
        checkApprovals(this.sessionId, pending, approvals);
        input = lastUserMessage(history);
        prefix = [];
        invocation = { ...base, input, history, approvals };
      }
      const stamp = turn.stamper();
      const transcript = new TurnTranscript(agent.name, prefix);
      const channel = turn.channel;
      await push(turn, stamp({ type: 'turn-start', input }));
      for await (const event of agent.run(invocation) as AsyncIterable<AgentEvent>) {
        event.seq = turn.nextSeq();
        transcript.add(event);
        const wait = channel.push(event);
        if (wait) await wait;
        if (signal.aborted) break;
      }
      if (signal.aborted) throw turn.abortError(signal.reason);
      const nextState = state.unchanged ? snapshot.state : state.applyTo(snapshot.state);
      const nextHistory = history.concat(transcript.messages);
      const saved = await this.host.store.save({
        sessionId: this.sessionId,
        history: nextHistory,
        state: nextState,
        version: snapshot.version,
        updatedAt: this.host.now(),
      });
      this.snapshot = {
        sessionId: this.sessionId,
        history: nextHistory,
        state: nextState,
        version: saved.version,
        updatedAt: saved.updatedAt,
      };
      turn.channel.push(
        stamp({ type: 'turn-complete', status: transcript.status, usage: transcript.usage, version: saved.version }),
      );
      turn.result = {
        message: transcript.finalMessage ?? { role: 'assistant', content: [] },
        status: transcript.status,
        usage: transcript.usage,
        version: saved.version,
      };
      turn.complete();
    } catch (error) {
      let failure = error;
      if (signal.aborted && !TurnAbortedError.isInstance(error)) failure = turn.abortError(signal.reason);
      if (ConcurrentWriteError.isInstance(error)) await this.reload();
      turn.fail(failure, { emit: true });
    }
  }

  /** Persists `route` as the session's model route (one save). */
  async setRoute(route: string): Promise<number> {
    const snapshot = await this.load();
    const state = { ...snapshot.state, [routeStateKey]: route };
    try {
      const saved = await this.host.store.save({ ...snapshot, state, updatedAt: this.host.now() });
      this.snapshot = { ...snapshot, state, version: saved.version, updatedAt: saved.updatedAt };
      return saved.version;
    } catch (error) {
      if (ConcurrentWriteError.isInstance(error)) await this.reload();
      throw error;
    }
  }

  private async load(): Promise<SessionSnapshot> {
    if (this.snapshot) return this.snapshot;
    const stored = await this.host.store.load(this.sessionId);
    this.snapshot = stored ?? { sessionId: this.sessionId, history: [], state: {}, version: 0, updatedAt: 0 };
    return this.snapshot;
  }

  private async reload(): Promise<void> {
    this.snapshot = undefined;
    try {
      await this.load();
    } catch {
      // The next turn loads again.
      this.snapshot = undefined;
    }
  }
}

async function push(turn: Turn, event: AgentEvent): Promise<void> {
  const wait = turn.channel.push(event);
  if (wait) await wait;
}

function lastUserMessage(history: readonly Message[]): UserMessage {
  for (let index = history.length - 1; index >= 0; index--) {
    const message = history[index] as Message;
    if (message.role === 'user') return message;
  }
  return { role: 'user', content: '' };
}

function checkApprovals(
  sessionId: string,
  pending: ReturnType<typeof pendingToolCalls>,
  approvals: { approve?: string[]; deny?: string[] },
): void {
  if (pending.length === 0) {
    throw new InvalidArgumentError(`Session "${sessionId}" has no tool calls awaiting approval.`, {
      remedy: 'Call resume only after a turn ended with status "awaiting-approval".',
    });
  }
  const ids = new Set(pending.map((call) => call.id));
  const approve = approvals.approve ?? [];
  const deny = approvals.deny ?? [];
  const unknown = [...approve, ...deny].filter((id) => !ids.has(id));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `resume got tool call ids that are not awaiting approval in session "${sessionId}": ${unknown.join(', ')}.`,
      { remedy: `Pass ids from the approval-requested event: ${[...ids].join(', ')}.` },
    );
  }
  const both = approve.filter((id) => deny.includes(id));
  if (both.length > 0) {
    throw new InvalidArgumentError(`resume got tool call ids both approved and denied: ${both.join(', ')}.`);
  }
}
