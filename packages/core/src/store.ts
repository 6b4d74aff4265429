import type { Message } from './messages.ts';

/** Everything durable about one session. */
export interface SessionSnapshot {
  sessionId: string;
  history: Message[];
  state: Record<string, unknown>;
  /** 0 = never saved. Each successful save advances it by exactly one. */
  version: number;
  /** Milliseconds since the epoch, set by the store on save. */
  updatedAt: number;
}

/** One entry of {@link SessionStore.list}. */
export interface SessionSummary {
  sessionId: string;
  version: number;
  updatedAt: number;
}

/** Options of {@link SessionStore.list}. */
export interface ListSessionsOptions {
  /** Only ids starting with this. */
  prefix?: string;
  /** At most this many per page (stores pick a default). */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
}

/** A page of {@link SessionStore.list}; `cursor` is present when there may be more. */
export interface SessionPage {
  sessions: SessionSummary[];
  cursor?: string;
}

/**
 * Durable storage of sessions with optimistic concurrency. Every store passes the contract suite
 * of `@troupe/store-testkit`.
 */
export interface SessionStore {
  /** The stored snapshot, or undefined when the session was never saved (or was deleted). */
  load(sessionId: string): Promise<SessionSnapshot | undefined>;
  /**
   * Writes iff the stored version equals `snapshot.version` (absent counts as 0). Returns the
   * stored snapshot with version + 1 and the new `updatedAt`. Otherwise throws
   * `ConcurrentWriteError` and changes nothing.
   */
  save(snapshot: SessionSnapshot): Promise<SessionSnapshot>;
  /** Removes the session; idempotent. */
  delete(sessionId: string): Promise<void>;
  /** Pages through sessions in id order. */
  list(options?: ListSessionsOptions): Promise<SessionPage>;
  /** Releases resources; idempotent. Later calls fail with `StoreError`. */
  close(): Promise<void>;
}

/** The version of the stored document layout; stores write it with every record. */
export const SESSION_FORMAT_VERSION = 1;
