/** FNV-1a over the UTF-16 code units of `text`, as an unsigned 32-bit integer. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** MurmurHash3's finaliser: spreads every input bit over the whole output. */
export function mix32(value: number): number {
  let hash = value >>> 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The hash of a routing key (strings hashed, numbers mixed). */
export function hashKey(key: string | number): number {
  return typeof key === 'number' && Number.isInteger(key) ? mix32(key ^ 0x9e3779b9) : hashString(String(key));
}

/**
 * Rendezvous (highest random weight) hashing: a key goes to the candidate whose mixed
 * (key, candidate) score is highest. Adding an n+1th candidate moves only the keys it now wins,
 * about 1/(n+1) of them, and removing one moves only its own keys. Returns -1 for no candidates.
 */
export function rendezvousPick(keyHash: number, candidateSeeds: readonly number[]): number {
  let best = -1;
  let bestScore = -1;
  for (let index = 0; index < candidateSeeds.length; index++) {
    const score = mix32(keyHash ^ (candidateSeeds[index] as number));
    if (score > bestScore) {
      bestScore = score;
      best = index;
    }
  }
  return best;
}
