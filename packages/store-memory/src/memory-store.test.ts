import { runSessionStoreContract } from '@troupe/store-testkit';
import { memoryStore } from './memory-store.ts';

runSessionStoreContract({
  name: 'memoryStore',
  commitsWithoutSnapshot: true,
  create: ({ clock }) => memoryStore({ clock }),
  reopen: (store, { clock }) => memoryStore({ clock, records: (store as ReturnType<typeof memoryStore>).records }),
  attach: (store, { clock }) => memoryStore({ clock, records: (store as ReturnType<typeof memoryStore>).records }),
  corrupt: ({ store, sessionId, document }) => {
    (store as ReturnType<typeof memoryStore>).records.set(sessionId, document);
  },
});
