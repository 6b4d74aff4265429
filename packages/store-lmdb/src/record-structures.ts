import { type Database, TransactionFlags } from 'lmdb';
import type { StructureStorage } from './record-encoding.ts';

function isShapeList(value: unknown): value is string[][] {
  return (
    Array.isArray(value) &&
    value.every((shape) => Array.isArray(shape) && shape.every((key) => typeof key === 'string'))
  );
}

/**
 * Keeps the shared record shapes as one JSON list under `key` in `database`. Shapes are only ever appended, and
 * each append is a synchronous transaction that first checks nobody appended since this handle read
 * them, so every process on the environment agrees on what each id means. The append commits
 * before the put of the record that uses it is even queued, so no record durable on disk refers to a
 * shape that is not.
 */
export function lmdbStructureStorage(database: Database<Buffer, Buffer>, key: Buffer): StructureStorage {
  const read = (): string[][] | undefined => {
    const bytes = database.getBinary(key);
    if (bytes === undefined) return undefined;
    const shapes: unknown = JSON.parse(bytes.toString('utf8'));
    if (!isShapeList(shapes)) throw new Error('the shared record shapes of the environment are damaged');
    return shapes;
  };
  return {
    read,
    write(shapes, isCompatible) {
      // Committed (and, like every commit of the environment, synced) before this returns.
      return database.transactionSync(() => {
        if (!isCompatible(read())) return false;
        database.putSync(key, Buffer.from(JSON.stringify(shapes), 'utf8'));
        return true;
      }, TransactionFlags.SYNCHRONOUS_COMMIT);
    },
  };
}
