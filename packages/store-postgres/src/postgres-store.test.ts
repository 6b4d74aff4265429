import type { SessionStore } from '@troupe/core';
import { runSessionStoreContract } from '@troupe/store-testkit';
import type { Sql } from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { postgresStore } from './postgres-store.ts';
import { openTestSchema, testDatabaseUrl } from './test-database.ts';

let database: Awaited<ReturnType<typeof openTestSchema>>;
beforeAll(async () => {
  database = await openTestSchema('contract');
});
afterAll(() => database?.drop());

const tables = new WeakMap<SessionStore, string>();
let next = 0;

function tableOf(store: SessionStore): string {
  const table = tables.get(store);
  if (!table) throw new Error('not a store of this test file');
  return table;
}

function sqlOf(): Sql {
  if (!database) throw new Error('the test schema was not created (is PostgreSQL running?)');
  return database.sql;
}

runSessionStoreContract({
  name: 'postgresStore',
  // Most stores share the file's pool (which they must not end); `attach` opens a second pool.
  create: ({ clock }) => {
    const table = `sessions_${next++}`;
    const store = postgresStore({ sql: sqlOf(), schema: database.schema, table, clock });
    tables.set(store, table);
    return store;
  },
  destroy: async (store) => {
    await store.close();
    await sqlOf()`drop table if exists ${sqlOf()(`${database.schema}.${tableOf(store)}`)}`;
  },
  reopen: (store, { clock }) =>
    postgresStore({ url: testDatabaseUrl, schema: database.schema, table: tableOf(store), clock }),
  attach: (store, { clock }) =>
    postgresStore({ url: testDatabaseUrl, schema: database.schema, table: tableOf(store), clock, maxConnections: 5 }),
  corrupt: async ({ store, sessionId, document }) => {
    const sql = sqlOf();
    const table = sql(`${database.schema}.${tableOf(store)}`);
    await sql`update ${table} set document = ${JSON.stringify(document)}::text::jsonb where session_id = ${sessionId}`;
  },
});
