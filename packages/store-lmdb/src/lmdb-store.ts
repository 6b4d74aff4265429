import {
  type Clock,
  ConcurrentWriteError,
  CorruptSnapshotError,
  InvalidArgumentError,
  type ListSessionsOptions,
  type SessionPage,
  type SessionSnapshot,
  type SessionStore,
  type SessionSummary,
  StoreError,
  systemClock,
} from '@troupe/core';
import {
  assertSessionId,
  assertSnapshotInput,
  type CommittingStore,
  commitSnapshot,
  decodeSessionDocument,
  lazySnapshot,
  resolveListOptions,
  toSessionDocument,
} from '@troupe/core/internal';
import { type Database, getLastVersion, open, type RootDatabase } from 'lmdb';
import { decodeListing, type EncodedRecord, type RecordCodec, recordCodec } from './record-encoding.ts';
import { lmdbStructureStorage } from './record-structures.ts';
import { isHashedKey, isReservedKey, keyPrefixOf, recordShapesKey, sessionKey } from './session-key.ts';

/** Options of {@link lmdbStore}. */
export interface LmdbStoreOptions {
  /** The directory of the LMDB environment (created when missing). */
  path: string;
  /** Sets `updatedAt` on save. Default: the system clock. */
  clock?: Clock;
}

/** Names of the LMDB databases inside the environment. */
export const lmdbDatabaseNames = { documents: 'troupe_sessions' } as const;

/** The settings every handle on a store's environment must use (shared with tests and benchmarks). */
export const lmdbEnvironmentSettings = {
  // Every save resolves only once its transaction is synced to disk: an acknowledged save survives
  // a crash of the process or of the machine.
  overlappingSync: false,
  useVersions: true,
  keyEncoding: 'binary',
  encoding: 'binary',
} as const;

/** The database of a store's environment, and the record codec that goes with it. */
export interface LmdbDatabases {
  /** One record per session, keyed by {@link sessionKey}, and the shared record shapes. */
  documents: Database<Buffer, Buffer>;
  /** Encodes and decodes records with the shapes shared by every handle on the environment. */
  codec: RecordCodec;
}

/**
 * Opens (creating when missing) the database of a store in `root` (shared with tests). The shapes
 * live in it under a reserved key rather than in a database of their own: every named database
 * of an environment makes each commit a little slower.
 */
export function openLmdbDatabases(root: RootDatabase): LmdbDatabases {
  const documents: Database<Buffer, Buffer> = root.openDB({
    name: lmdbDatabaseNames.documents,
    ...lmdbEnvironmentSettings,
  });
  return { documents, codec: recordCodec(lmdbStructureStorage(documents, recordShapesKey)) };
}

/** lmdb-js's `put` with options (MDB_NOOVERWRITE and a version), which its types do not declare. */
type PutIfAbsent = (key: Buffer, value: Buffer, options: { version: number; noOverwrite: true }) => Promise<boolean>;

function storeFailure(operation: string, sessionId: string | undefined, cause: unknown): StoreError {
  if (StoreError.isInstance(cause) || InvalidArgumentError.isInstance(cause)) return cause as StoreError;
  const subject = sessionId === undefined ? '' : ` of session ${JSON.stringify(sessionId)}`;
  return new StoreError(`lmdbStore: ${operation}()${subject} failed: ${String((cause as Error)?.message ?? cause)}`, {
    cause,
    sessionId,
  });
}

/**
 * A durable {@link SessionStore} in an LMDB environment on local disk. Each save is one
 * compare-and-set on the record's LMDB version, committed and synced before it resolves; several
 * processes may open the same path.
 */
export function lmdbStore(options: LmdbStoreOptions): SessionStore {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new InvalidArgumentError('lmdbStore needs a `path`: the directory to keep sessions in.');
  }
  const clock = options.clock ?? systemClock;
  let root: RootDatabase;
  try {
    root = open({ path: options.path, ...lmdbEnvironmentSettings });
  } catch (error) {
    throw new StoreError(`lmdbStore could not open ${JSON.stringify(options.path)}: ${(error as Error).message}`, {
      cause: error,
      remedy: 'Check that the directory is writable and not on a network file system.',
    });
  }
  const { documents, codec } = openLmdbDatabases(root);
  const putIfAbsent = documents.put.bind(documents) as unknown as PutIfAbsent;
  let closing: Promise<void> | undefined;

  const assertOpen = (operation: string, sessionId?: string) => {
    if (closing) {
      throw new StoreError(`lmdbStore: ${operation}() was called after close().`, {
        sessionId,
        remedy: 'Open a new store on the path; a closed one takes no more calls.',
      });
    }
  };

  const readSnapshot = (sessionId: string, key: Buffer): SessionSnapshot | undefined => {
    const entry = documents.getEntry(key);
    if (entry === undefined) return undefined;
    const snapshot = decodeSessionDocument(sessionId, codec.decodeStored(sessionId, entry.value));
    const entryVersion = entry.version;
    if (entryVersion !== snapshot.version) {
      throw new CorruptSnapshotError(
        `The stored record of session ${JSON.stringify(sessionId)} is corrupt: it says version ${snapshot.version} but is stored as version ${entryVersion}.`,
        { sessionId },
      );
    }
    return snapshot;
  };

  const conflictOf = (sessionId: string, expectedVersion: number, key: Buffer): Error => {
    // Reading the record decides between a plain conflict and a record this store cannot read,
    // which it then refuses to overwrite.
    const stored = readSnapshot(sessionId, key);
    const actualVersion = stored?.version ?? 0;
    return new ConcurrentWriteError(
      `Session ${JSON.stringify(sessionId)} is at version ${actualVersion}, but the save was based on version ${expectedVersion}; nothing was written.`,
      { sessionId, expectedVersion, actualVersion },
    );
  };

  /** Checks, encodes and writes `snapshot` (see `save`); resolves with what was written. */
  const write = async (
    snapshot: SessionSnapshot,
  ): Promise<{ record: EncodedRecord; version: number; updatedAt: number }> => {
    assertOpen('save', snapshot?.sessionId);
    assertSnapshotInput(snapshot);
    const { sessionId, version: expectedVersion } = snapshot;
    const key = sessionKey(sessionId);
    const version = expectedVersion + 1;
    const updatedAt = clock.now();
    let record: EncodedRecord;
    let written: boolean;
    try {
      // Encoded before the first await, so the caller may change its objects while the save runs.
      record = codec.encode(toSessionDocument(snapshot, version, updatedAt), isHashedKey(key) ? sessionId : undefined);
      // One conditional put, committed in the next batched transaction: a first save writes only
      // when the key is absent, a later one only when the stored entry has the expected version.
      written = await (expectedVersion === 0
        ? putIfAbsent(key, record.bytes, { version, noOverwrite: true })
        : documents.put(key, record.bytes, version, expectedVersion));
    } catch (error) {
      throw storeFailure('save', sessionId, error);
    }
    if (!written) throw conflictOf(sessionId, expectedVersion, key);
    return { record, version, updatedAt };
  };

  const store: SessionStore & CommittingStore = {
    async load(sessionId) {
      assertOpen('load', sessionId);
      assertSessionId(sessionId, 'load');
      try {
        return readSnapshot(sessionId, sessionKey(sessionId));
      } catch (error) {
        throw storeFailure('load', sessionId, error);
      }
    },

    async save(snapshot) {
      const { record, version, updatedAt } = await write(snapshot);
      // History and state are decoded from the bytes just written when first read: they share
      // nothing with the caller's objects and equal what a load returns (the snapshot was validated
      // before writing, so they are not validated again). A caller reading only the version pays nothing.
      return lazySnapshot({ sessionId: snapshot.sessionId, version, updatedAt }, () => codec.documentOf(record));
    },

    async [commitSnapshot](snapshot: SessionSnapshot) {
      return (await write(snapshot)).version;
    },

    async delete(sessionId) {
      assertOpen('delete', sessionId);
      assertSessionId(sessionId, 'delete');
      const key = sessionKey(sessionId);
      try {
        await documents.remove(key);
      } catch (error) {
        throw storeFailure('delete', sessionId, error);
      }
    },

    async list(listOptions?: ListSessionsOptions): Promise<SessionPage> {
      assertOpen('list');
      const { prefix, limit, after } = resolveListOptions(listOptions);
      const scanPrefix = keyPrefixOf(prefix);
      const afterKey = after === undefined ? undefined : sessionKey(after);
      const start = afterKey ?? (scanPrefix.length > 0 ? scanPrefix : undefined);
      const sessions: SessionSummary[] = [];
      let more = false;
      try {
        for (const key of documents.getKeys({ start })) {
          if (key.subarray(0, scanPrefix.length).compare(scanPrefix) !== 0) break;
          if (isReservedKey(key)) continue;
          if (afterKey?.equals(key)) continue;
          // Only the head of each record is read, from LMDB's memory without copying the document.
          const bytes = documents.getBinaryFast(key);
          if (bytes === undefined) continue; // deleted since the scan passed it
          const version = getLastVersion();
          const stored = decodeListing(key, bytes);
          const sessionId = stored.sessionId ?? key.toString('utf8');
          if (!sessionId.startsWith(prefix)) continue;
          if (sessions.length === limit) {
            more = true;
            break;
          }
          sessions.push({ sessionId, version, updatedAt: stored.updatedAt });
        }
      } catch (error) {
        throw storeFailure('list', undefined, error);
      }
      const last = sessions.at(-1);
      return more && last ? { sessions, cursor: last.sessionId } : { sessions };
    },

    close() {
      closing ??= root.close().catch((error: unknown) => {
        throw storeFailure('close', undefined, error);
      });
      return closing;
    },
  };
  return store;
}
