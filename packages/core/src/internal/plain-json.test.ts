import { describe, expect, it } from 'vitest';
import { copyPlainJson, isPlainJson } from './plain-json.ts';

class Point {
  x = 1;
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : { value };
  return value;
}

const plain = {
  text: 'Grüße 👩‍👩‍👧 \u2028',
  number: -0.125,
  big: Number.MAX_SAFE_INTEGER,
  flag: false,
  nothing: null,
  list: [1, 'two', [3, { four: 4 }], {}],
  'key with spaces': { '': 'empty key' },
  deep: nested(500),
};

const notPlain: [string, unknown][] = [
  ['undefined', undefined],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['a BigInt', 1n],
  ['a function', () => 1],
  ['a symbol', Symbol('s')],
  ['a Date', new Date(0)],
  ['a Map', new Map()],
  ['a class instance', new Point()],
  ['an object with toJSON', { toJSON: () => 'x' }],
  ['an unpaired surrogate', 'a\ud800b'],
  ['a hole', Object.assign(new Array(3), { 0: 1, 2: 3 })],
  ['an own __proto__ key', JSON.parse('{"__proto__":1}')],
  ['nesting deeper than 512 levels', nested(600)],
];

describe('isPlainJson and copyPlainJson', () => {
  it('accept plain objects, arrays, well-formed strings, finite numbers, booleans and null', () => {
    expect(isPlainJson(plain)).toBe(true);
    const copy = copyPlainJson(plain);
    expect(copy).toStrictEqual(plain);
    expect(copy).toStrictEqual(JSON.parse(JSON.stringify(plain)));
  });

  for (const [kind, value] of notPlain) {
    it(`reject ${kind}, also deep inside`, () => {
      for (const wrapped of [value, { outer: [{ inner: value }] }]) {
        expect(isPlainJson(wrapped)).toBe(false);
        expect(copyPlainJson(wrapped)).toBeUndefined();
      }
    });
  }

  it('copy sharing no object with the original', () => {
    const original = { a: { b: [{ c: 1 }] }, list: [[1], [2]] };
    const copy = copyPlainJson(original);
    expect(copy).toStrictEqual(original);
    expect(copy).not.toBe(original);
    expect(copy?.a).not.toBe(original.a);
    expect(copy?.a.b).not.toBe(original.a.b);
    expect(copy?.a.b[0]).not.toBe(original.a.b[0]);
    expect(copy?.list[1]).not.toBe(original.list[1]);
  });

  it('copy objects without a prototype to plain objects, as JSON.parse makes them', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const copy = copyPlainJson({ bare });
    expect(Object.getPrototypeOf(copy?.bare)).toBe(Object.prototype);
    expect(copy).toStrictEqual({ bare: { a: 1 } });
  });

  it('read each property once, so what is checked is what is copied', () => {
    let reads = 0;
    const value = {
      get changing() {
        reads++;
        return reads === 1 ? 'first' : new Date(0);
      },
    };
    expect(copyPlainJson(value)).toEqual({ changing: 'first' });
    expect(reads).toBe(1);
  });

  it('reject everything while Object.prototype has enumerable properties', () => {
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.polluted = 1;
    try {
      expect(isPlainJson({ a: 1 })).toBe(false);
      expect(copyPlainJson({ a: 1 })).toBeUndefined();
    } finally {
      delete prototype.polluted;
    }
    expect(isPlainJson({ a: 1 })).toBe(true);
  });
});
