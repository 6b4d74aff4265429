// Run by shared-shapes.test.ts in a child process: loads the sessions named on the command line,
// then saves one with a history of the given shape variant, printing each as a JSON line.
import { lmdbStore } from '../src/index.ts';
import { shapeVariants } from './shape-variants.ts';

const [path, variant, sessionId, ...readIds] = process.argv.slice(2);
const history = variant === undefined ? undefined : shapeVariants[variant]?.();
if (!path || !sessionId || !history)
  throw new Error('usage: shapes-writer <path> <variant> <session id> [ids to load...]');
const store = lmdbStore({ path });
for (const id of readIds) process.stdout.write(`${JSON.stringify({ loaded: await store.load(id) })}\n`);
const saved = await store.save({ sessionId, history, state: { by: 'child', variant }, version: 0, updatedAt: 0 });
process.stdout.write(`${JSON.stringify({ saved })}\n`);
await store.close();
