import { describe, expect, it } from 'vitest';
import { splitAwkwardly } from './byte-splitter.ts';

const encoder = new TextEncoder();

describe('splitAwkwardly', () => {
  const text = 'data: {"content":"café ☕ 🎭"}\n\ndata: [DONE]\n\n';
  const bytes = encoder.encode(text);
  const pieces = splitAwkwardly(bytes);

  it('keeps every byte, in order', () => {
    expect(Buffer.concat(pieces).toString('utf8')).toBe(text);
  });

  it('cuts through every multi-byte character', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const brokenPieces = pieces.filter((piece) => {
      try {
        decoder.decode(piece);
        return false;
      } catch {
        return true;
      }
    });
    // é, ☕ and 🎭 are each cut, so at least three pieces are not valid UTF-8 on their own.
    expect(brokenPieces.length).toBeGreaterThanOrEqual(3);
  });

  it('cuts between the two newlines that end an event', () => {
    let offset = 0;
    const cuts = new Set<number>();
    for (const piece of pieces) {
      offset += piece.length;
      cuts.add(offset);
    }
    const firstBlankLine = Buffer.from(bytes).indexOf('\n\n');
    expect(cuts.has(firstBlankLine + 1)).toBe(true);
  });

  it('is deterministic', () => {
    expect(splitAwkwardly(bytes).map((piece) => piece.length)).toEqual(pieces.map((piece) => piece.length));
  });

  it('returns one empty piece for no bytes', () => {
    expect(splitAwkwardly(new Uint8Array())).toEqual([new Uint8Array()]);
  });
});
