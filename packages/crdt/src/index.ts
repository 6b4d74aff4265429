export type { CrdtChange, CrdtChangeOrigin, DeltaCrdt } from './delta-crdt.ts';
export type { Dot, DotRanges } from './dot-set.ts';
export { GCounter, type GCounterOptions, type GCounterState } from './g-counter.ts';
export {
  compareTimestamps,
  type HlcTimestamp,
  HybridLogicalClock,
  type HybridLogicalClockOptions,
} from './hybrid-logical-clock.ts';
export type { LwwClockOptions } from './lww-clock.ts';
export { LWWMap, type LWWMapOptions, type LWWMapState, type LwwMapEntry } from './lww-map.ts';
export { LWWRegister, type LWWRegisterOptions, type LWWRegisterState, type LwwWrite } from './lww-register.ts';
export {
  type MemoryFaults,
  type MemoryNetwork,
  type MemoryNetworkStats,
  type MemoryTransportOptions,
  memoryTransport,
} from './memory-transport.ts';
export { ORSet, type ORSetFootprint, type ORSetOptions, type ORSetState } from './or-set.ts';
export { PNCounter, type PNCounterOptions, type PNCounterState } from './pn-counter.ts';
export type { ReplicationAck, ReplicationMessage } from './replication-message.ts';
export { Replicator, type ReplicatorOptions, type ReplicatorStats } from './replicator.ts';
export { CRDT_FORMAT_VERSION } from './state-validation.ts';
export { type TokenBudget, type TokenBudgetOptions, tokenBudget, withTokenBudget } from './token-budget.ts';
export type { Transport } from './transport.ts';
