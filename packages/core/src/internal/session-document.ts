import { CorruptSnapshotError, InvalidArgumentError } from '../errors.ts';
import { SESSION_FORMAT_VERSION, type SessionSnapshot } from '../store.ts';
import type { WellFormedString } from './plain-json.ts';

/** The stored form of one session: the snapshot plus the layout version it was written with. */
export interface SessionDocument {
  /** {@link SESSION_FORMAT_VERSION} at the time of writing. */
  formatVersion: number;
  /** The session id (stored so a record can be checked against the key it was found under). */
  sessionId: string;
  /** The conversation. */
  history: SessionSnapshot['history'];
  /** Agent state. */
  state: SessionSnapshot['state'];
  /** The stored version (1 after the first save). */
  version: number;
  /** When the store wrote it, in milliseconds since the epoch. */
  updatedAt: number;
}

const roles = new Set(['system', 'user', 'assistant', 'tool']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeContentPart(part: unknown): string | undefined {
  if (!isRecord(part)) return 'a content part is not an object';
  switch (part.type) {
    case 'text':
    case 'reasoning':
      return typeof part.text === 'string' ? undefined : `a ${part.type} part has no string \`text\``;
    case 'image':
      return typeof part.mediaType === 'string' && typeof part.data === 'string'
        ? undefined
        : 'an image part needs string `mediaType` and `data`';
    default:
      return `a content part has unknown type ${JSON.stringify(part.type)}`;
  }
}

function describeContentParts(parts: unknown): string | undefined {
  if (!Array.isArray(parts)) return 'content is not an array of parts';
  for (const part of parts) {
    const problem = describeContentPart(part);
    if (problem) return problem;
  }
  return undefined;
}

function describeMessage(message: unknown): string | undefined {
  if (!isRecord(message)) return 'it is not an object';
  if (typeof message.role !== 'string' || !roles.has(message.role)) {
    return `its role ${JSON.stringify(message.role)} is not system, user, assistant or tool`;
  }
  switch (message.role) {
    case 'system':
      return typeof message.content === 'string' ? undefined : 'a system message needs string content';
    case 'user':
      return typeof message.content === 'string' ? undefined : describeContentParts(message.content);
    case 'assistant':
      if (message.toolCalls !== undefined && !Array.isArray(message.toolCalls)) return '`toolCalls` is not an array';
      return describeContentParts(message.content);
    default:
      return typeof message.toolCallId === 'string' &&
        typeof message.toolName === 'string' &&
        typeof message.content === 'string'
        ? undefined
        : 'a tool message needs string `toolCallId`, `toolName` and `content`';
  }
}

function describeMessages(history: readonly unknown[], firstIndex: number): string | undefined {
  // An index loop: `entries()` allocates a pair per message on every save.
  for (let index = 0; index < history.length; index++) {
    const problem = describeMessage(history[index]);
    if (problem) return `history[${firstIndex + index}] is not a message: ${problem}`;
  }
  return undefined;
}

function describeHistoryAndState(value: Record<string, unknown>): string | undefined {
  if (!Array.isArray(value.history)) return '`history` is not an array';
  const problem = describeMessages(value.history, 0);
  if (problem) return problem;
  return isRecord(value.state) ? undefined : '`state` is not an object';
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function invalidSave(sessionId: unknown, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`save() of session ${JSON.stringify(sessionId)}: ${problem}.`);
}

/**
 * Checks what a snapshot passed to `save` is made of, except its messages: session id, version,
 * and that `history` is an array and `state` an object. Throws `InvalidArgumentError`.
 */
export function assertSnapshotFrame(snapshot: unknown): asserts snapshot is SessionSnapshot {
  if (!isRecord(snapshot)) throw new InvalidArgumentError('save() needs a session snapshot object.');
  assertSessionId(snapshot.sessionId, 'save');
  if (!isVersion(snapshot.version)) {
    throw new InvalidArgumentError(
      `save() of session ${JSON.stringify(snapshot.sessionId)} got version ${String(snapshot.version)}; it must be an integer >= 0 (0 for a new session).`,
    );
  }
  if (!Array.isArray(snapshot.history)) throw invalidSave(snapshot.sessionId, '`history` is not an array');
  if (!isRecord(snapshot.state)) throw invalidSave(snapshot.sessionId, '`state` is not an object');
}

/**
 * Checks messages about to join the history of `sessionId` at `firstIndex` (the messages before
 * them were checked when they joined); throws the `InvalidArgumentError` a `save` of them would.
 */
export function assertMessages(sessionId: string, messages: readonly unknown[], firstIndex: number): void {
  const problem = describeMessages(messages, firstIndex);
  if (problem) throw invalidSave(sessionId, problem);
}

/** Checks a snapshot passed to `save`; throws `InvalidArgumentError` naming the problem. */
export function assertSnapshotInput(snapshot: unknown): asserts snapshot is SessionSnapshot {
  assertSnapshotFrame(snapshot);
  assertMessages(snapshot.sessionId, snapshot.history, 0);
}

// U+0000 and unpaired surrogates cannot be stored as text by every backend (PostgreSQL refuses both).

/**
 * Checks a session id passed to `operation`: a non-empty string of well-formed Unicode without
 * U+0000. Throws `InvalidArgumentError` otherwise.
 */
export function assertSessionId(sessionId: unknown, operation: string): asserts sessionId is string {
  if (typeof sessionId !== 'string' || sessionId.length === 0) {
    throw new InvalidArgumentError(`${operation}() needs a non-empty string session id, got ${String(sessionId)}.`);
  }
  // The usual id is well-formed and has no NUL: two scans cheaper than the regular expression.
  if (!(sessionId as WellFormedString).isWellFormed() || sessionId.includes('\u0000')) {
    throw new InvalidArgumentError(
      `${operation}() got a session id containing U+0000 or an unpaired surrogate, which stores cannot keep as text.`,
      { remedy: 'Use ids of well-formed Unicode text without NUL characters.' },
    );
  }
}

/** The document to store for `snapshot` once saved at `version` and `updatedAt`. */
export function toSessionDocument(snapshot: SessionSnapshot, version: number, updatedAt: number): SessionDocument {
  return {
    formatVersion: SESSION_FORMAT_VERSION,
    sessionId: snapshot.sessionId,
    history: snapshot.history,
    state: snapshot.state,
    version,
    updatedAt,
  };
}

/**
 * Validates a stored record found under `sessionId` and returns it as a snapshot (sharing its
 * arrays and objects; copy it if the record stays referenced). Throws `CorruptSnapshotError` naming
 * the session when the record is not a document of a known format.
 */
export function decodeSessionDocument(sessionId: string, record: unknown): SessionSnapshot {
  const corrupt = (problem: string) =>
    new CorruptSnapshotError(`The stored record of session ${JSON.stringify(sessionId)} is corrupt: ${problem}.`, {
      sessionId,
    });
  if (!isRecord(record)) throw corrupt('it is not an object');
  if (record.formatVersion !== SESSION_FORMAT_VERSION) {
    throw corrupt(
      `its formatVersion is ${JSON.stringify(record.formatVersion)}, this store reads ${SESSION_FORMAT_VERSION}`,
    );
  }
  if (record.sessionId !== sessionId) throw corrupt(`it names session ${JSON.stringify(record.sessionId)}`);
  if (!isVersion(record.version) || record.version === 0) throw corrupt('its version is not an integer >= 1');
  if (typeof record.updatedAt !== 'number' || !Number.isFinite(record.updatedAt)) {
    throw corrupt('its updatedAt is not a number');
  }
  const problem = describeHistoryAndState(record);
  if (problem) throw corrupt(problem);
  return {
    sessionId,
    history: record.history as SessionSnapshot['history'],
    state: record.state as SessionSnapshot['state'],
    version: record.version,
    updatedAt: record.updatedAt,
  };
}

/**
 * The snapshot a store's `save` returns when making its history and state is costly (decoding the
 * record just written): `read` runs on the first access of either, once. Both are own enumerable
 * properties (accessors), so the snapshot compares, spreads and serialises like a plain one, and
 * assigning to either replaces it. Callers that only read `version` — the runtime — pay nothing.
 */
export function lazySnapshot(
  head: Pick<SessionSnapshot, 'sessionId' | 'version' | 'updatedAt'>,
  read: () => Pick<SessionSnapshot, 'history' | 'state'>,
): SessionSnapshot {
  let body: Pick<SessionSnapshot, 'history' | 'state'> | undefined;
  const load = () => {
    if (body === undefined) {
      const { history, state } = read();
      body = { history, state };
    }
    return body;
  };
  return {
    sessionId: head.sessionId,
    get history() {
      return load().history;
    },
    set history(history) {
      load().history = history;
    },
    get state() {
      return load().state;
    },
    set state(state) {
      load().state = state;
    },
    version: head.version,
    updatedAt: head.updatedAt,
  };
}
