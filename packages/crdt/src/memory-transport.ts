import { type Clock, InvalidArgumentError, systemClock } from '@troupe/core';
import { seededRandom } from './seeded-random.ts';
import { describe, requireNodeId } from './state-validation.ts';
import type { Transport } from './transport.ts';

/** Faults a {@link MemoryNetwork} injects; change them at run time with `configure`. */
export interface MemoryFaults {
  /** Probability (0..1) that a delivery is lost. Default 0. */
  loss: number;
  /** Probability (0..1) that a delivery happens twice. Default 0. */
  duplication: number;
  /** Base delivery delay in ms. Default 1. */
  latencyMs: number;
  /** Extra random delay up to this many ms per delivery; above 0, messages overtake each other. Default 0. */
  jitterMs: number;
}

/** Options of {@link memoryTransport}. */
export interface MemoryTransportOptions extends Partial<MemoryFaults> {
  /** Schedules deliveries. Default: `systemClock`; tests pass `manualClock()`. */
  clock?: Clock;
  /** Seed of the fault dice, so a run repeats exactly. Default 1. */
  seed?: number;
  /** Also deliver each message back to its sender, as NATS does by default. Default true. */
  echo?: boolean;
}

/** Counts of what a {@link MemoryNetwork} did. */
export interface MemoryNetworkStats {
  /** Messages published. */
  published: number;
  /** Deliveries made (one message reaches many replicas). */
  delivered: number;
  /** Deliveries lost to `loss` or a partition. */
  dropped: number;
  /** Extra deliveries made by `duplication`. */
  duplicated: number;
  /** Bytes of JSON published. */
  bytes: number;
}

/** An in-process network of replicas with injectable faults, for tests and examples. */
export interface MemoryNetwork {
  /** A transport for replica `node` on this network. */
  connect(node: string): Transport;
  /** Splits the network: replicas in different groups stop hearing each other. Replicas not named form one more group. */
  partition(...groups: string[][]): void;
  /** Ends every partition. */
  heal(): void;
  /** Changes the injected faults from now on. */
  configure(faults: Partial<MemoryFaults>): void;
  readonly stats: MemoryNetworkStats;
}

interface Member {
  node: string;
  handlers: Set<(message: unknown) => void>;
  open: boolean;
}

/**
 * An in-memory network: `memoryTransport({ loss: 0.2, jitterMs: 20, seed: 7, clock }).connect('a')`.
 * Every message goes through JSON, as on a real wire; deliveries are scheduled on the clock.
 */
export function memoryTransport(options: MemoryTransportOptions = {}): MemoryNetwork {
  const clock = options.clock ?? systemClock;
  const random = seededRandom(options.seed ?? 1);
  const echo = options.echo ?? true;
  const faults: MemoryFaults = { loss: 0, duplication: 0, latencyMs: 1, jitterMs: 0 };
  const members = new Map<string, Member>();
  let groups = new Map<string, number>();
  const stats: MemoryNetworkStats = { published: 0, delivered: 0, dropped: 0, duplicated: 0, bytes: 0 };

  const configure = (next: Partial<MemoryFaults>) => {
    for (const name of ['loss', 'duplication'] as const) {
      const value = next[name];
      if (value === undefined) continue;
      if (!(value >= 0 && value <= 1)) {
        throw new InvalidArgumentError(
          `memoryTransport option "${name}" must be between 0 and 1; got ${describe(value)}.`,
        );
      }
      faults[name] = value;
    }
    for (const name of ['latencyMs', 'jitterMs'] as const) {
      const value = next[name];
      if (value === undefined) continue;
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new InvalidArgumentError(
          `memoryTransport option "${name}" must be a number >= 0; got ${describe(value)}.`,
        );
      }
      faults[name] = value;
    }
  };
  configure(options);

  const groupOf = (node: string) => groups.get(node) ?? -1;

  const deliver = (target: Member, payload: string) => {
    const delay = faults.latencyMs + Math.floor(random() * (faults.jitterMs + 1));
    clock.setTimeout(() => {
      if (!target.open) return;
      stats.delivered += 1;
      for (const handler of [...target.handlers]) handler(JSON.parse(payload));
    }, delay);
  };

  const publish = (sender: Member, message: unknown) => {
    if (!sender.open) return;
    const payload = JSON.stringify(message);
    if (payload === undefined) throw new InvalidArgumentError('A transport message must be JSON.');
    stats.published += 1;
    stats.bytes += payload.length;
    for (const target of members.values()) {
      if (target === sender && !echo) continue;
      if (!target.open) continue;
      if (groupOf(target.node) !== groupOf(sender.node) || random() < faults.loss) {
        stats.dropped += 1;
        continue;
      }
      deliver(target, payload);
      if (random() < faults.duplication) {
        stats.duplicated += 1;
        deliver(target, payload);
      }
    }
  };

  return {
    connect(node) {
      requireNodeId(node, 'memoryTransport.connect');
      if (members.get(node)?.open) {
        throw new InvalidArgumentError(`Replica "${node}" is already connected to this memory network.`);
      }
      const member: Member = { node, handlers: new Set(), open: true };
      members.set(node, member);
      return {
        publish: (message) => publish(member, message),
        subscribe(handler) {
          member.handlers.add(handler);
          return () => {
            member.handlers.delete(handler);
          };
        },
        close() {
          member.open = false;
          member.handlers.clear();
          if (members.get(node) === member) members.delete(node);
        },
      };
    },
    partition(...parts) {
      const next = new Map<string, number>();
      parts.forEach((part, index) => {
        for (const node of part) next.set(node, index);
      });
      groups = next;
    },
    heal() {
      groups = new Map();
    },
    configure,
    stats,
  };
}
