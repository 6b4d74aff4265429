/**
 * The smallest string greater than every string starting with `prefix` in code point order (the
 * order of the "C" collation), or undefined when there is none. Lets `list` bound its index scan.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    const last = (codePoints.pop() as string).codePointAt(0) as number;
    if (last < 0x10ffff) {
      // Surrogate code points cannot be stored; the next storable one after U+D7FF is U+E000.
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return codePoints.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}
