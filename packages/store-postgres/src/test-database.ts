import postgres, { type Sql } from 'postgres';

/** The PostgreSQL the tests use (CI starts it; developers run it locally). */
export const testDatabaseUrl = process.env.TROUPE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Connects to the test database and creates a fresh schema for one test file. Fails with a clear
 * message when PostgreSQL is not reachable: these tests never skip.
 */
export async function openTestSchema(label: string): Promise<{ sql: Sql; schema: string; drop(): Promise<void> }> {
  const sql = postgres(testDatabaseUrl, { max: 10, onnotice: () => {}, connect_timeout: 5 });
  const schema = `troupe_${label}_${process.pid}_${Date.now().toString(36)}`;
  try {
    await sql`create schema ${sql(schema)}`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    throw new Error(
      `PostgreSQL is not reachable at ${testDatabaseUrl} (${(error as Error).message}). The store-postgres tests need it: start PostgreSQL on 127.0.0.1:5432 with trust auth for user postgres and a database named test, or set TROUPE_TEST_POSTGRES_URL.`,
      { cause: error },
    );
  }
  return {
    sql,
    schema,
    async drop() {
      await sql`drop schema if exists ${sql(schema)} cascade`;
      await sql.end({ timeout: 5 });
    },
  };
}
