import {
  type Clock,
  ConcurrentWriteError,
  InvalidArgumentError,
  type ListSessionsOptions,
  type SessionPage,
  type SessionSnapshot,
  type SessionStore,
  StoreError,
  systemClock,
} from '@troupe/core';
import {
  assertSessionId,
  assertSnapshotInput,
  compareByCodePoint,
  decodeSessionDocument,
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
 * The reference {@link SessionStore}: sessions live in a map in this process and are gone when it
 * exits. Every save and load makes a structured copy, so neither the caller's objects nor the
 * returned ones alias what is stored.
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
    return record === undefined ? undefined : decodeSessionDocument(sessionId, record);
  };

  return {
    records,

    async load(sessionId) {
      assertOpen('load', sessionId);
      assertSessionId(sessionId, 'load');
      const snapshot = readSnapshot(sessionId);
      return snapshot === undefined ? undefined : structuredClone(snapshot);
    },

    async save(snapshot) {
      assertOpen('save', snapshot?.sessionId);
      assertSnapshotInput(snapshot);
      const { sessionId } = snapshot;
      const record = records.get(sessionId);
      // An unreadable record is never overwritten: the caller could not have based a save on it.
      const storedVersion = record === undefined ? 0 : decodeSessionDocument(sessionId, record).version;
      if (storedVersion !== snapshot.version) {
        throw new ConcurrentWriteError(
          `Session ${JSON.stringify(sessionId)} is at version ${storedVersion}, but the save was based on version ${snapshot.version}; nothing was written.`,
          { sessionId, expectedVersion: snapshot.version, actualVersion: storedVersion },
        );
      }
      let document: SessionDocument;
      try {
        document = structuredClone(toSessionDocument(snapshot, storedVersion + 1, clock.now()));
      } catch (error) {
        throw new InvalidArgumentError(
          `save() of session ${JSON.stringify(sessionId)}: history or state holds a value that cannot be copied (a function, a symbol or a class instance).`,
          { cause: error, remedy: 'Store plain JSON data only.' },
        );
      }
      records.set(sessionId, document);
      return structuredClone(decodeSessionDocument(sessionId, document));
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
        const { version, updatedAt } = decodeSessionDocument(sessionId, records.get(sessionId));
        return { sessionId, version, updatedAt };
      });
      const last = page.at(-1);
      return ids.length > limit && last !== undefined ? { sessions, cursor: last } : { sessions };
    },

    async close() {
      closed = true;
    },
  };
}
