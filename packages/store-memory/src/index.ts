export { type MemorySessionStore, type MemoryStoreOptions, memoryStore } from './memory-store.ts';
