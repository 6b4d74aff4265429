import { describe, expect, it } from 'vitest';
import { cloneData } from './clone-data.ts';

describe('cloneData', () => {
  it('copies plain data deeply, sharing nothing', () => {
    const value = { a: [1, { b: 'x', c: undefined }], d: null, e: { f: true, g: 1.5 } };
    const copied = cloneData(value);
    expect(copied).toStrictEqual(value);
    expect(copied).not.toBe(value);
    expect(copied.a).not.toBe(value.a);
    expect(copied.a[1]).not.toBe(value.a[1]);
    expect(copied.e).not.toBe(value.e);
    expect(Object.hasOwn(copied.a[1] as object, 'c')).toBe(true);
  });

  it('returns primitives as they are', () => {
    expect(cloneData('text')).toBe('text');
    expect(cloneData(42)).toBe(42);
    expect(cloneData(10n)).toBe(10n);
    expect(cloneData(undefined)).toBeUndefined();
  });

  it('copies other kinds of objects as structuredClone does', () => {
    const date = new Date(5);
    const copied = cloneData({ date, map: new Map([[1, 'one']]), bytes: new Uint8Array([1, 2]) });
    expect(copied.date).toBeInstanceOf(Date);
    expect(copied.date).not.toBe(date);
    expect(copied.date.getTime()).toBe(5);
    expect(copied.map.get(1)).toBe('one');
    expect([...copied.bytes]).toEqual([1, 2]);
    class Point {
      constructor(readonly x: number) {}
    }
    expect(cloneData({ point: new Point(3) }).point).toStrictEqual(structuredClone({ point: new Point(3) }).point);
  });

  it('copies null-prototype objects as plain objects, as structuredClone does', () => {
    const value = Object.assign(Object.create(null) as Record<string, number>, { a: 1 });
    const copied = cloneData(value);
    expect(Object.getPrototypeOf(copied)).toBe(Object.getPrototypeOf(structuredClone(value)));
    expect(copied.a).toBe(1);
  });

  it('throws a DataCloneError for functions and symbols, like structuredClone', () => {
    expect(() => cloneData({ run: () => 1 })).toThrow(expect.objectContaining({ name: 'DataCloneError' }));
    expect(() => cloneData([Symbol('s')])).toThrow(expect.objectContaining({ name: 'DataCloneError' }));
  });

  it('hands cyclic and very deep values to structuredClone', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const copied = cloneData(cyclic);
    expect(copied).not.toBe(cyclic);
    expect(copied.self).toBe(copied);

    let deep: Record<string, unknown> = { leaf: true };
    for (let level = 0; level < 1_000; level++) deep = { next: deep };
    let walked = cloneData(deep);
    let levels = 0;
    while (walked.next !== undefined) {
      walked = walked.next as Record<string, unknown>;
      levels++;
    }
    expect(levels).toBe(1_000);
    expect(walked.leaf).toBe(true);
  });

  it('copies only own properties', () => {
    const value = Object.assign(Object.create({ inherited: true }) as Record<string, unknown>, { own: 1 });
    expect(Object.keys(cloneData({ nested: value }).nested as object)).toEqual(['own']);
  });
});
