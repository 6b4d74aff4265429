import type { SessionSnapshot, SessionStore } from '../store.ts';

/**
 * The key of an optional store method that writes like `save` (same checks, same conflict and
 * errors) and resolves with the new version only. The runtime commits every turn through it when a
 * store has it: it reads nothing of the snapshot `save` returns but the version, and making that
 * snapshot (a deep copy for the memory store, a lazily decoded one for LMDB) costs about as much
 * as the rest of a fast turn's bookkeeping. Stores without it are called through `save`.
 */
export const commitSnapshot: unique symbol = Symbol.for('troupe.store.commitSnapshot');

/** How a snapshot is committed. */
export interface CommitOptions {
  /**
   * True when the caller hands the snapshot's `history` and `state` over: they are its own copies
   * (nothing a user holds), it never changes them afterwards, and every message in `history` was
   * already checked (`assertMessages`). A store that keeps objects (the memory store) may then
   * keep these as they are instead of copying the whole session on every commit; stores that
   * encode ignore it. The runtime's sessions commit this way.
   */
  handOver?: boolean;
}

/**
 * The key of an optional store method that loads like `load` (a snapshot the caller owns) and may
 * answer without a promise: a store that has the session in memory answers at once.
 */
export const loadSnapshot: unique symbol = Symbol.for('troupe.store.loadSnapshot');

/**
 * A store that can also write a snapshot without returning it. Its commit may answer (or throw)
 * synchronously when the store writes in memory.
 */
export interface CommittingStore extends SessionStore {
  [commitSnapshot](snapshot: SessionSnapshot, options?: CommitOptions): number | Promise<number>;
  [loadSnapshot]?(sessionId: string): SessionSnapshot | undefined | Promise<SessionSnapshot | undefined>;
}

/**
 * Writes `snapshot` to `store` like `save`; the version it was stored at, without a promise when
 * the store wrote synchronously (it then throws synchronously too).
 */
export function commitNow(
  store: SessionStore,
  snapshot: SessionSnapshot,
  options?: CommitOptions,
): number | Promise<number> {
  const commit = (store as Partial<CommittingStore>)[commitSnapshot];
  if (commit !== undefined) return commit.call(store, snapshot, options);
  return store.save(snapshot).then(versionOf);
}

/** Writes `snapshot` to `store` like `save` and resolves with the version it was stored at. */
export async function commitTo(
  store: SessionStore,
  snapshot: SessionSnapshot,
  options?: CommitOptions,
): Promise<number> {
  return commitNow(store, snapshot, options);
}

/** Loads like `store.load`, without a promise when the store answers synchronously. */
export function loadNow(
  store: SessionStore,
  sessionId: string,
): SessionSnapshot | undefined | Promise<SessionSnapshot | undefined> {
  const load = (store as Partial<CommittingStore>)[loadSnapshot];
  return load === undefined ? store.load(sessionId) : load.call(store, sessionId);
}

function versionOf(saved: SessionSnapshot): number {
  return saved.version;
}
