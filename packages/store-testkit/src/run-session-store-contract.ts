import type { SessionStoreContractOptions } from './contract-options.ts';
import { describeCommit } from './describe-commit.ts';
import { describeConcurrency } from './describe-concurrency.ts';
import { describeCopying } from './describe-copying.ts';
import { describeCorruption } from './describe-corruption.ts';
import { describeDeletion } from './describe-deletion.ts';
import { describeDurability } from './describe-durability.ts';
import { describeLifecycle } from './describe-lifecycle.ts';
import { describeListing } from './describe-listing.ts';
import { describeRoundTrip } from './describe-round-trip.ts';
import { describeVersioning } from './describe-versioning.ts';

/**
 * Registers the whole `SessionStore` contract as vitest suites. Call it from one test file of a
 * store package; every area is also exported on its own (`describeRoundTrip`, ...).
 */
export function runSessionStoreContract(options: SessionStoreContractOptions): void {
  describeRoundTrip(options);
  describeVersioning(options);
  describeCommit(options);
  describeConcurrency(options);
  describeDeletion(options);
  describeCopying(options);
  describeListing(options);
  describeDurability(options);
  describeLifecycle(options);
  describeCorruption(options);
}
