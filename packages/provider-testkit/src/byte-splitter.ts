/** How the fixture server cuts a stream into socket writes. */
export type StreamSplit =
  /** One write per frame, as most vendors send them. */
  | 'frames'
  /**
   * Writes cut at awkward byte offsets: inside `data:` prefixes, between the two newlines that end
   * an SSE event, inside multi-byte UTF-8 characters, and at short irregular intervals.
   */
  | 'awkward';

// Irregular, deterministic piece sizes: small enough to cut most tokens and prefixes.
const pieceSizes = [1, 3, 2, 7, 5, 11, 4, 13, 6, 17, 9];

/**
 * Cuts `bytes` into pieces at awkward offsets. Deterministic, so a failing case replays the same
 * way. Every multi-byte UTF-8 character and every blank line is cut through.
 */
export function splitAwkwardly(bytes: Uint8Array): Uint8Array[] {
  const cuts = new Set<number>();
  let offset = 0;
  for (let index = 0; offset < bytes.length; index++) {
    offset += pieceSizes[index % pieceSizes.length] as number;
    cuts.add(offset);
  }
  for (let position = 0; position < bytes.length; position++) {
    const byte = bytes[position] as number;
    // A lead byte of a multi-byte character (11xxxxxx): cut right after it.
    if (byte >= 0xc0) cuts.add(position + 1);
    // The first newline of a blank line: cut between the two.
    if (byte === 0x0a && bytes[position + 1] === 0x0a) cuts.add(position + 1);
  }
  const sorted = [...cuts].filter((cut) => cut > 0 && cut < bytes.length).sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of sorted) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}
