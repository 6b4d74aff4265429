import { CorruptSnapshotError, InvalidArgumentError } from '@troupe/core';
import { isPlainJson, type SessionDocument } from '@troupe/core/internal';
import { Packr, type Options as PackrOptions, RESERVE_START_SPACE } from 'msgpackr';

/** What `list` reads from the head of a record, without decoding its document. */
export interface RecordListing {
  /** When the session was last saved. */
  updatedAt: number;
  /** The id, present only for ids too long to be their own key. */
  sessionId?: string;
}

/** A record ready to store. */
export interface EncodedRecord {
  /** The bytes to store. */
  bytes: Buffer;
  /** The JSON text of the document (JSON records). */
  text?: string;
}

/** Where the object shapes that MessagePack records refer to are kept (shared by every handle on the environment). */
export interface StructureStorage {
  /** The shapes stored so far, in id order; undefined when none are. */
  read(): string[][] | undefined;
  /**
   * Stores `structures` in one transaction, unless `isCompatible` says the stored ones changed
   * since this process read them (another handle added shapes first): then returns false.
   */
  write(structures: string[][], isCompatible: (stored: string[][] | undefined) => boolean): boolean;
}

/** How a record keeps its document. */
export type RecordLayout = 'messagepack' | 'json';

/** Encodes documents into records and decodes them back, with the shared shapes of one environment. */
export interface RecordCodec {
  /**
   * The record of `document`; `storedId` is the id to keep in the head (ids too long to be a key).
   * The layout is MessagePack when history and state are plain JSON, else JSON; tests may force one.
   */
  encode(document: SessionDocument, storedId: string | undefined, layout?: RecordLayout): EncodedRecord;
  /**
   * The document in a record `encode` made, decoded from its bytes: as a load would return it and
   * sharing nothing with the one passed to `encode` (nor with anything the codec keeps), without
   * checking it again.
   */
  documentOf(record: EncodedRecord): SessionDocument;
  /** Decodes a stored record; throws `CorruptSnapshotError` naming the session when unreadable. */
  decodeStored(sessionId: string, bytes: Buffer): unknown;
}

// Layout: a marker byte, updatedAt as float64, the byte length of the stored id as uint32, the id
// (only for ids too long to be their own key), then the document. The head lets `list` read what it
// needs without a second database or decoding the document.
//   0x01: the document in MessagePack, objects as records whose shapes (key lists) are kept in the
//         environment and shared by all records; written for every document of plain JSON data.
//   0x00: the document as UTF-8 JSON; written when history or state is not plain JSON data
//         (undefined, NaN, Dates, Maps, unpaired surrogates, a `__proto__` key...: see
//         `isPlainJson`), so that such data is stored as JSON makes it, like every other store
//         does. It was the only layout before 0x01.
//   '{':  bare JSON without a head, the first layout.
const messagePackMarker = 0x01;
const jsonMarker = 0x00;
const legacyMarker = 0x7b;
const headBytes = 13;

// The field names of the session document and its messages, content parts and tool calls: their
// shapes repeat in every record. Only shapes made of these names are shared (at most 32 shapes);
// other objects (state, tool arguments, provider metadata) are written as records defined inside
// each record, so arbitrary user data never fills the shared table, and the synchronous commit
// that extends it happens a bounded number of times in the life of an environment.
const documentFields = new Set([
  'formatVersion',
  'sessionId',
  'history',
  'state',
  'version',
  'updatedAt',
  'role',
  'content',
  'toolCalls',
  'toolCallId',
  'toolName',
  'isError',
  'type',
  'text',
  'signature',
  'providerMetadata',
  'mediaType',
  'data',
  'id',
  'name',
  'arguments',
]);

function isDocumentShape(keys: string[]): boolean {
  for (const key of keys) if (!documentFields.has(key)) return false;
  return true;
}

function corruptRecord(sessionId: string | undefined, problem: string, cause?: unknown): CorruptSnapshotError {
  return new CorruptSnapshotError(
    `The stored record of session ${JSON.stringify(sessionId ?? '(long id)')} is corrupt: ${problem}.`,
    { cause, sessionId },
  );
}

function parseJson(sessionId: string | undefined, bytes: Buffer, start: number): unknown {
  try {
    return JSON.parse(bytes.toString('utf8', start));
  } catch (error) {
    throw corruptRecord(sessionId, 'its document is not valid JSON', error);
  }
}

/** Where the document of a record with a head starts, or undefined when the head is damaged. */
function documentStart(bytes: Buffer): number | undefined {
  if (bytes.length < headBytes) return undefined;
  const start = headBytes + bytes.readUInt32LE(9);
  return start <= bytes.length ? start : undefined;
}

/** Writes the head of a record whose first byte, the layout marker, is already set. */
function writeHead(bytes: Buffer, updatedAt: number, idLength: number): void {
  bytes.writeDoubleLE(updatedAt, 1);
  bytes.writeUInt32LE(idLength, 9);
}

function jsonRecord(document: SessionDocument, storedId: string | undefined): EncodedRecord {
  let text: string;
  try {
    text = JSON.stringify(document);
  } catch (error) {
    throw new InvalidArgumentError(
      `save() of session ${JSON.stringify(document.sessionId)}: history or state cannot be written as JSON (${(error as Error).message}); nothing was written.`,
      { cause: error, remedy: 'Store plain JSON data only: no BigInts and no cycles.' },
    );
  }
  const idLength = storedId === undefined ? 0 : Buffer.byteLength(storedId, 'utf8');
  const bytes = Buffer.allocUnsafe(headBytes + idLength + Buffer.byteLength(text, 'utf8'));
  bytes[0] = jsonMarker;
  writeHead(bytes, document.updatedAt, idLength);
  if (storedId !== undefined) bytes.write(storedId, headBytes, 'utf8');
  bytes.write(text, headBytes + idLength, 'utf8');
  return { bytes, text };
}

/** The codec of one store handle; shapes are read from and added to `structures`. */
export function recordCodec(structures: StructureStorage): RecordCodec {
  const options: PackrOptions = {
    getStructures: () => structures.read() ?? [],
    // msgpackr passes a compatibility check its declared types leave out.
    saveStructures: ((shapes: string[][], isCompatible: (stored: string[][] | undefined) => boolean) =>
      structures.write(shapes, isCompatible)) as PackrOptions['saveStructures'],
    shouldShareStructure: isDocumentShape,
  };
  const packr = new Packr(options);

  return {
    encode(document, storedId, layout) {
      if (
        layout === 'json' ||
        (layout === undefined && !(isPlainJson(document.history) && isPlainJson(document.state)))
      ) {
        return jsonRecord(document, storedId);
      }
      if (storedId === undefined) {
        // The head is written into space reserved in front of the MessagePack, saving a copy.
        const bytes = packr.pack(document, RESERVE_START_SPACE | headBytes);
        bytes[0] = messagePackMarker;
        writeHead(bytes, document.updatedAt, 0);
        return { bytes };
      }
      const body = packr.pack(document);
      const id = Buffer.from(storedId, 'utf8');
      const head = Buffer.allocUnsafe(headBytes);
      head[0] = messagePackMarker;
      writeHead(head, document.updatedAt, id.length);
      return { bytes: Buffer.concat([head, id, body]) };
    },

    documentOf(record) {
      if (record.text !== undefined) return JSON.parse(record.text) as SessionDocument;
      return packr.unpack(record.bytes, { start: documentStart(record.bytes) }) as SessionDocument;
    },

    decodeStored(sessionId, bytes) {
      const marker = bytes[0];
      if (marker === legacyMarker) return parseJson(sessionId, bytes, 0);
      const start = marker === messagePackMarker || marker === jsonMarker ? documentStart(bytes) : undefined;
      if (start === undefined) throw corruptRecord(sessionId, 'it is not in a layout this store reads');
      if (marker === jsonMarker) return parseJson(sessionId, bytes, start);
      let document: unknown;
      try {
        document = packr.unpack(bytes, { start });
      } catch (error) {
        throw corruptRecord(sessionId, `its document cannot be decoded (${(error as Error)?.message})`, error);
      }
      // Damaged bytes can decode to values no save writes in this layout (undefined, Maps, Dates,
      // big integers), which the document checks that follow do not look for inside history and state.
      const { history, state } = (document ?? {}) as { history?: unknown; state?: unknown };
      if ((history !== undefined && !isPlainJson(history)) || (state !== undefined && !isPlainJson(state))) {
        throw corruptRecord(sessionId, 'its history or state holds values that are not plain JSON');
      }
      return document;
    },
  };
}

/** Reads the listing of the record stored under `key` from its head. */
export function decodeListing(key: Buffer, bytes: Buffer): RecordListing {
  const keyId = key.length <= 1024 ? key.toString('utf8') : undefined;
  let listing: Partial<RecordListing> | undefined;
  if ((bytes[0] === messagePackMarker || bytes[0] === jsonMarker) && documentStart(bytes) !== undefined) {
    const idLength = bytes.readUInt32LE(9);
    listing = { updatedAt: bytes.readDoubleLE(1) };
    if (idLength > 0) listing.sessionId = bytes.toString('utf8', headBytes, headBytes + idLength);
  } else if (bytes[0] === legacyMarker) {
    listing = parseJson(keyId, bytes, 0) as Partial<RecordListing> | undefined;
  }
  const updatedAt = listing?.updatedAt;
  const storedId = listing?.sessionId;
  if (typeof updatedAt !== 'number' || (keyId === undefined && typeof storedId !== 'string')) {
    throw corruptRecord(keyId, 'its head cannot be read');
  }
  return keyId === undefined ? { updatedAt, sessionId: storedId } : { updatedAt };
}
