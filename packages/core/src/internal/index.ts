// For sibling @troupe packages only (stores share these); no semver promise.
export {
  compareByCodePoint,
  defaultListLimit,
  maximumListLimit,
  type ResolvedListOptions,
  resolveListOptions,
} from './list-options.ts';
export { type HeaderSource, retryAfterMs } from './retry-after.ts';
export {
  assertSessionId,
  assertSnapshotInput,
  decodeSessionDocument,
  type SessionDocument,
  toSessionDocument,
} from './session-document.ts';
