export {
  type CorruptRecordContext,
  contractStartTime,
  type SessionStoreContractOptions,
  type StoreContext,
} from './contract-options.ts';
export { describeCommit } from './describe-commit.ts';
export { describeConcurrency } from './describe-concurrency.ts';
export { describeCopying } from './describe-copying.ts';
export { describeCorruption } from './describe-corruption.ts';
export { describeDeletion } from './describe-deletion.ts';
export { describeDurability } from './describe-durability.ts';
export { describeLifecycle } from './describe-lifecycle.ts';
export { describeListing, listAll } from './describe-listing.ts';
export { describeRoundTrip } from './describe-round-trip.ts';
export { describeVersioning } from './describe-versioning.ts';
export {
  everyMessageShape,
  hostileSessionIds,
  largeHistory,
  nestedState,
  newSnapshot,
  unicodeSamples,
} from './fixtures.ts';
export { runSessionStoreContract } from './run-session-store-contract.ts';
