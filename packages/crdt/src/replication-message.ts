/** A replica's acknowledgement, in a digest, of how far it has merged another replica's CRDT. */
export interface ReplicationAck {
  /** The replica acknowledged. */
  node: string;
  /** Which run of that replica (its versions restart when it restarts). */
  incarnation: string;
  /** The acknowledged replica's `version` that has been merged, with everything before it. */
  version: number;
}

interface MessageBase {
  /** The sending replica. */
  from: string;
  /** The sender's run; a new one means the sender restarted and its versions started over. */
  incarnation: string;
  /** The name the CRDT is registered under. */
  key: string;
  /** The CRDT's type, e.g. `pn-counter`; a receiver with another type under the key rejects it. */
  type: string;
  /** The sender's CRDT version this message brings the receiver to. */
  version: number;
  /** Set when the message is for one replica only. */
  to?: string;
}

/** The messages replicators exchange (plain JSON on any {@link Transport}). */
export type ReplicationMessage =
  /** What changed at the sender between `since` and `version`. */
  | (MessageBase & { kind: 'delta'; since: number; state: unknown })
  /** The sender's full state. */
  | (MessageBase & { kind: 'state'; state: unknown })
  /** Anti-entropy: the sender's version and how far it has merged each peer. */
  | (MessageBase & { kind: 'digest'; acks: ReplicationAck[] });

/** Checks the envelope of a received message; returns a reason when it is malformed. */
export function checkMessage(value: unknown): ReplicationMessage | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const message = value as Record<string, unknown>;
  for (const field of ['from', 'incarnation', 'key', 'type'] as const) {
    if (typeof message[field] !== 'string' || (message[field] as string).length === 0) {
      return `field "${field}" is not a non-empty string`;
    }
  }
  if (!isVersion(message.version)) return 'field "version" is not an integer >= 0';
  if (message.to !== undefined && typeof message.to !== 'string') return 'field "to" is not a string';
  switch (message.kind) {
    case 'delta':
      if (!isVersion(message.since)) return 'field "since" is not an integer >= 0';
      if (!('state' in message)) return 'field "state" is missing';
      break;
    case 'state':
      if (!('state' in message)) return 'field "state" is missing';
      break;
    case 'digest': {
      if (!Array.isArray(message.acks)) return 'field "acks" is not an array';
      for (const ack of message.acks as unknown[]) {
        const fields = ack as Record<string, unknown> | null;
        if (
          typeof fields !== 'object' ||
          fields === null ||
          typeof fields.node !== 'string' ||
          typeof fields.incarnation !== 'string' ||
          !isVersion(fields.version)
        ) {
          return 'field "acks" holds a malformed acknowledgement';
        }
      }
      break;
    }
    default:
      return 'field "kind" is not delta, state or digest';
  }
  return value as ReplicationMessage;
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
