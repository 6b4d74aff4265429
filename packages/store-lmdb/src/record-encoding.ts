import { CorruptSnapshotError } from '@troupe/core';
import type { SessionDocument } from '@troupe/core/internal';

/** What the summaries database keeps per session, beside the version in the entry. */
export interface StoredSummary {
  /** When the session was last saved. */
  updatedAt: number;
  /** The id, present only for ids too long to be their own key. */
  sessionId?: string;
}

/**
 * Records are UTF-8 JSON: the same data model as every other store (no Dates or Maps sneaking in),
 * and any byte damage surfaces as a parse error rather than a different value.
 */
export function encodeRecord(document: SessionDocument): Buffer {
  return Buffer.from(JSON.stringify(document), 'utf8');
}

/** Parses a stored record; throws `CorruptSnapshotError` naming the session when it is not JSON. */
export function decodeRecord(sessionId: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new CorruptSnapshotError(
      `The stored record of session ${JSON.stringify(sessionId)} is corrupt: it is not valid JSON.`,
      {
        cause: error,
        sessionId,
      },
    );
  }
}

/** Encodes a summary entry. */
export function encodeSummary(summary: StoredSummary): Buffer {
  return Buffer.from(JSON.stringify(summary), 'utf8');
}

/** Decodes a summary entry found under `key`. */
export function decodeSummary(key: Buffer, bytes: Buffer): StoredSummary {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    value = undefined;
  }
  const summary = value as StoredSummary | undefined;
  if (
    typeof summary?.updatedAt !== 'number' ||
    (summary.sessionId !== undefined && typeof summary.sessionId !== 'string')
  ) {
    const sessionId = key.length <= 1024 ? key.toString('utf8') : undefined;
    throw new CorruptSnapshotError(
      `The stored summary of session ${JSON.stringify(sessionId ?? '(long id)')} is corrupt.`,
      {
        sessionId,
      },
    );
  }
  return summary;
}
