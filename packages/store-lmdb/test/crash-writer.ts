// Run by crash.test.ts in a child process: saves sessions as fast as it can and prints one line
// per acknowledged save, until it is killed.
import type { Message, SessionSnapshot } from '@troupe/core';
import { lmdbStore } from '../src/index.ts';

const [path, sessionCountText = '4', inFlightText = '4'] = process.argv.slice(2);
if (!path) throw new Error('usage: crash-writer <path> [sessions] [in flight]');
const store = lmdbStore({ path });
const sessionCount = Number(sessionCountText);
const padding = 'x'.repeat(20_000);

/**
 * The message of a turn. Its shape varies, so new record shapes are appended to the shared table
 * while saves are in flight: some early, and a tool message only from turn 21, which the second
 * run of the writer reaches after the first was killed.
 */
function messageOf(turn: number): Message {
  const content = `turn ${turn} ${padding}`;
  if (turn > 20) return { role: 'tool', toolCallId: `call-${turn}`, toolName: 'padding', content };
  return turn % 3 === 0 ? ({ content, role: 'user' } as Message) : { role: 'user', content };
}

async function writeForever(sessionId: string): Promise<never> {
  // A later run continues where the killed one stopped.
  let snapshot: SessionSnapshot = (await store.load(sessionId)) ?? {
    sessionId,
    history: [],
    state: {},
    version: 0,
    updatedAt: 0,
  };
  for (;;) {
    const turn = snapshot.version + 1;
    snapshot = await store.save({
      ...snapshot,
      history: [...snapshot.history, messageOf(turn)],
      state: { turn, checksum: turn * 7 },
    });
    process.stdout.write(`ack ${sessionId} ${snapshot.version}\n`);
  }
}

const writers = Array.from({ length: sessionCount }, (_, index) => writeForever(`crash-${index}`));
// Extra writers racing on one more session (they lose and retry) keep several transactions in flight.
for (let racer = 0; racer < Number(inFlightText); racer++) {
  void (async () => {
    for (;;) {
      // Yield to the event loop: loads resolve at once and would otherwise starve the commits.
      await new Promise((resolve) => setImmediate(resolve));
      const current = (await store.load('crash-race')) ?? {
        sessionId: 'crash-race',
        history: [],
        state: {},
        version: 0,
        updatedAt: 0,
      };
      await store.save({ ...current, state: { racer, padding } }).catch(() => undefined);
    }
  })();
}
await Promise.all(writers);
