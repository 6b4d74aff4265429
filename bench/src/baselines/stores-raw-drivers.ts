import type { SessionSnapshot } from '@troupe/core';
import { open } from 'lmdb';
import postgres, { type Sql } from 'postgres';

/**
 * What a user writing to lmdb-js directly would do for a session save: a versioned put that only
 * lands when the stored version matches, with the same durability settings as `lmdbStore`.
 */
export function rawLmdb(path: string) {
  const root = open({ path, useVersions: true, overlappingSync: false });
  return {
    /** Conditional put of `snapshot` at version + 1; true when written. */
    put(key: string, snapshot: SessionSnapshot): Promise<boolean> {
      const { version } = snapshot;
      return version === 0
        ? root.ifNoExists(key, () => root.put(key, { ...snapshot, version: 1 }, 1))
        : root.put(key, { ...snapshot, version: version + 1 }, version + 1, version);
    },
    close: () => root.close(),
  };
}

/** The same conditional write as `postgresStore`, as one hand-written postgres.js statement. */
export function rawPostgres(url: string, table: string) {
  const sql: Sql = postgres(url, { max: 10, onnotice: () => {} });
  return {
    async setup() {
      await sql`create table if not exists ${sql(table)} (session_id text collate "C" primary key, version bigint not null, updated_at timestamptz not null, document jsonb not null)`;
    },
    /** Conditional update (or insert for version 0); true when written. */
    async put(snapshot: SessionSnapshot): Promise<boolean> {
      const updatedAt = Date.now();
      const text = JSON.stringify({ ...snapshot, version: snapshot.version + 1, updatedAt });
      const rows =
        snapshot.version === 0
          ? await sql`insert into ${sql(table)} values (${snapshot.sessionId}, 1, 'epoch'::timestamptz + ${updatedAt}::float8 * interval '1 millisecond', ${text}::text::jsonb) on conflict do nothing returning 1`
          : await sql`update ${sql(table)} set version = ${snapshot.version + 1}, updated_at = 'epoch'::timestamptz + ${updatedAt}::float8 * interval '1 millisecond', document = ${text}::text::jsonb
              where session_id = ${snapshot.sessionId} and version = ${snapshot.version} returning 1`;
      return rows.length === 1;
    },
    async close() {
      await sql`drop table if exists ${sql(table)}`;
      await sql.end({ timeout: 5 });
    },
  };
}
