import { ConcurrentWriteError, InvalidArgumentError, StoreError } from '@troupe/core';
import { newSnapshot } from '@troupe/store-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresStore } from './postgres-store.ts';
import { openTestSchema, testDatabaseUrl } from './test-database.ts';

let database: Awaited<ReturnType<typeof openTestSchema>>;
beforeAll(async () => {
  database = await openTestSchema('options');
});
afterAll(() => database?.drop());

describe('postgresStore options', () => {
  it('needs exactly one of url and sql', () => {
    expect(() => postgresStore({})).toThrow(InvalidArgumentError);
    expect(() => postgresStore({ url: testDatabaseUrl, sql: database.sql })).toThrow(/exactly one of/);
  });

  it('rejects table and schema names that are not plain identifiers', () => {
    for (const table of ['sessions; drop table users', 'Sessions', '1sessions', 'a.b', 'x'.repeat(64), '']) {
      expect(() => postgresStore({ sql: database.sql, table })).toThrow(InvalidArgumentError);
    }
    expect(() => postgresStore({ sql: database.sql, schema: 'public"; --' })).toThrow(/schema/);
  });

  it('creates its schema and table on first use, and migrate() is idempotent and safe to run concurrently', async () => {
    const schema = `${database.schema}_created`;
    const stores = Array.from({ length: 4 }, () => postgresStore({ sql: database.sql, schema, table: 'made_here' }));
    await Promise.all(stores.map((store) => store.migrate()));
    await Promise.all(stores.map((store) => store.migrate()));
    const [first] = stores;
    await first?.save(newSnapshot('exists'));
    const [row] = await database.sql`select jsonb_typeof(document) as kind, document->>'formatVersion' as format
      from ${database.sql(`${schema}.made_here`)} where session_id = 'exists'`;
    expect(row).toEqual({ kind: 'object', format: '1' });
    for (const store of stores) await store.close();
    await database.sql`drop schema ${database.sql(schema)} cascade`;
  });

  it('does not end a pool it was given, and ends the one it created', async () => {
    const given = postgresStore({ sql: database.sql, schema: database.schema, table: 'pools' });
    await given.save(newSnapshot('pooled'));
    await given.close();
    const [row] = await database.sql`select 1 as alive`;
    expect(row).toEqual({ alive: 1 });

    const owned = postgresStore({ url: testDatabaseUrl, schema: database.schema, table: 'pools' });
    expect((await owned.load('pooled'))?.version).toBe(1);
    await owned.close();
  });

  it('with createTable: false, fails clearly until migrate() has run', async () => {
    const store = postgresStore({ sql: database.sql, schema: database.schema, table: 'manual', createTable: false });
    const error = await store.load('x').catch((failure: unknown) => failure);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).message).toMatch(/manual/);
    await store.migrate();
    expect(await store.load('x')).toBeUndefined();
    await store.close();
  });

  it('rejects content PostgreSQL cannot store with InvalidArgumentError and writes nothing', async () => {
    const store = postgresStore({ sql: database.sql, schema: database.schema, table: 'nul' });
    const saved = await store.save(newSnapshot('nul'));
    const error = await store
      .save({ ...saved, history: [{ role: 'user', content: 'a\u0000b' }] })
      .catch((failure: unknown) => failure);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(await store.load('nul')).toEqual(saved);
    await store.close();
  });

  it('returns from save what a load returns, also for data JSON changes (Dates, undefined, NaN)', async () => {
    const store = postgresStore({ sql: database.sql, schema: database.schema, table: 'returned' });
    const plainState = { nested: { list: [1, 'two', null] } };
    const plain = await store.save(newSnapshot('plain', { state: plainState }));
    expect(plain.state).toEqual(plainState);
    expect(plain.state.nested).not.toBe(plainState.nested);
    expect(await store.load('plain')).toEqual(plain);
    const odd = { when: new Date(0), missing: undefined, notANumber: Number.NaN };
    const saved = await store.save(newSnapshot('odd', { state: odd }));
    expect(saved.state).toStrictEqual(JSON.parse(JSON.stringify(odd)));
    expect(await store.load('odd')).toStrictEqual(saved);
    await store.close();
  });

  it('fails with StoreError, not a crash, when the server is unreachable', async () => {
    const store = postgresStore({ url: 'postgres://postgres@127.0.0.1:1/test?connect_timeout=2', table: 'nowhere' });
    const error = await store.load('x').catch((failure: unknown) => failure);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).message).toMatch(/nowhere/);
    await store.close();
  });

  it('lets exactly one of 10 writers on two pools win, from a shared base', async () => {
    const a = postgresStore({ url: testDatabaseUrl, schema: database.schema, table: 'race', maxConnections: 5 });
    const b = postgresStore({ url: testDatabaseUrl, schema: database.schema, table: 'race', maxConnections: 5 });
    const base = await a.save(newSnapshot('race'));
    await b.load('race');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, writer) => (writer % 2 === 0 ? a : b).save({ ...base, state: { writer } })),
    );
    const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const losers = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(winners).toHaveLength(1);
    for (const loser of losers)
      expect(ConcurrentWriteError.isInstance((loser as PromiseRejectedResult).reason)).toBe(true);
    expect((await b.load('race'))?.version).toBe(2);
    await a.close();
    await b.close();
  });
});
