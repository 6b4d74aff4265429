import { type ActorRef, type ActorSystem, createActorSystem } from '@troupe/actor';
import {
  type Agent,
  type AgentEvent,
  type BackoffOptions,
  type Clock,
  InvalidArgumentError,
  type LanguageModel,
  RuntimeStoppedError,
  SessionBacklogFullError,
  type SessionStore,
  sleep,
  systemClock,
  TurnAbortedError,
  type UserMessage,
} from '@troupe/core';
import { memoryStore } from '@troupe/store-memory';
import type { ApprovalDecisions } from './approvals.ts';
import type { EventChannel } from './event-channel.ts';
import { IdleSessions } from './idle-sessions.ts';
import { ModelActor, type ModelRateLimit } from './model-actor.ts';
import { Session, type SessionMessage } from './session.ts';
import { Turn, type TurnRequest, type TurnResult } from './turn.ts';

/** Named models a session or a single turn can be routed to; `default` is required. */
export type ModelRoutes = { default: LanguageModel } & Record<string, LanguageModel>;

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** The model, or named routes such as `{ default: big, fast: small }`. */
  model: LanguageModel | ModelRoutes;
  /** Builds the session agent around the model of a route (already wrapped by the model actor). */
  agent: (model: LanguageModel, route: string) => Agent;
  /** Where sessions are committed. Default: a new `memoryStore()` (closed by `stop`). */
  store?: SessionStore;
  /** Turns that may wait behind the running one, per session. Default 32. */
  stashBound?: number;
  /** An idle session is dropped from memory after this long and reloads from the store on next use. Default 15 min. */
  passivateAfterMs?: number;
  /** Events buffered per turn ahead of a slow consumer. Default 64. */
  eventBufferSize?: number;
  /** Retries of retryable provider errors. Default: 4 retries, 250 ms base, 20 s cap. */
  modelRetry?: BackoffOptions;
  /** Model calls streaming at once per model, across all sessions. Default: unlimited. */
  modelConcurrency?: number;
  /** Request and token rate limit per model, across all sessions. Default: none. */
  rateLimit?: ModelRateLimit;
  /** How long `stop()` lets accepted turns run before aborting them. Default 30 000 ms. */
  stopTimeoutMs?: number;
  /** Bring your own actor system (cluster mode); default: a private one, stopped by `stop`. */
  system?: ActorSystem;
  /** Default: the system clock. */
  clock?: Clock;
}

/** Options of one `run`, `send` or `resume`. */
export interface RunOptions {
  /** Aborts the turn (or removes it from the backlog when it has not started). */
  signal?: AbortSignal;
  /** The model route for this turn only, e.g. `'fast'`. Default: the session's route, else `default`. */
  model?: string;
}

/** What `runtime.send` resolves with. */
export type SendResult = TurnResult;

/** The front door: sessions, turns and their events. */
export interface Runtime {
  /** Starts a turn (queued behind the session's running turn) and streams its events. */
  run(sessionId: string, input: string | UserMessage, options?: RunOptions): AsyncIterableIterator<AgentEvent>;
  /** Runs a turn to its end; resolves with its final message, usage, version and status. */
  send(sessionId: string, input: string | UserMessage, options?: RunOptions): Promise<SendResult>;
  /** Continues a turn that ended `awaiting-approval`: runs the approved calls, refuses the rest. */
  resume(sessionId: string, decisions: ApprovalDecisions, options?: RunOptions): AsyncIterableIterator<AgentEvent>;
  /** Persists the session's model route (in its state, key `troupe.route`). */
  setRoute(sessionId: string, route: string): Promise<void>;
  /** Rejects new turns, lets accepted ones finish within `timeoutMs`, then aborts them. Idempotent. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** The route names. */
  readonly routes: readonly string[];
  /** Sessions held in memory (not passivated): those with work, and idle ones not passivated yet. */
  readonly activeSessions: number;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates a runtime: one actor per session orders its turns and commits each in one save; one
 * model actor per model shares concurrency and rate limits and retries provider errors.
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const stashBound = positiveInteger('stashBound', options.stashBound ?? 32, 0);
  const eventBufferSize = positiveInteger('eventBufferSize', options.eventBufferSize ?? 64, 1);
  const passivateAfterMs = options.passivateAfterMs ?? 15 * 60_000;
  if (!(passivateAfterMs > 0)) {
    throw new InvalidArgumentError(`passivateAfterMs is ${passivateAfterMs}; it must be > 0 (Infinity disables).`);
  }
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  if (typeof options.agent !== 'function') {
    throw new InvalidArgumentError('createRuntime needs `agent: (model) => Agent`.');
  }
  const routeModels = resolveRoutes(options.model);
  const ownStore = options.store === undefined;
  const store = options.store ?? memoryStore();
  const ownSystem = options.system === undefined;
  const system = options.system ?? createActorSystem({ name: 'troupe-runtime', clock });

  const modelActors = new Map<LanguageModel, ModelActor>();
  const agents = new Map<string, Agent>();
  for (const model of routeModels.values()) {
    if (modelActors.has(model)) continue;
    const actorOptions: ConstructorParameters<typeof ModelActor>[0] = { model, clock };
    if (options.modelRetry) actorOptions.retry = options.modelRetry;
    if (options.modelConcurrency !== undefined) actorOptions.concurrency = options.modelConcurrency;
    if (options.rateLimit) actorOptions.rateLimit = options.rateLimit;
    modelActors.set(model, new ModelActor(actorOptions));
  }
  const agentFor = (route: string): Agent => {
    let agent = agents.get(route);
    if (!agent) {
      const model = routeModels.get(route) as LanguageModel;
      agent = options.agent((modelActors.get(model) as ModelActor).model, route);
      agents.set(route, agent);
    }
    return agent;
  };
  agentFor('default');

  const sessions = new Map<string, Session>();
  const turns = new Set<Turn>();
  let stopping: Promise<void> | undefined;

  // A session has an actor while it has work (a turn or a route change): the actor orders that work.
  // When the session goes idle its actor stops (its mailbox is empty, and the turn that settled has
  // finished with the session's state), and the session object, with its committed history, waits
  // in the idle list; its next turn spawns a new actor. An idle session so costs a few fields and a
  // map entry, not an actor cell as well.
  const actorOf = (session: Session): ActorRef<SessionMessage> => {
    if (session.ref === undefined) {
      // Turns never throw out of the actor (they fail through their stream), so the default
      // supervision never restarts it; were it to, the factory hands back the same session.
      session.ref = system.spawn<SessionMessage>(() => session);
    }
    return session.ref;
  };
  // Idle sessions passivate: the session is forgotten, and the next call starts a new one that
  // loads from the store.
  const idle = new IdleSessions<Session>(clock, passivateAfterMs, (session) => {
    if (sessions.get(session.sessionId) === session) sessions.delete(session.sessionId);
  });
  const sessionHost = { store, clock, agentFor };
  const settleOne = (session: Session) => {
    if (!session.isIdle) return;
    // A turn that was aborted while queued may still sit in the mailbox: it failed already, and it
    // goes with the actor (a dead letter, logged at debug level) instead of being skipped by it.
    idle.add(session);
    const { ref, context } = session;
    session.ref = undefined;
    session.context = undefined;
    // From its context the actor stops without making a promise nobody reads.
    if (context !== undefined) context.stop();
    else void ref?.stop();
  };

  const sessionFor = (sessionId: string): Session => {
    let session = sessions.get(sessionId);
    if (!session) {
      session = new Session(sessionId, sessionHost);
      sessions.set(sessionId, session);
    }
    return session;
  };

  const admit = (
    sessionId: string,
    request: TurnRequest,
    runOptions: RunOptions & { drain?: boolean },
  ): Turn | Error => {
    if (stopping) return new RuntimeStoppedError('The runtime is stopping and accepts no new turns.');
    const problem = checkSessionId(sessionId) ?? checkRoute(request.route, routeModels);
    if (problem) return problem;
    if (runOptions.signal?.aborted) {
      return new TurnAbortedError(`The turn for session "${sessionId}" was aborted before it was queued.`, {
        sessionId,
        cause: runOptions.signal.reason,
      });
    }
    const session = sessionFor(sessionId);
    if (session.inFlight > stashBound) {
      return new SessionBacklogFullError(
        `Session "${sessionId}" already has a running turn and ${stashBound} waiting (stashBound).`,
        { sessionId, limit: stashBound },
      );
    }
    const actor = actorOf(session);
    const route = request.route ?? 'default';
    const turn = new Turn({
      sessionId,
      author: agentFor(routeModels.has(route) ? route : 'default').name,
      request,
      bufferSize: eventBufferSize,
      clock,
      signal: runOptions.signal,
      drain: runOptions.drain === true,
      onSettled: (settled) => {
        turns.delete(settled);
        session.inFlight--;
        settleOne(session);
      },
    });
    session.inFlight++;
    idle.remove(session);
    turns.add(turn);
    actor.tell({ type: 'turn', turn });
    return turn;
  };

  const start = (
    sessionId: string,
    request: TurnRequest,
    runOptions: RunOptions,
  ): AsyncIterableIterator<AgentEvent> => {
    const admitted = admit(sessionId, request, runOptions);
    return admitted instanceof Turn ? (admitted.channel as EventChannel<AgentEvent>) : failedStream(admitted);
  };

  const runtime: Runtime = {
    routes: [...routeModels.keys()],
    get activeSessions() {
      return sessions.size;
    },
    run(sessionId, input, runOptions = {}) {
      const message = toUserMessage(input);
      if (message instanceof Error) return failedStream(message);
      return start(sessionId, { kind: 'run', input: message, route: runOptions.model }, runOptions);
    },
    send(sessionId, input, runOptions = {}) {
      // Not an async function: the turn's own promise is what `send` returns (one promise less).
      try {
        const message = toUserMessage(input);
        if (message instanceof Error) return Promise.reject(message);
        const request: TurnRequest = { kind: 'run', input: message, route: runOptions.model };
        // Nobody reads the events of `send`, so the turn does not buffer them; it commits the same.
        const admitted = admit(sessionId, request, { signal: runOptions.signal, drain: true });
        return admitted instanceof Turn ? admitted.outcome() : Promise.reject(admitted);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    resume(sessionId, decisions, runOptions = {}) {
      if (decisions === null || typeof decisions !== 'object') {
        return failedStream(new InvalidArgumentError('resume needs { approve?: string[], deny?: string[] }.'));
      }
      return start(sessionId, { kind: 'resume', approvals: decisions, route: runOptions.model }, runOptions);
    },
    async setRoute(sessionId, route) {
      if (stopping) throw new RuntimeStoppedError('The runtime is stopping and accepts no route changes.');
      const problem = checkSessionId(sessionId) ?? checkRoute(route, routeModels);
      if (problem) throw problem;
      const session = sessionFor(sessionId);
      session.routeChanges++;
      idle.remove(session);
      try {
        await new Promise<number>((resolve, reject) => {
          actorOf(session).tell({ type: 'set-route', route, resolve, reject });
        });
      } finally {
        session.routeChanges--;
        settleOne(session);
      }
    },
    stop(stopOptions = {}) {
      stopping ??= (async () => {
        const timeoutMs = stopOptions.timeoutMs ?? stopTimeoutMs;
        const pending = [...turns];
        if (pending.length > 0) {
          const deadline = new AbortController();
          const all = Promise.all(pending.map((turn) => turn.finished));
          await Promise.race([all, sleep(clock, timeoutMs, deadline.signal).catch(() => {})]);
          deadline.abort();
          const reason = new RuntimeStoppedError(
            `The runtime stopped; the turn did not finish within ${timeoutMs} ms.`,
          );
          for (const turn of turns) turn.abort(turn.abortError(reason));
          await all;
        }
        const refs = [...sessions.values()].flatMap((session) => (session.ref === undefined ? [] : [session.ref]));
        sessions.clear();
        idle.clear();
        await Promise.all(refs.map((ref) => ref.stop()));
        if (ownSystem) await system.stop();
        if (ownStore) await store.close();
      })();
      return stopping;
    },
    [Symbol.asyncDispose]() {
      return runtime.stop();
    },
  };
  return runtime;
}

function resolveRoutes(model: RuntimeOptions['model']): Map<string, LanguageModel> {
  if (isLanguageModel(model)) return new Map([['default', model]]);
  if (model === null || typeof model !== 'object' || !isLanguageModel(model.default)) {
    throw new InvalidArgumentError('createRuntime needs `model`: a LanguageModel, or routes with a `default` model.');
  }
  const routes = new Map<string, LanguageModel>();
  for (const [key, value] of Object.entries(model)) {
    if (!isLanguageModel(value)) throw new InvalidArgumentError(`Model route "${key}" is not a LanguageModel.`);
    routes.set(key, value);
  }
  return routes;
}

function isLanguageModel(value: unknown): value is LanguageModel {
  return typeof value === 'object' && value !== null && typeof (value as LanguageModel).stream === 'function';
}

function positiveInteger(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${name} is ${value}; it must be an integer >= ${min}.`);
  }
  return value;
}

function checkSessionId(sessionId: unknown): Error | undefined {
  if (typeof sessionId === 'string' && sessionId.length > 0) return undefined;
  return new InvalidArgumentError(`A session id must be a non-empty string; got ${JSON.stringify(sessionId)}.`);
}

function checkRoute(route: string | undefined, routes: Map<string, LanguageModel>): Error | undefined {
  if (route === undefined || routes.has(route)) return undefined;
  return new InvalidArgumentError(`There is no model route "${route}".`, {
    remedy: `Use one of: ${[...routes.keys()].join(', ')}.`,
  });
}

function toUserMessage(input: string | UserMessage): UserMessage | Error {
  if (typeof input === 'string') return { role: 'user', content: input };
  if (input !== null && typeof input === 'object' && input.role === 'user') return input;
  return new InvalidArgumentError('A turn input must be a string or a user message ({ role: "user", content }).');
}

function failedStream(error: Error): AsyncIterableIterator<AgentEvent> {
  let thrown = false;
  const stream: AsyncIterableIterator<AgentEvent> = {
    next() {
      if (thrown) return Promise.resolve({ value: undefined, done: true });
      thrown = true;
      return Promise.reject(error);
    },
    return() {
      thrown = true;
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
