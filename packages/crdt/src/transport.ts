/**
 * Carries replication messages between replicas. Every replica publishes to all the others (a
 * broadcast, like a NATS subject); a message meant for one replica names it in `to` and the others
 * ignore it. Delivery may lose, duplicate, reorder or echo messages back to the sender: the
 * replicator tolerates all of these. Messages are plain JSON.
 */
export interface Transport {
  /** Sends `message` to every other replica (best effort; must not throw for a lost message). */
  publish(message: unknown): void;
  /** Calls `handler` with every message received; returns the function that unsubscribes. */
  subscribe(handler: (message: unknown) => void): () => void;
  /** Releases the transport (idempotent). Optional: the replicator does not call it. */
  close?(): void;
}
