import type { Actor, ActorContext, ActorRef } from '@troupe/actor';
import {
  type Agent,
  type AgentEvent,
  type Clock,
  ConcurrentWriteError,
  InvalidArgumentError,
  type Message,
  type SessionSnapshot,
  type SessionStore,
  TurnAbortedError,
  type Usage,
  type UserMessage,
} from '@troupe/core';
import {
  abortCheck,
  assertMessages,
  type CommitOptions,
  cloneMessages,
  cloneSessionData,
  commitNow,
  loadNow,
} from '@troupe/core/internal';
import { type ApprovalDecisions, deniedResultText, pendingToolCalls, type ResumeInvocation } from './approvals.ts';
import { type EmitOptions, emitEvents, isEmittingAgent } from './emitted-events.ts';
import type { IdleMember } from './idle-sessions.ts';
import { TurnState } from './session-state.ts';
import type { StepHandOver } from './step-message.ts';
import type { Turn } from './turn.ts';
import { TurnTranscript } from './turn-transcript.ts';
import { reportTurnUsage, type UsageReportingInvocation } from './turn-usage.ts';

/** The state key under which a session's persisted route is stored. */
export const routeStateKey = 'troupe.route';

/** What a session actor is told. */
export type SessionMessage =
  | { type: 'turn'; turn: Turn }
  | { type: 'set-route'; route: string; resolve: (version: number) => void; reject: (error: unknown) => void };

/** What a session needs from its runtime. */
export interface SessionHost {
  readonly store: SessionStore;
  readonly clock: Clock;
  /** The agent serving `route` (validated at admission). */
  agentFor(route: string): Agent;
}

/** The state of a session that never saved any; shared, and never mutated (commits build new objects). */
const noState: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * A session commits its own copies, which it keeps as its history and never changes: a store that
 * keeps objects (the memory store) may keep them too, so a commit copies the turn's new messages
 * instead of the whole session, and a session's history is held once, not twice.
 */
const handOver: CommitOptions = { handOver: true };

/** How an agent emits into a turn someone reads, and into a drained one (`send`). */
const streamed: EmitOptions = { deltas: true, times: true };
const drained: EmitOptions = { deltas: false, times: false };

/**
 * One session: the actor that orders its turns while it has work (its mailbox hands it one message
 * at a time, across the awaits inside a turn), its committed history, state and version (loaded
 * lazily from the store), and the runtime's bookkeeping of it. It is all one object because an idle
 * session is what a runtime holds most of: the fields here are all it costs besides its history
 * (its actor cell exists only while it has work). Nothing here changes the committed fields until
 * the store accepted the save, so a failed turn needs no undo.
 */
export class Session implements Actor<SessionMessage>, IdleMember {
  /** The session's actor while it has work (a turn or a route change); none while it is idle. */
  ref: ActorRef<SessionMessage> | undefined;
  /** The actor's context once it received a message: how the runtime stops it (without a promise). */
  context: ActorContext<SessionMessage> | undefined;
  /** Accepted turns not finished yet (the running one included). */
  inFlight = 0;
  /** Route changes not finished yet. */
  routeChanges = 0;
  idleSince = 0;
  idlePrevious: IdleMember | undefined;
  idleNext: IdleMember | undefined;
  idleListed = false;
  /** Committed history; undefined until loaded from the store. */
  private history: Message[] | undefined;
  private state: Readonly<Record<string, unknown>> = noState;
  private version = 0;

  constructor(
    readonly sessionId: string,
    private readonly host: SessionHost,
  ) {}

  /** True when no turn or route change is outstanding: the session may passivate. */
  get isIdle(): boolean {
    return this.inFlight === 0 && this.routeChanges === 0;
  }

  receive(context: ActorContext<SessionMessage>, message: SessionMessage): Promise<void> {
    this.context = context;
    return message.type === 'turn' ? this.runTurn(message.turn) : this.changeRoute(message);
  }

  /** Runs one accepted turn to its end; never throws (failures go to the turn's consumer). */
  async runTurn(turn: Turn): Promise<void> {
    if (!turn.start()) return;
    try {
      let history = this.history;
      if (history === undefined) {
        const loaded = this.load();
        history = loaded instanceof Promise ? await loaded : loaded;
      }
      if (turn.aborted) throw turn.abortError(turn.abortReason);
      const committedState = this.state;
      const version = this.version;
      const route = turn.request.route ?? (committedState[routeStateKey] as string | undefined) ?? 'default';
      const agent = this.host.agentFor(route);
      const state = new TurnState(committedState);
      const pending = pendingToolCalls(history);
      let prefix: Message[];
      let input: UserMessage;
      let invocation: UsageReportingInvocation;
      if (turn.request.kind === 'run') {
        input = turn.request.input;
        let invocationHistory = history;
        prefix = [input];
        if (pending.length > 0) {
          // A new message while calls await approval refuses them, so the history stays valid for providers.
          const refused: Message[] = pending.map((call) => ({
            role: 'tool',
            toolCallId: call.id,
            toolName: call.name,
            content: deniedResultText,
            isError: true,
          }));
          invocationHistory = history.concat(refused);
          prefix = [...refused, input];
        }
        invocation = new TurnInvocation(turn, { sessionId: this.sessionId, state, input, history: invocationHistory });
      } else {
        const approvals = turn.request.approvals;
        checkApprovals(this.sessionId, pending, approvals);
        input = lastUserMessage(history);
        prefix = [];
        const resume = new ResumeTurnInvocation(turn, { sessionId: this.sessionId, state, input, history });
        resume.approvals = approvals;
        invocation = resume;
      }
      const transcript = new TurnTranscript(agent.name, prefix);
      invocation[reportTurnUsage] = (usage) => transcript.addUsage(usage);
      if (!turn.drain) {
        const started = turn.emit(turn.event({ type: 'turn-start', input }));
        if (started) await started;
      }
      const sink = (event: AgentEvent, handOver?: StepHandOver): Promise<void> | undefined => {
        if (turn.aborted) throw turn.abortError(turn.abortReason);
        event.seq = turn.nextSeq();
        transcript.add(event, handOver);
        return turn.emit(event);
      };
      if (isEmittingAgent(agent)) {
        await agent[emitEvents](invocation, sink, turn.drain ? drained : streamed);
      } else {
        for await (const event of agent.run(invocation) as AsyncIterable<AgentEvent>) {
          const wait = sink(event);
          if (wait) await wait;
          if (turn.aborted) break;
        }
      }
      if (turn.aborted) throw turn.abortError(turn.abortReason);
      // Copies: the messages are also in the events, the input and `send`'s result, which the
      // caller may change; the history must not change with them.
      const added = cloneSessionData(this.sessionId, transcript.messages, cloneMessages);
      assertMessages(this.sessionId, added, history.length);
      const nextHistory = history.concat(added);
      const nextState = state.unchanged
        ? committedState
        : cloneSessionData(this.sessionId, state.applyTo(committedState));
      const committed = commitNow(
        this.host.store,
        {
          sessionId: this.sessionId,
          history: nextHistory,
          state: nextState,
          version,
          updatedAt: this.host.clock.now(),
        },
        handOver,
      );
      const savedVersion = typeof committed === 'number' ? committed : await committed;
      this.history = nextHistory;
      this.state = nextState;
      this.version = savedVersion;
      const usage = transcript.usage;
      if (!turn.drain) {
        turn.emit(turn.event({ type: 'turn-complete', status: transcript.status, usage, version: savedVersion }));
      }
      turn.complete({
        message: transcript.finalMessage ?? { role: 'assistant', content: [] },
        status: transcript.status,
        usage,
        version: savedVersion,
      });
    } catch (error) {
      let failure = error;
      if (turn.aborted && !TurnAbortedError.isInstance(error)) failure = turn.abortError(turn.abortReason);
      if (ConcurrentWriteError.isInstance(error)) await this.reload();
      turn.fail(failure);
    }
  }

  private async changeRoute(message: Extract<SessionMessage, { type: 'set-route' }>): Promise<void> {
    try {
      message.resolve(await this.setRoute(message.route));
    } catch (error) {
      message.reject(error);
    }
  }

  /** Persists `route` as the session's model route (one save). */
  private async setRoute(route: string): Promise<number> {
    const history = this.history ?? (await this.load());
    const state = { ...this.state, [routeStateKey]: route };
    try {
      const savedVersion = await commitNow(
        this.host.store,
        { sessionId: this.sessionId, history, state, version: this.version, updatedAt: this.host.clock.now() },
        handOver,
      );
      this.state = state;
      this.version = savedVersion;
      return savedVersion;
    } catch (error) {
      if (ConcurrentWriteError.isInstance(error)) await this.reload();
      throw error;
    }
  }

  /** Loads the session from the store; without a promise when the store answers at once (memory). */
  private load(): Message[] | Promise<Message[]> {
    const stored = loadNow(this.host.store, this.sessionId);
    return stored instanceof Promise ? stored.then((loaded) => this.adopt(loaded)) : this.adopt(stored);
  }

  private adopt(stored: SessionSnapshot | undefined): Message[] {
    const history = stored?.history ?? [];
    this.state = stored?.state ?? noState;
    this.version = stored?.version ?? 0;
    this.history = history;
    return history;
  }

  private async reload(): Promise<void> {
    this.history = undefined;
    try {
      await this.load();
    } catch {
      // The next turn loads again.
      this.history = undefined;
    }
  }
}

/**
 * The invocation of a turn. Its `signal` is an accessor that creates the turn's AbortSignal on
 * first read, and the agent's own abort checks go through the cheap `abortCheck` instead. A class
 * (not a literal with a getter) keeps it a fast object; an agent deriving an invocation for a
 * sub-agent passes `signal: invocation.signal` along (a spread copies own properties only).
 */
class TurnInvocation implements UsageReportingInvocation {
  readonly sessionId: string;
  readonly turnId: string;
  readonly state: UsageReportingInvocation['state'];
  readonly input: UserMessage;
  readonly history: Message[];
  [reportTurnUsage]?: (usage: Usage) => void;

  constructor(
    private readonly turn: Turn,
    fields: Pick<UsageReportingInvocation, 'sessionId' | 'state' | 'input' | 'history'>,
  ) {
    this.sessionId = fields.sessionId;
    this.turnId = turn.id;
    this.state = fields.state;
    this.input = fields.input;
    this.history = fields.history;
  }

  get signal(): AbortSignal {
    return this.turn.signal;
  }

  [abortCheck](): boolean {
    return this.turn.aborted;
  }
}

/** A turn's invocation that resumes a paused turn with approval decisions. */
class ResumeTurnInvocation extends TurnInvocation implements ResumeInvocation {
  approvals: ApprovalDecisions = {};
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
