import type { SessionSnapshot, SessionStore } from '../store.ts';

/**
 * The key of an optional store method that writes like `save` (same checks, same conflict and
 * errors) and resolves with the new version only. The runtime commits every turn through it when a
 * store has it: it reads nothing of the snapshot `save` returns but the version, and making that
 * snapshot (a deep copy for the memory store, a lazily decoded one for LMDB) costs about as much
 * as the rest of a fast turn's bookkeeping. Stores without it are called through `save`.
 */
export const commitSnapshot: unique symbol = Symbol.for('troupe.store.commitSnapshot');

/** A store that can also write a snapshot without returning it. */
export interface CommittingStore extends SessionStore {
  [commitSnapshot](snapshot: SessionSnapshot): Promise<number>;
}

/** Writes `snapshot` to `store` like `save` and resolves with the version it was stored at. */
export function commitTo(store: SessionStore, snapshot: SessionSnapshot): Promise<number> {
  const commit = (store as Partial<CommittingStore>)[commitSnapshot];
  if (commit !== undefined) return commit.call(store, snapshot);
  return store.save(snapshot).then(versionOf);
}

function versionOf(saved: SessionSnapshot): number {
  return saved.version;
}
