import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptSnapshotError, InvalidArgumentError, StoreError } from '@troupe/core';
import { newSnapshot } from '@troupe/store-testkit';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { lmdbDatabaseNames, lmdbEnvironmentSettings, lmdbStore } from './lmdb-store.ts';
import { sessionKey } from './session-key.ts';

const directory = mkdtempSync(join(tmpdir(), 'troupe-lmdb-options-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('lmdbStore options and failures', () => {
  it('rejects a missing or empty path with InvalidArgumentError', () => {
    expect(() => lmdbStore({ path: '' })).toThrow(InvalidArgumentError);
    expect(() => lmdbStore({} as { path: string })).toThrow(/needs a `path`/);
  });

  it('fails with StoreError naming the path when it cannot be opened', () => {
    const file = join(directory, 'a-file');
    writeFileSync(file, 'not a directory');
    let caught: unknown;
    try {
      lmdbStore({ path: join(file, 'below') });
    } catch (error) {
      caught = error;
    }
    expect(StoreError.isInstance(caught)).toBe(true);
    expect((caught as StoreError).message).toContain('below');
  });

  it('reports a record whose LMDB version disagrees with its document as corrupt', async () => {
    const path = join(directory, 'mismatch');
    const store = lmdbStore({ path });
    const saved = await store.save(newSnapshot('mismatch'));
    const raw = open({ path, ...lmdbEnvironmentSettings });
    const documents = raw.openDB<Buffer, Buffer>({ name: lmdbDatabaseNames.documents, ...lmdbEnvironmentSettings });
    await documents.put(sessionKey('mismatch'), Buffer.from(JSON.stringify({ ...saved, formatVersion: 1 })), 9);
    await raw.close();
    const error = await store.load('mismatch').catch((failure: unknown) => failure);
    expect(CorruptSnapshotError.isInstance(error)).toBe(true);
    expect((error as CorruptSnapshotError).message).toMatch(/version 1 but is stored as version 9/);
    await store.close();
  });

  it('reads and lists records stored as bare JSON, the layout before the record head', async () => {
    const path = join(directory, 'bare-json');
    const store = lmdbStore({ path });
    await store.save(newSnapshot('bare', { state: { kept: true } }));
    const raw = open({ path, ...lmdbEnvironmentSettings });
    const documents = raw.openDB<Buffer, Buffer>({ name: lmdbDatabaseNames.documents, ...lmdbEnvironmentSettings });
    const bare = { formatVersion: 1, sessionId: 'bare', history: [], state: { bare: true }, version: 1, updatedAt: 42 };
    await documents.put(sessionKey('bare'), Buffer.from(JSON.stringify(bare)), 1);
    await raw.close();
    expect(await store.load('bare')).toEqual({
      sessionId: 'bare',
      history: [],
      state: { bare: true },
      version: 1,
      updatedAt: 42,
    });
    expect((await store.list()).sessions).toEqual([{ sessionId: 'bare', version: 1, updatedAt: 42 }]);
    const saved = await store.save({
      sessionId: 'bare',
      history: [],
      state: { bare: false },
      version: 1,
      updatedAt: 42,
    });
    expect((await store.list()).sessions).toEqual([{ sessionId: 'bare', version: 2, updatedAt: saved.updatedAt }]);
    await store.close();
  });

  it('fails list with CorruptSnapshotError naming the session when a record head is damaged', async () => {
    const path = join(directory, 'damaged-head');
    const store = lmdbStore({ path });
    await store.save(newSnapshot('damaged-head'));
    const raw = open({ path, ...lmdbEnvironmentSettings });
    const documents = raw.openDB<Buffer, Buffer>({ name: lmdbDatabaseNames.documents, ...lmdbEnvironmentSettings });
    await documents.put(sessionKey('damaged-head'), Buffer.from([0, 1, 2]), 1);
    await raw.close();
    for (const attempt of [store.list(), store.load('damaged-head')]) {
      const error = await attempt.catch((failure: unknown) => failure);
      expect(CorruptSnapshotError.isInstance(error)).toBe(true);
      expect((error as CorruptSnapshotError).sessionId).toBe('damaged-head');
    }
    await store.close();
  });

  it('keeps ids longer than a key apart even when they share a long prefix', async () => {
    const store = lmdbStore({ path: join(directory, 'long') });
    const shared = 'é'.repeat(600);
    const ids = [`${shared}-one`, `${shared}-two`, `${shared}`];
    for (const id of ids) await store.save(newSnapshot(id, { state: { id } }));
    for (const id of ids) expect((await store.load(id))?.state).toEqual({ id });
    const listed = await store.list({ prefix: `${shared}-` });
    expect(listed.sessions.map((summary) => summary.sessionId).sort()).toEqual(ids.slice(0, 2).sort());
    await store.close();
  });
});
