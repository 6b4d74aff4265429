import { describe, expect, it } from 'vitest';
import { lazySnapshot } from './session-document.ts';

describe('lazySnapshot', () => {
  const head = { sessionId: 's', version: 3, updatedAt: 10 };
  const body = () => ({ history: [{ role: 'user' as const, content: 'hi' }], state: { n: 1 } });

  it('reads nothing while only the head is used, and reads once on first access', () => {
    let reads = 0;
    const snapshot = lazySnapshot(head, () => {
      reads++;
      return body();
    });
    expect(snapshot.version).toBe(3);
    expect(reads).toBe(0);
    expect(snapshot.history).toEqual([{ role: 'user', content: 'hi' }]);
    expect(snapshot.state).toEqual({ n: 1 });
    expect(snapshot.history).toBe(snapshot.history);
    expect(reads).toBe(1);
  });

  it('compares, spreads and serialises like a plain snapshot, and takes assignments', () => {
    const snapshot = lazySnapshot(head, body);
    expect(snapshot).toEqual({ ...head, ...body() });
    expect({ ...snapshot }).toStrictEqual({ ...head, ...body() });
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual({ ...head, ...body() });
    snapshot.state = { n: 2 };
    expect(snapshot.state).toEqual({ n: 2 });
  });
});
