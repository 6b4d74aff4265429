import { describe, expect, it } from 'vitest';
import { hashKey, hashString, mix32, rendezvousPick } from './rendezvous-hash.ts';

describe('rendezvous hashing', () => {
  const seeds = (count: number) =>
    Array.from({ length: count }, (_, index) => mix32(hashString(`/user/routee-${index}`)));

  it('is deterministic and returns -1 without candidates', () => {
    expect(rendezvousPick(hashKey('user-1'), seeds(5))).toBe(rendezvousPick(hashKey('user-1'), seeds(5)));
    expect(rendezvousPick(hashKey('user-1'), [])).toBe(-1);
    expect(hashKey(42)).toBe(hashKey(42));
    expect(hashKey(42)).not.toBe(hashKey('42'));
  });

  it('moves only the keys the removed candidate owned', () => {
    const all = seeds(8);
    const keys = Array.from({ length: 5000 }, (_, index) => hashKey(`key-${index}`));
    const before = keys.map((key) => rendezvousPick(key, all));
    const without = [...all.slice(0, 3), ...all.slice(4)];
    keys.forEach((key, index) => {
      const after = rendezvousPick(key, without);
      const owner = before[index] as number;
      if (owner !== 3) expect(after).toBe(owner > 3 ? owner - 1 : owner);
    });
  });
});
