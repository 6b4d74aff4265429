import {
  type Clock,
  ConcurrentWriteError,
  CorruptSnapshotError,
  InvalidArgumentError,
  type ListSessionsOptions,
  type SessionPage,
  type SessionSnapshot,
  type SessionStore,
  StoreError,
  systemClock,
} from '@troupe/core';
import {
  assertSessionId,
  assertSnapshotInput,
  copyPlainJson,
  decodeSessionDocument,
  resolveListOptions,
  toSessionDocument,
} from '@troupe/core/internal';
import postgres, { type Sql } from 'postgres';
import { checkedIdentifier } from './identifier.ts';
import { prefixUpperBound } from './prefix-range.ts';

/** Options of {@link postgresStore}: give `url` or `sql`. */
export interface PostgresStoreOptions {
  /** A connection URL; the store creates its own pool and ends it on `close()`. */
  url?: string;
  /** A postgres.js instance to use instead; the store never ends it. */
  sql?: Sql;
  /** The table (created when missing). Default `troupe_sessions`. */
  table?: string;
  /** The schema of the table (created when missing). Default: the connection's `search_path`. */
  schema?: string;
  /** Create the schema and table on first use. Default true; set false to run {@link PostgresSessionStore.migrate} yourself. */
  createTable?: boolean;
  /** Connections in the pool the store creates from `url`. Default 10. */
  maxConnections?: number;
  /** Sets `updatedAt` on save. Default: the system clock. */
  clock?: Clock;
}

/** A {@link SessionStore} on PostgreSQL. */
export interface PostgresSessionStore extends SessionStore {
  /** Creates the schema and table when missing; safe to run concurrently and repeatedly. */
  migrate(): Promise<void>;
}

interface SessionRow {
  id: string;
  version: number;
  updated: number;
  document: unknown;
}

// SQLSTATEs of text PostgreSQL cannot store in jsonb (U+0000, unpaired surrogates).
const unstorableTextCodes = new Set(['22P05', '22P02', '22021']);

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * A {@link SessionStore} on PostgreSQL through postgres.js: one row per session with the document
 * in JSONB, and each save a single conditional INSERT or UPDATE.
 */
export function postgresStore(options: PostgresStoreOptions): PostgresSessionStore {
  if (!options || (options.url === undefined) === (options.sql === undefined)) {
    throw new InvalidArgumentError(
      'postgresStore needs exactly one of `url` (a connection URL) or `sql` (a postgres.js instance).',
    );
  }
  const table = checkedIdentifier(options.table ?? 'troupe_sessions', 'table');
  const schema = options.schema === undefined ? undefined : checkedIdentifier(options.schema, 'schema');
  const clock = options.clock ?? systemClock;
  const ownsPool = options.url !== undefined;
  const sql: Sql =
    options.sql ?? postgres(options.url as string, { max: options.maxConnections ?? 10, onnotice: () => {} });
  const where = schema === undefined ? 'the default schema' : `schema ${schema}`;
  // Identifiers are checked above and then escaped by postgres.js; values are always parameters.
  const tableName = schema === undefined ? sql(table) : sql(`${schema}.${table}`);
  let closing: Promise<void> | undefined;
  let ready: Promise<void> | undefined;

  const failure = (operation: string, sessionId: string | undefined, cause: unknown): Error => {
    if (
      StoreError.isInstance(cause) ||
      InvalidArgumentError.isInstance(cause) ||
      ConcurrentWriteError.isInstance(cause)
    ) {
      return cause as Error;
    }
    const subject = sessionId === undefined ? '' : ` of session ${JSON.stringify(sessionId)}`;
    return new StoreError(`postgresStore: ${operation}()${subject} on table ${table} failed: ${describeCause(cause)}`, {
      cause,
      sessionId,
    });
  };

  const migrate = async () => {
    await sql.begin(async (transaction) => {
      // Serialises concurrent migrations (several processes starting at once): CREATE ... IF NOT
      // EXISTS alone can still collide on the catalog.
      await transaction`select pg_advisory_xact_lock(hashtext(${`troupe:${schema ?? ''}.${table}`}))`;
      if (schema !== undefined) await transaction`create schema if not exists ${sql(schema)}`;
      await transaction`
        create table if not exists ${tableName} (
          session_id text collate "C" primary key,
          version bigint not null check (version > 0),
          updated_at timestamptz not null,
          document jsonb not null
        )`;
    });
  };

  const assertOpen = (operation: string, sessionId?: string) => {
    if (closing) {
      throw new StoreError(`postgresStore: ${operation}() was called after close().`, {
        sessionId,
        remedy: 'Create a new store; a closed one takes no more calls.',
      });
    }
  };

  const whenReady = async () => {
    if (options.createTable === false) return;
    ready ??= migrate().catch((error: unknown) => {
      ready = undefined;
      throw new StoreError(`postgresStore could not create table ${table} in ${where}: ${describeCause(error)}`, {
        cause: error,
        remedy: 'Check that PostgreSQL is reachable and the user may create tables, or create it with migrate().',
      });
    });
    await ready;
  };

  const readRow = async (sessionId: string): Promise<SessionRow | undefined> => {
    const [row] = await sql<SessionRow[]>`
      select session_id as id, version::float8 as version,
             (extract(epoch from updated_at) * 1000)::float8 as updated, document
      from ${tableName} where session_id = ${sessionId}`;
    return row;
  };

  const decodeRow = (sessionId: string, row: SessionRow): SessionSnapshot => {
    const snapshot = decodeSessionDocument(sessionId, row.document);
    if (snapshot.version !== row.version) {
      throw new CorruptSnapshotError(
        `The stored record of session ${JSON.stringify(sessionId)} is corrupt: its document says version ${snapshot.version} but its row says ${row.version}.`,
        { sessionId },
      );
    }
    return snapshot;
  };

  return {
    migrate: async () => {
      if (closing) throw new StoreError('postgresStore: migrate() was called after close().');
      try {
        await migrate();
      } catch (error) {
        throw failure('migrate', undefined, error);
      }
    },

    async load(sessionId) {
      assertOpen('load', sessionId);
      assertSessionId(sessionId, 'load');
      await whenReady();
      try {
        const row = await readRow(sessionId);
        return row === undefined ? undefined : decodeRow(sessionId, row);
      } catch (error) {
        throw failure('load', sessionId, error);
      }
    },

    async save(snapshot) {
      assertOpen('save', snapshot?.sessionId);
      assertSnapshotInput(snapshot);
      const { sessionId, version: expectedVersion } = snapshot;
      const version = expectedVersion + 1;
      const updatedAt = clock.now();
      // Copied and serialised before the first await, so the caller may change its objects while
      // the save runs. For plain JSON data the copy is what gets written and what the save returns
      // (far cheaper than parsing the text back); other data (Dates, undefined...) is returned as
      // JSON makes it, by parsing the text.
      const history = copyPlainJson(snapshot.history);
      const state = history === undefined ? undefined : copyPlainJson(snapshot.state);
      const copied = history !== undefined && state !== undefined ? { ...snapshot, history, state } : snapshot;
      const text = JSON.stringify(toSessionDocument(copied, version, updatedAt));
      await whenReady();
      let written: { length: number };
      try {
        written =
          expectedVersion === 0
            ? await sql`
                insert into ${tableName} (session_id, version, updated_at, document)
                values (${sessionId}, 1, 'epoch'::timestamptz + ${updatedAt}::float8 * interval '1 millisecond', ${text}::text::jsonb)
                on conflict (session_id) do nothing
                returning 1`
            : await sql`
                update ${tableName}
                set version = ${version}, updated_at = 'epoch'::timestamptz + ${updatedAt}::float8 * interval '1 millisecond', document = ${text}::text::jsonb
                where session_id = ${sessionId} and version = ${expectedVersion}
                returning 1`;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && unstorableTextCodes.has(code)) {
          throw new InvalidArgumentError(
            `save() of session ${JSON.stringify(sessionId)}: PostgreSQL cannot store its content (${describeCause(error)}); nothing was written.`,
            { cause: error, remedy: 'Remove U+0000 characters and unpaired surrogates from history and state.' },
          );
        }
        throw failure('save', sessionId, error);
      }
      if (written.length === 1) {
        if (history !== undefined && state !== undefined) return { sessionId, history, state, version, updatedAt };
        return decodeSessionDocument(sessionId, JSON.parse(text));
      }
      // Not written: read what is there to tell a conflict from a record this store cannot read.
      let row: SessionRow | undefined;
      try {
        row = await readRow(sessionId);
      } catch (error) {
        throw failure('save', sessionId, error);
      }
      const actualVersion = row === undefined ? 0 : decodeRow(sessionId, row).version;
      throw new ConcurrentWriteError(
        `Session ${JSON.stringify(sessionId)} is at version ${actualVersion}, but the save was based on version ${expectedVersion}; nothing was written.`,
        { sessionId, expectedVersion, actualVersion },
      );
    },

    async delete(sessionId) {
      assertOpen('delete', sessionId);
      assertSessionId(sessionId, 'delete');
      await whenReady();
      try {
        await sql`delete from ${tableName} where session_id = ${sessionId}`;
      } catch (error) {
        throw failure('delete', sessionId, error);
      }
    },

    async list(listOptions?: ListSessionsOptions): Promise<SessionPage> {
      assertOpen('list');
      const { prefix, limit, after } = resolveListOptions(listOptions);
      await whenReady();
      const upper = prefix === '' ? undefined : prefixUpperBound(prefix);
      let rows: SessionRow[];
      try {
        rows = await sql<SessionRow[]>`
          select session_id as id, version::float8 as version,
                 (extract(epoch from updated_at) * 1000)::float8 as updated
          from ${tableName}
          where session_id >= ${prefix}
            ${upper === undefined ? sql`` : sql`and session_id < ${upper}`}
            and starts_with(session_id, ${prefix})
            ${after === undefined ? sql`` : sql`and session_id > ${after}`}
          order by session_id
          limit ${limit + 1}`;
      } catch (error) {
        throw failure('list', undefined, error);
      }
      const sessions = rows
        .slice(0, limit)
        .map((row) => ({ sessionId: row.id, version: row.version, updatedAt: row.updated }));
      const last = sessions.at(-1);
      return rows.length > limit && last ? { sessions, cursor: last.sessionId } : { sessions };
    },

    close() {
      closing ??= ownsPool
        ? sql.end({ timeout: 5 }).catch((error: unknown) => {
            throw failure('close', undefined, error);
          })
        : Promise.resolve();
      return closing;
    },
  };
}
