import { ConcurrentWriteError } from '../errors.ts';
import type { SessionSnapshot, SessionStore } from '../store.ts';

/**
 * A versioned {@link SessionStore} that keeps the snapshots it is given by reference: no copies,
 * no validation, no listing. For tests and benchmarks whose subject is the logic above the store
 * (its own cost with long histories, its own memory); use `memoryStore()` for store semantics.
 */
export function referenceStore(): SessionStore {
  const records = new Map<string, SessionSnapshot>();
  return {
    load: async (sessionId) => records.get(sessionId),
    async save(snapshot) {
      const current = records.get(snapshot.sessionId)?.version ?? 0;
      if (current !== snapshot.version) {
        throw new ConcurrentWriteError(
          `Session ${JSON.stringify(snapshot.sessionId)} is at version ${current}, not ${snapshot.version}.`,
          { sessionId: snapshot.sessionId, expectedVersion: snapshot.version, actualVersion: current },
        );
      }
      const saved = { ...snapshot, version: current + 1 };
      records.set(snapshot.sessionId, saved);
      return saved;
    },
    delete: async (sessionId) => {
      records.delete(sessionId);
    },
    list: async () => ({ sessions: [] }),
    close: async () => {},
  };
}
