import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptSnapshotError, type Message, SESSION_FORMAT_VERSION } from '@troupe/core';
import { toSessionDocument } from '@troupe/core/internal';
import { newSnapshot } from '@troupe/store-testkit';
import { open, type RootDatabase } from 'lmdb';
import { Packr } from 'msgpackr';
import { afterAll, describe, expect, it } from 'vitest';
import { lmdbEnvironmentSettings, lmdbStore, openLmdbDatabases } from './lmdb-store.ts';
import { recordShapesKey, sessionKey } from './session-key.ts';

const directory = mkdtempSync(join(tmpdir(), 'troupe-lmdb-layout-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let next = 0;
const freshPath = () => join(directory, `store-${next++}`);

/** Runs `body` on a second handle of the environment at `path`, as another program would. */
async function withEnvironment<T>(path: string, body: (root: RootDatabase) => T | Promise<T>): Promise<T> {
  const root = open({ path, ...lmdbEnvironmentSettings });
  try {
    return await body(root);
  } finally {
    await root.close();
  }
}

const storedBytes = (path: string, sessionId: string) =>
  withEnvironment(path, (root) => openLmdbDatabases(root).documents.getBinary(sessionKey(sessionId)));

const storedShapes = (path: string) =>
  withEnvironment(path, (root) => {
    const bytes = openLmdbDatabases(root).documents.getBinary(recordShapesKey);
    return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as string[][]);
  });

/** A byte-for-byte replacement of the record of `sessionId`, keeping its LMDB version. */
const replaceRecord = (path: string, sessionId: string, change: (bytes: Buffer) => Buffer) =>
  withEnvironment(path, async (root) => {
    const { documents } = openLmdbDatabases(root);
    const entry = documents.getEntry(sessionKey(sessionId));
    if (!entry) throw new Error(`no record of ${sessionId}`);
    await documents.put(sessionKey(sessionId), change(Buffer.from(entry.value)), entry.version ?? 1);
  });

describe('lmdbStore record layouts', () => {
  it('writes plain JSON data as MessagePack with shared shapes of the document and its messages', async () => {
    const path = freshPath();
    const store = lmdbStore({ path });
    const saved = await store.save(newSnapshot('plain', { state: { nested: { list: [1, 'two', null, true] } } }));
    expect((await storedBytes(path, 'plain'))?.[0]).toBe(0x01);
    expect(await store.load('plain')).toEqual(saved);
    // The document and message shapes are shared; state objects (any shape) are defined in the record.
    expect(await storedShapes(path)).toEqual([
      ['formatVersion', 'sessionId', 'history', 'state', 'version', 'updatedAt'],
      ['role', 'content'],
    ]);
    await store.close();
  });

  it('writes data JSON would change in the JSON layout, so that it reads back as JSON makes it', async () => {
    const path = freshPath();
    const store = lmdbStore({ path });
    const state = {
      when: new Date(0),
      missing: undefined,
      notANumber: Number.NaN,
      holes: [1, undefined, 3],
      map: new Map([['a', 1]]),
    };
    const history: Message[] = [{ role: 'user', content: 'hi', extra: undefined } as Message];
    const saved = await store.save(newSnapshot('odd', { history, state }));
    expect((await storedBytes(path, 'odd'))?.[0]).toBe(0x00);
    const asJson = JSON.parse(JSON.stringify({ history, state }));
    expect(saved.state).toStrictEqual(asJson.state);
    expect(saved.history).toStrictEqual(asJson.history);
    expect(await store.load('odd')).toStrictEqual(saved);
    await store.close();
  });

  it('keeps unpaired surrogates and __proto__ keys, which MessagePack would change', async () => {
    const store = lmdbStore({ path: freshPath() });
    const state = JSON.parse('{"lone":"a\\ud800b","__proto__":{"kept":true}}') as Record<string, unknown>;
    const saved = await store.save(newSnapshot('unusual', { state }));
    const loaded = await store.load('unusual');
    expect(loaded).toStrictEqual(saved);
    expect(loaded?.state.lone).toBe('a\ud800b');
    expect(Object.getOwnPropertyDescriptor(loaded?.state, '__proto__')?.value).toEqual({ kept: true });
    await store.close();
  });

  it('returns from save a copy that shares no object with the input and equals a load', async () => {
    const store = lmdbStore({ path: freshPath() });
    const input = newSnapshot('copy', { state: { deep: { list: [{ a: 1 }] } } });
    const saved = await store.save(input);
    expect(saved.state).toEqual(input.state);
    expect(saved.state).not.toBe(input.state);
    expect(saved.state.deep).not.toBe(input.state.deep);
    expect((saved.state.deep as { list: unknown[] }).list[0]).not.toBe(
      (input.state.deep as { list: unknown[] }).list[0],
    );
    expect(saved.history[0]).not.toBe(input.history[0]);
    expect(await store.load('copy')).toStrictEqual(saved);
    await store.close();
  });

  it('reads and lists records of the JSON layout, and of ids too long to be a key', async () => {
    const path = freshPath();
    const longId = `long-${'é'.repeat(700)}`;
    const store = lmdbStore({ path });
    await store.save(newSnapshot('first'));
    await withEnvironment(path, async (root) => {
      const { documents, codec } = openLmdbDatabases(root);
      for (const [sessionId, storedId] of [
        ['json', undefined],
        [longId, longId],
      ] as const) {
        const document = toSessionDocument(newSnapshot(sessionId, { state: { layout: 'json' } }), 1, 42);
        await documents.put(sessionKey(sessionId), codec.encode(document, storedId, 'json').bytes, 1);
      }
    });
    expect(await store.load('json')).toEqual({
      ...newSnapshot('json', { state: { layout: 'json' } }),
      version: 1,
      updatedAt: 42,
    });
    expect((await store.load(longId))?.state).toEqual({ layout: 'json' });
    const listed = await store.list();
    expect(listed.sessions.map((summary) => summary.sessionId).sort()).toEqual(['first', 'json', longId].sort());
    expect(listed.sessions.find((summary) => summary.sessionId === longId)?.updatedAt).toBe(42);
    // A save over a JSON record writes MessagePack.
    await store.save({ ...newSnapshot('json'), version: 1 });
    expect((await storedBytes(path, 'json'))?.[0]).toBe(0x01);
    await store.close();
  });

  it('never lists the record shapes, also when every session is deleted', async () => {
    const store = lmdbStore({ path: freshPath() });
    await store.save(newSnapshot('only'));
    expect((await store.list()).sessions.map((summary) => summary.sessionId)).toEqual(['only']);
    await store.delete('only');
    expect((await store.list()).sessions).toEqual([]);
    expect((await store.save(newSnapshot('only'))).version).toBe(1);
    await store.close();
  });

  it('reads records with more distinct object shapes than the shared table holds', async () => {
    const path = freshPath();
    const store = lmdbStore({ path });
    // Objects of document field names, 35 distinct shapes (7 rotations, 5 lengths): the first 32
    // become shared, the rest are defined inside the record.
    const fields = ['type', 'text', 'id', 'name', 'data', 'signature', 'content'];
    const shapes = Array.from({ length: 35 }, (_, index) => {
      const keys = Array.from(
        { length: 2 + Math.floor(index / 7) },
        (_, offset) => fields[(index + offset) % 7] as string,
      );
      return Object.fromEntries(keys.map((key) => [key, `${key}-${index}`]));
    });
    const state = {
      shapes,
      keyed: Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`k${index}`, { [`v${index}`]: index }])),
    };
    const saved = await store.save(newSnapshot('many-shapes', { state }));
    expect(saved.state).toEqual(state);
    await store.close();
    const reopened = lmdbStore({ path });
    expect(await reopened.load('many-shapes')).toEqual(saved);
    expect((await storedShapes(path))?.length).toBe(32);
    await reopened.close();
  });

  it("lets two stores on one path add shapes the other has not seen and read each other's records", async () => {
    const path = freshPath();
    const first = lmdbStore({ path });
    const second = lmdbStore({ path });
    // Both learn the shapes there are now.
    await first.save(newSnapshot('warm-up'));
    expect((await second.load('warm-up'))?.version).toBe(1);
    const toolRound: Message[] = [
      { role: 'user', content: 'what is the weather?' },
      { role: 'assistant', content: [], toolCalls: [{ id: 'call-1', name: 'weather', arguments: { city: 'Oslo' } }] },
      { role: 'tool', toolCallId: 'call-1', toolName: 'weather', content: 'rain', isError: false },
    ];
    const reasoning: Message[] = [
      { content: 'reordered keys are another shape', role: 'user' } as Message,
      { role: 'assistant', content: [{ type: 'reasoning', text: 'thinking', signature: 'sig' }] },
    ];
    // Each adds shapes the other has not read; the second's append finds the table changed under it.
    const fromFirst = await first.save(newSnapshot('from-first', { history: toolRound }));
    const fromSecond = await second.save(newSnapshot('from-second', { history: reasoning }));
    expect(await first.load('from-second')).toEqual(fromSecond);
    expect(await second.load('from-first')).toEqual(fromFirst);
    const shapes = (await storedShapes(path)) ?? [];
    expect(new Set(shapes.map((shape) => shape.join(','))).size).toBe(shapes.length);
    expect(shapes).toContainEqual(['content', 'role']);
    expect(shapes).toContainEqual(['role', 'toolCallId', 'toolName', 'content', 'isError']);
    await first.close();
    await second.close();
    const reopened = lmdbStore({ path });
    expect(await reopened.load('from-first')).toEqual(fromFirst);
    expect(await reopened.load('from-second')).toEqual(fromSecond);
    await reopened.close();
  });

  describe('damaged MessagePack records load as CorruptSnapshotError naming the session', () => {
    const damages: [string, (bytes: Buffer) => Buffer][] = [
      ['cut short', (bytes) => bytes.subarray(0, bytes.length - 7)],
      ['with bytes after the document', (bytes) => Buffer.concat([bytes, Buffer.from([0xc0, 0xc0])])],
      [
        'naming a shape that was never stored',
        (bytes) => Buffer.concat([bytes.subarray(0, 13), Buffer.from([0x5f]), bytes.subarray(14)]),
      ],
      [
        'with its document replaced by noise',
        (bytes) => Buffer.concat([bytes.subarray(0, 13), Buffer.from('ffc1d4e3c7000000ff', 'hex')]),
      ],
    ];
    for (const [problem, damage] of damages) {
      it(problem, async () => {
        const path = freshPath();
        const store = lmdbStore({ path });
        const neighbour = await store.save(newSnapshot('neighbour'));
        await store.save(newSnapshot('damaged', { state: { some: ['state', 1] } }));
        await replaceRecord(path, 'damaged', damage);
        const error = await store.load('damaged').catch((failure: unknown) => failure);
        expect(CorruptSnapshotError.isInstance(error), String(error)).toBe(true);
        expect((error as CorruptSnapshotError).sessionId).toBe('damaged');
        expect(await store.load('neighbour')).toEqual(neighbour);
        await store.close();
      });
    }

    it('with values no save writes as MessagePack (a Date, a Map, undefined, a big integer)', async () => {
      const path = freshPath();
      const store = lmdbStore({ path });
      const neighbour = await store.save(newSnapshot('neighbour'));
      await store.save(newSnapshot('typed'));
      // Another encoder, with its own record definitions inside each message (which take the ids of
      // the shared shapes while that message is read).
      const foreign = new Packr({ moreTypes: true });
      for (const value of [new Date(0), new Map([[1, 2]]), undefined, 2n ** 70n, [undefined]]) {
        const document = {
          formatVersion: SESSION_FORMAT_VERSION,
          sessionId: 'typed',
          history: [],
          state: { value },
          version: 1,
          updatedAt: 1,
        };
        await replaceRecord(path, 'typed', (bytes) => Buffer.concat([bytes.subarray(0, 13), foreign.pack(document)]));
        const error = await store.load('typed').catch((failure: unknown) => failure);
        expect(CorruptSnapshotError.isInstance(error), `${String(value)}: ${String(error)}`).toBe(true);
        expect((error as CorruptSnapshotError).message).toMatch(/not plain JSON/);
      }
      expect(await store.load('neighbour')).toEqual(neighbour);
      await store.close();
    });
  });
});
