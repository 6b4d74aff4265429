import {
  type Clock,
  ConcurrentWriteError,
  type ListSessionsOptions,
  type SessionPage,
  type SessionSnapshot,
  type SessionStore,
  StoreError,
  systemClock,
} from '@troupe/core';
import {
  assertSessionId,
  assertSnapshotFrame,
  assertSnapshotInput,
  type CommitOptions,
  type CommittingStore,
  cloneData,
  cloneMessages,
  cloneSessionData,
  commitSnapshot,
  compareByCodePoint,
  decodeSessionDocument,
  loadSnapshot,
  resolveListOptions,
  type SessionDocument,
  toSessionDocument,
} from '@troupe/core/internal';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Sets `updatedAt` on save. Default: the system clock. */
  clock?: Clock;
  /**
   * The map the store keeps its documents in, keyed by session id. Pass the same map to two stores
   * to have them share sessions (as two processes share a database); tests also use it to plant
   * records. Default: a new, private map.
   */
  records?: Map<string, unknown>;
}

/** A {@link SessionStore} that also exposes the map it keeps its documents in. */
export interface MemorySessionStore extends SessionStore {
  /** The documents, keyed by session id (the `records` option, or the store's own map). */
  readonly records: Map<string, unknown>;
}

/**
 * A document a memory store wrote, validated on the way in; anything else found in `records` (a
 * record a test planted) is validated when read. Records are replaced on save, never changed in
 * place, so a stored document stays what was validated.
 */
class StoredDocument implements SessionDocument {
  readonly formatVersion: number;
  readonly sessionId: string;
  readonly history: SessionDocument['history'];
  readonly state: SessionDocument['state'];
  readonly version: number;
  readonly updatedAt: number;

  constructor(document: SessionDocument) {
    this.formatVersion = document.formatVersion;
    this.sessionId = document.sessionId;
    this.history = document.history;
    this.state = document.state;
    this.version = document.version;
    this.updatedAt = document.updatedAt;
  }
}

/** A copy of a document or snapshot: its history and state copied, the rest as it is. */
function copyDocument<T extends Pick<SessionSnapshot, 'history' | 'state'>>(document: T): T {
  return { ...document, history: cloneMessages(document.history), state: cloneData(document.state) };
}

/**
 * The reference {@link SessionStore}: sessions live in a map in this process and are gone when it
 * exits. Every save and load makes a deep copy, so neither the caller's objects nor the
 * returned ones alias what is stored. (A runtime's commits hand their copies over instead: a long
 * session's commit then costs its new messages, not its whole history.)
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemorySessionStore {
  const clock = options.clock ?? systemClock;
  const records = options.records ?? new Map<string, unknown>();
  let closed = false;

  const assertOpen = (operation: string, sessionId?: string) => {
    if (closed) {
      throw new StoreError(`memoryStore: ${operation}() was called after close().`, {
        sessionId,
        remedy: 'Create a new store; a closed one takes no more calls.',
      });
    }
  };

  const readSnapshot = (sessionId: string): SessionSnapshot | undefined => {
    const record = records.get(sessionId);
    if (record === undefined) return undefined;
    if (!(record instanceof StoredDocument)) return decodeSessionDocument(sessionId, record);
    const { history, state, version, updatedAt } = record;
    return { sessionId, history, state, version, updatedAt };
  };

  /**
   * Checks and stores `snapshot` (see `save`); returns the document stored. A snapshot handed over
   * (see `CommitOptions`) is kept as it is: its messages were checked, and nobody else holds them.
   */
  const write = (snapshot: SessionSnapshot, handOver: boolean): StoredDocument => {
    assertOpen('save', snapshot?.sessionId);
    if (handOver) assertSnapshotFrame(snapshot);
    else assertSnapshotInput(snapshot);
    const { sessionId } = snapshot;
    const record = records.get(sessionId);
    const storedVersion =
      record === undefined
        ? 0
        : record instanceof StoredDocument
          ? record.version
          : decodeSessionDocument(sessionId, record).version;
    if (storedVersion !== snapshot.version) {
      throw new ConcurrentWriteError(
        `Session ${JSON.stringify(sessionId)} is at version ${storedVersion}, but the save was based on version ${snapshot.version}; nothing was written.`,
        { sessionId, expectedVersion: snapshot.version, actualVersion: storedVersion },
      );
    }
    const fields = toSessionDocument(snapshot, storedVersion + 1, clock.now());
    const document = new StoredDocument(handOver ? fields : cloneSessionData(sessionId, fields, copyDocument));
    records.set(sessionId, document);
    return document;
  };

  const store: MemorySessionStore & Required<CommittingStore> = {
    records,

    async load(sessionId) {
      return store[loadSnapshot](sessionId);
    },

    [loadSnapshot](sessionId: string) {
      assertOpen('load', sessionId);
      assertSessionId(sessionId, 'load');
      const snapshot = readSnapshot(sessionId);
      return snapshot === undefined ? undefined : copyDocument(snapshot);
    },

    async save(snapshot) {
      const document = write(snapshot, false);
      const { sessionId, history, state, version, updatedAt } = document;
      return { sessionId, history: cloneMessages(history), state: cloneData(state), version, updatedAt };
    },

    [commitSnapshot](snapshot: SessionSnapshot, commitOptions?: CommitOptions) {
      return write(snapshot, commitOptions?.handOver === true).version;
    },

    async delete(sessionId) {
      assertOpen('delete', sessionId);
      assertSessionId(sessionId, 'delete');
      records.delete(sessionId);
    },

    async list(listOptions?: ListSessionsOptions): Promise<SessionPage> {
      assertOpen('list');
      const { prefix, limit, after } = resolveListOptions(listOptions);
      const ids: string[] = [];
      for (const id of records.keys()) {
        if (id.startsWith(prefix) && (after === undefined || compareByCodePoint(id, after) > 0)) ids.push(id);
      }
      ids.sort(compareByCodePoint);
      const page = ids.slice(0, limit);
      const sessions = page.map((sessionId) => {
        const { version, updatedAt } = readSnapshot(sessionId) as SessionSnapshot;
        return { sessionId, version, updatedAt };
      });
      const last = page.at(-1);
      return ids.length > limit && last !== undefined ? { sessions, cursor: last } : { sessions };
    },

    async close() {
      closed = true;
    },
  };
  return store;
}
