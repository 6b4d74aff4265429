// For sibling @troupe packages only (stores, providers and tools share these); no semver promise.
export { type AbortCheckable, abortCheck, isAborted } from './abort-check.ts';
export { cloneData, cloneMessages, cloneSessionData } from './clone-data.ts';
export { type GeminiSchemaOptions, toGeminiSchema } from './gemini-schema.ts';
export {
  compareByCodePoint,
  defaultListLimit,
  maximumListLimit,
  type ResolvedListOptions,
  resolveListOptions,
} from './list-options.ts';
export { copyPlainJson, copyPlainMessages, isPlainJson } from './plain-json.ts';
export { type HeaderSource, retryAfterMs } from './retry-after.ts';
export {
  appendDescription,
  childPath,
  mergeAllOf,
  resolveReference,
  type SchemaNode,
  tupleMembers,
  unsupportedSchema,
} from './schema-references.ts';
export {
  assertMessages,
  assertSessionId,
  assertSnapshotFrame,
  assertSnapshotInput,
  decodeSessionDocument,
  lazySnapshot,
  type SessionDocument,
  toSessionDocument,
} from './session-document.ts';
export {
  type CommitOptions,
  type CommittingStore,
  commitNow,
  commitSnapshot,
  commitTo,
  loadNow,
  loadSnapshot,
} from './store-commit.ts';
