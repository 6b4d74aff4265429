import { type Clock, sleep } from '@troupe/core';
import { memoryTransport, PNCounter, Replicator } from '@troupe/crdt';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  clock: Clock;
  /** Where progress lines go. */
  print: (line: string) => void;
  /** Seed of the network's fault dice. */
  seed?: number;
}

/**
 * Three replicas of one counter over a network that loses 30% of messages, duplicates 10% and
 * reorders the rest; each replica counts its own work, then they converge on the same total.
 */
export async function runDemo(options: DemoOptions): Promise<number[]> {
  const { clock, print } = options;
  const network = memoryTransport({ clock, seed: options.seed ?? 2024, loss: 0.3, duplication: 0.1, jitterMs: 15 });
  const replicas = ['berlin', 'lima', 'osaka'].map((node) => {
    const counter = new PNCounter({ node });
    const replicator = new Replicator({ node, transport: network.connect(node), clock, antiEntropyIntervalMs: 50 });
    replicator.register('requests', counter);
    return { node, counter, replicator };
  });
  const show = (label: string) =>
    print(`${label.padEnd(12)} ${replicas.map((r) => `${r.node}=${String(r.counter.value).padStart(3)}`).join('  ')}`);

  for (let round = 1; round <= 5; round++) {
    replicas.forEach((replica, index) => {
      replica.counter.increment(index + round);
      if (round === 3) replica.counter.decrement(1);
    });
    await sleep(clock, 5);
    show(`round ${round}`);
  }
  await sleep(clock, 400);
  show('converged');
  print(
    `messages: ${network.stats.published} sent, ${network.stats.dropped} lost, ${network.stats.duplicated} duplicated`,
  );
  for (const replica of replicas) replica.replicator.close();
  return replicas.map((replica) => replica.counter.value);
}
