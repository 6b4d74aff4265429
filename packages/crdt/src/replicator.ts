import {
  type Clock,
  InvalidArgumentError,
  type Logger,
  silentLogger,
  systemClock,
  type TimerHandle,
} from '@troupe/core';
import type { DeltaCrdt } from './delta-crdt.ts';
import { checkMessage, type ReplicationMessage } from './replication-message.ts';
import { describe, requireNodeId } from './state-validation.ts';
import type { Transport } from './transport.ts';

/** Options of {@link Replicator}. */
export interface ReplicatorOptions {
  /** This replica's id: the same as the `node` of the CRDTs it registers. */
  node: string;
  /** How messages reach the other replicas. */
  transport: Transport;
  /** Drives the anti-entropy tick. Default: `systemClock`. */
  clock?: Clock;
  /** How often every replica sends a digest, from which lagging peers get repaired. Default 1000 ms. */
  antiEntropyIntervalMs?: number;
  /**
   * A peer not heard from for this long no longer holds back history clean-up; when it comes back it
   * gets full state instead of deltas. Default: 10 anti-entropy intervals.
   */
  peerTimeoutMs?: number;
  /** Where dropped and rejected messages are reported. Default: silent. */
  logger?: Logger;
  /** Identifies this run of the replica. Default: a random UUID. */
  incarnation?: string;
}

/** Counts of what a {@link Replicator} did. */
export interface ReplicatorStats {
  /** Messages published. */
  sent: number;
  /** Messages received from other replicas (echoes excluded). */
  received: number;
  /** Received deltas and states that changed a local CRDT. */
  merged: number;
  /** Messages skipped on purpose: own echoes, for another replica, or for a key not registered here. */
  ignored: number;
  /** Malformed messages, states that failed validation, or a type different from the local one. */
  rejected: number;
}

interface Registration {
  crdt: DeltaCrdt;
  unsubscribe: () => void;
  /** The version last broadcast as a delta (or included in a full state broadcast). */
  shipped: number;
  scheduled: boolean;
}

interface Peer {
  incarnation: string;
  lastHeardAt: number;
  /** Per key: how far this replica has merged the peer's CRDT. */
  received: Map<string, number>;
  /** Per key: how far the peer has merged this replica's CRDT. */
  acknowledged: Map<string, number>;
}

/**
 * Keeps named CRDTs in sync with the same names on other replicas. A local change is broadcast at
 * once as a delta; every `antiEntropyIntervalMs` each replica broadcasts a digest saying how far it
 * has merged each peer, and a peer that is behind is sent what it misses (a delta when the history
 * is still here, else the full state). So lost, duplicated and reordered messages, partitions and
 * late joiners all end in the same state. History every live peer has acknowledged is discarded.
 */
export class Replicator {
  readonly node: string;
  readonly incarnation: string;
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #peerTimeoutMs: number;
  readonly #logger: Logger;
  readonly #registrations = new Map<string, Registration>();
  readonly #peers = new Map<string, Peer>();
  readonly #stats: ReplicatorStats = { sent: 0, received: 0, merged: 0, ignored: 0, rejected: 0 };
  readonly #unsubscribeTransport: () => void;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(options: ReplicatorOptions) {
    this.node = requireNodeId(options?.node, 'Replicator');
    if (!options.transport || typeof options.transport.publish !== 'function') {
      throw new InvalidArgumentError(
        'Replicator needs option "transport" (for example memoryTransport().connect(node)).',
      );
    }
    this.#transport = options.transport;
    this.#clock = options.clock ?? systemClock;
    this.#intervalMs = positive(options.antiEntropyIntervalMs ?? 1000, 'antiEntropyIntervalMs');
    this.#peerTimeoutMs = positive(options.peerTimeoutMs ?? this.#intervalMs * 10, 'peerTimeoutMs');
    this.#logger = options.logger ?? silentLogger;
    this.incarnation = options.incarnation ?? globalThis.crypto.randomUUID();
    this.#unsubscribeTransport = this.#transport.subscribe((message) => this.#receive(message));
    this.#schedule();
  }

  /** What this replicator did so far. */
  get stats(): Readonly<ReplicatorStats> {
    return { ...this.#stats };
  }

  /** The peers heard from within `peerTimeoutMs`. */
  get peers(): string[] {
    const now = this.#clock.now();
    return [...this.#peers].filter(([, peer]) => now - peer.lastHeardAt <= this.#peerTimeoutMs).map(([node]) => node);
  }

  /**
   * Replicates `crdt` under `key`: its local changes are broadcast, remote ones merged into it. It
   * announces itself at once, so peers send what it misses without waiting for a tick.
   */
  register(key: string, crdt: DeltaCrdt): void {
    this.#assertOpen('register');
    if (typeof key !== 'string' || key.length === 0) {
      throw new InvalidArgumentError(`Replicator.register takes a non-empty key; got ${describe(key)}.`);
    }
    if (this.#registrations.has(key)) {
      throw new InvalidArgumentError(`A CRDT is already registered under "${key}".`, {
        remedy: 'Use another key, or unregister the first one.',
      });
    }
    if (crdt?.node !== this.node) {
      throw new InvalidArgumentError(
        `The CRDT registered under "${key}" belongs to replica ${describe(crdt?.node)}, not "${this.node}".`,
      );
    }
    const registration: Registration = { crdt, unsubscribe: () => {}, shipped: 0, scheduled: false };
    registration.unsubscribe = crdt.subscribe((change) => {
      if (change.origin === 'local') this.#scheduleShip(key, registration);
    });
    this.#registrations.set(key, registration);
    this.#sendDigest(key, registration);
  }

  /** Stops replicating `key`; returns false when it was not registered. */
  unregister(key: string): boolean {
    const registration = this.#registrations.get(key);
    if (!registration) return false;
    registration.unsubscribe();
    this.#registrations.delete(key);
    for (const peer of this.#peers.values()) {
      peer.received.delete(key);
      peer.acknowledged.delete(key);
    }
    return true;
  }

  /** Runs an anti-entropy round now (a digest per key), besides the periodic ones. */
  sync(): void {
    this.#assertOpen('sync');
    this.#antiEntropy();
  }

  /** Stops the tick and stops listening (idempotent). The CRDTs keep their state. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#unsubscribeTransport();
    for (const registration of this.#registrations.values()) registration.unsubscribe();
    this.#registrations.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new InvalidArgumentError(`Replicator.${operation} was called after close().`);
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#closed) return;
      this.#antiEntropy();
      this.#schedule();
    }, this.#intervalMs);
  }

  #antiEntropy(): void {
    const now = this.#clock.now();
    for (const [node, peer] of this.#peers) {
      // Forget long-silent peers entirely: when they return they are new and get full state.
      if (now - peer.lastHeardAt > this.#peerTimeoutMs * 10) this.#peers.delete(node);
    }
    for (const [key, registration] of this.#registrations) {
      this.#sendDigest(key, registration);
      this.#discardStableHistory(key, registration);
    }
  }

  #scheduleShip(key: string, registration: Registration): void {
    if (registration.scheduled) return;
    registration.scheduled = true;
    // Ship once per burst of synchronous changes: a loop of increments goes out as one delta.
    queueMicrotask(() => {
      registration.scheduled = false;
      if (this.#closed || this.#registrations.get(key) !== registration) return;
      const { crdt } = registration;
      if (crdt.version <= registration.shipped) return;
      if (registration.shipped < crdt.deltaFloor) {
        this.#publish({ ...this.#base(key, crdt), kind: 'state', state: crdt.toJSON() });
      } else {
        const since = registration.shipped;
        this.#publish({ ...this.#base(key, crdt), kind: 'delta', since, state: crdt.deltaSince(since) });
      }
      registration.shipped = crdt.version;
    });
  }

  #sendDigest(key: string, registration: Registration): void {
    const now = this.#clock.now();
    const acks = [];
    for (const [node, peer] of this.#peers) {
      if (now - peer.lastHeardAt > this.#peerTimeoutMs) continue;
      acks.push({ node, incarnation: peer.incarnation, version: peer.received.get(key) ?? 0 });
    }
    this.#publish({ ...this.#base(key, registration.crdt), kind: 'digest', acks });
  }

  #discardStableHistory(key: string, registration: Registration): void {
    const now = this.#clock.now();
    let stable = registration.shipped;
    for (const peer of this.#peers.values()) {
      if (now - peer.lastHeardAt > this.#peerTimeoutMs) continue;
      stable = Math.min(stable, peer.acknowledged.get(key) ?? 0);
    }
    if (stable > registration.crdt.deltaFloor) registration.crdt.discardDeltasThrough(stable);
  }

  #base(key: string, crdt: DeltaCrdt) {
    return { from: this.node, incarnation: this.incarnation, key, type: crdt.type, version: crdt.version };
  }

  #publish(message: ReplicationMessage): void {
    try {
      this.#transport.publish(message);
      this.#stats.sent += 1;
    } catch (error) {
      this.#logger.warn('crdt replicator could not publish', { node: this.node, key: message.key, error });
    }
  }

  #receive(raw: unknown): void {
    if (this.#closed) return;
    const message = checkMessage(raw);
    if (typeof message === 'string') {
      this.#stats.rejected += 1;
      this.#logger.warn(`crdt replicator dropped a malformed message: ${message}`, { node: this.node });
      return;
    }
    if (message.from === this.node) {
      // Our own echo (or another process using our id, which would be a configuration error).
      if (message.incarnation !== this.incarnation) {
        this.#logger.warn('crdt replicator heard another replica using its node id', { node: this.node });
      }
      this.#stats.ignored += 1;
      return;
    }
    this.#stats.received += 1;
    const peer = this.#peer(message);
    if (message.to !== undefined && message.to !== this.node) {
      this.#stats.ignored += 1;
      return;
    }
    const registration = this.#registrations.get(message.key);
    if (!registration) {
      this.#stats.ignored += 1;
      return;
    }
    const { crdt } = registration;
    if (message.type !== crdt.type) {
      this.#stats.rejected += 1;
      this.#logger.warn('crdt replicator got another type under a key', {
        node: this.node,
        key: message.key,
        expected: crdt.type,
        got: message.type,
        from: message.from,
      });
      return;
    }
    if (message.kind === 'digest') {
      this.#onDigest(message, peer, registration);
      return;
    }
    try {
      if (crdt.merge(message.state)) this.#stats.merged += 1;
    } catch (error) {
      this.#stats.rejected += 1;
      this.#logger.warn('crdt replicator rejected a state that failed validation', {
        node: this.node,
        key: message.key,
        from: message.from,
        error,
      });
      return;
    }
    const received = peer.received.get(message.key) ?? 0;
    // A delta only brings us to `version` if we already had everything up to `since`.
    if (message.kind === 'state' || message.since <= received) {
      peer.received.set(message.key, Math.max(received, message.version));
    }
  }

  #onDigest(message: ReplicationMessage & { kind: 'digest' }, peer: Peer, registration: Registration): void {
    const ack = message.acks.find((entry) => entry.node === this.node && entry.incarnation === this.incarnation);
    const acknowledged = ack?.version ?? 0;
    peer.acknowledged.set(message.key, acknowledged);
    const { crdt } = registration;
    if (acknowledged >= crdt.version) return;
    const to = message.from;
    if (acknowledged >= crdt.deltaFloor) {
      this.#publish({
        ...this.#base(message.key, crdt),
        kind: 'delta',
        since: acknowledged,
        state: crdt.deltaSince(acknowledged),
        to,
      });
    } else {
      this.#publish({ ...this.#base(message.key, crdt), kind: 'state', state: crdt.toJSON(), to });
    }
  }

  #peer(message: ReplicationMessage): Peer {
    let peer = this.#peers.get(message.from);
    if (!peer || peer.incarnation !== message.incarnation) {
      // A new peer, or one that restarted: what we knew of its versions no longer holds.
      peer = { incarnation: message.incarnation, lastHeardAt: 0, received: new Map(), acknowledged: new Map() };
      this.#peers.set(message.from, peer);
    }
    peer.lastHeardAt = this.#clock.now();
    return peer;
  }
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new InvalidArgumentError(`Replicator option "${name}" must be a number > 0; got ${describe(value)}.`);
  }
  return value;
}
