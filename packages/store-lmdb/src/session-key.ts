import { createHash } from 'node:crypto';

// LMDB keys are at most 1,978 bytes. Ids up to this many UTF-8 bytes are their own key.
const maximumPlainKeyBytes = 1024;
// Longer ids keep this many leading bytes (cut at a character boundary, so 997 to 1,000) followed
// by a zero byte and their SHA-256: 1,030 to 1,033 bytes, so never confused with a plain key.
const keptPrefixBytes = 1000;
// Every hashed key starts with at least this many bytes of its id, so prefix scans can use them.
const guaranteedPrefixBytes = keptPrefixBytes - 3;

/** The LMDB key of a session: its UTF-8 bytes, or for very long ids a prefix plus a hash. */
export function sessionKey(sessionId: string): Buffer {
  const bytes = Buffer.from(sessionId, 'utf8');
  if (bytes.length <= maximumPlainKeyBytes) return bytes;
  let end = keptPrefixBytes;
  // Back off over UTF-8 continuation bytes (10xxxxxx) so the kept prefix is whole characters.
  while (((bytes[end] as number) & 0xc0) === 0x80) end--;
  const hash = createHash('sha256').update(bytes).digest();
  return Buffer.concat([bytes.subarray(0, end), Buffer.from([0]), hash]);
}

/**
 * The key of the shared record shapes, kept in the same database as the sessions. It starts with a
 * zero byte, which no session key does: ids cannot contain U+0000, and a hashed key has its zero
 * byte only after the first 997 bytes of its id.
 */
export const recordShapesKey: Buffer = Buffer.from('\u0000troupe:record-shapes', 'utf8');

/** True for keys that hold no session (they start with a zero byte). */
export function isReservedKey(key: Buffer): boolean {
  return key[0] === 0;
}

/** True when `key` was made from a long id, which then must be read from the head of its record. */
export function isHashedKey(key: Buffer): boolean {
  return key.length > maximumPlainKeyBytes;
}

/** The bytes every key of a session whose id starts with `prefix` starts with. */
export function keyPrefixOf(prefix: string): Buffer {
  const bytes = Buffer.from(prefix, 'utf8');
  return bytes.length <= guaranteedPrefixBytes ? bytes : bytes.subarray(0, guaranteedPrefixBytes);
}
