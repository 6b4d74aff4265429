import { CorruptSnapshotError } from '@troupe/core';
import type { SessionDocument } from '@troupe/core/internal';

/** What `list` reads from the head of a record, without parsing its document. */
export interface RecordListing {
  /** When the session was last saved. */
  updatedAt: number;
  /** The id, present only for ids too long to be their own key. */
  sessionId?: string;
}

/** A record ready to store, and the JSON text of its document (to build the caller's copy from). */
export interface EncodedRecord {
  /** The bytes to store. */
  bytes: Buffer;
  /** The document as JSON text. */
  text: string;
}

// Layout: a zero byte, updatedAt as float64, the byte length of the stored id as uint32, the id
// (only for ids too long to be their own key), then the document as UTF-8 JSON. The head lets
// `list` read what it needs without a second database or parsing the document. Records written
// before this layout are bare JSON and start with `{`.
const layoutMarker = 0x00;
const legacyMarker = 0x7b;
const headBytes = 13;

/**
 * Records keep the document as UTF-8 JSON: the same data model as every other store (no Dates or
 * Maps sneaking in), and any byte damage surfaces as a parse error rather than a different value.
 */
export function encodeRecord(document: SessionDocument, storedId: string | undefined): EncodedRecord {
  const text = JSON.stringify(document);
  const idLength = storedId === undefined ? 0 : Buffer.byteLength(storedId, 'utf8');
  const bytes = Buffer.allocUnsafe(headBytes + idLength + Buffer.byteLength(text, 'utf8'));
  bytes[0] = layoutMarker;
  bytes.writeDoubleLE(document.updatedAt, 1);
  bytes.writeUInt32LE(idLength, 9);
  if (storedId !== undefined) bytes.write(storedId, headBytes, 'utf8');
  bytes.write(text, headBytes + idLength, 'utf8');
  return { bytes, text };
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

/** Where the document of a record in the current layout starts, or undefined when the head is damaged. */
function documentStart(bytes: Buffer): number | undefined {
  if (bytes.length < headBytes) return undefined;
  const start = headBytes + bytes.readUInt32LE(9);
  return start <= bytes.length ? start : undefined;
}

/** Parses the document of a stored record; throws `CorruptSnapshotError` naming the session when unreadable. */
export function decodeRecord(sessionId: string, bytes: Buffer): unknown {
  if (bytes[0] === legacyMarker) return parseJson(sessionId, bytes, 0);
  const start = bytes[0] === layoutMarker ? documentStart(bytes) : undefined;
  if (start === undefined) throw corruptRecord(sessionId, 'it is not in a layout this store reads');
  return parseJson(sessionId, bytes, start);
}

/** Reads the listing of the record stored under `key` from its head. */
export function decodeListing(key: Buffer, bytes: Buffer): RecordListing {
  const keyId = key.length <= 1024 ? key.toString('utf8') : undefined;
  let listing: Partial<RecordListing> | undefined;
  if (bytes[0] === layoutMarker && documentStart(bytes) !== undefined) {
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
