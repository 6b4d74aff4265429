import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionStore } from '@troupe/core';
import type { SessionDocument } from '@troupe/core/internal';
import { runSessionStoreContract } from '@troupe/store-testkit';
import { open } from 'lmdb';
import { afterAll } from 'vitest';
import { lmdbEnvironmentSettings, lmdbStore, openLmdbDatabases } from './lmdb-store.ts';
import { sessionKey } from './session-key.ts';

const root = mkdtempSync(join(tmpdir(), 'troupe-lmdb-contract-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const paths = new WeakMap<SessionStore, string>();
let next = 0;

function pathOf(store: SessionStore): string {
  const path = paths.get(store);
  if (!path) throw new Error('not a store of this test file');
  return path;
}

runSessionStoreContract({
  name: 'lmdbStore',
  commitsWithoutSnapshot: true,
  create: ({ clock }) => {
    const path = join(root, `store-${next++}`);
    const store = lmdbStore({ path, clock });
    paths.set(store, path);
    return store;
  },
  destroy: async (store) => {
    await store.close();
    rmSync(pathOf(store), { recursive: true, force: true });
  },
  reopen: (store, { clock }) => lmdbStore({ path: pathOf(store), clock }),
  attach: (store, { clock }) => lmdbStore({ path: pathOf(store), clock }),
  corrupt: async ({ store, sessionId, document }) => {
    // Damage from outside: the record's bytes change, its LMDB version stays.
    const raw = open({ path: pathOf(store), ...lmdbEnvironmentSettings });
    const { documents, codec } = openLmdbDatabases(raw);
    const key = sessionKey(sessionId);
    const version = documents.getEntry(key)?.version ?? 1;
    // Strings are raw bytes; anything else is written in the store's MessagePack record layout.
    const bytes =
      typeof document === 'string'
        ? Buffer.from(document, 'utf8')
        : codec.encode(document as SessionDocument, undefined, 'messagepack').bytes;
    await documents.put(key, bytes, version);
    await raw.close();
  },
});
