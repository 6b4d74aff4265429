export { type PostgresSessionStore, type PostgresStoreOptions, postgresStore } from './postgres-store.ts';
