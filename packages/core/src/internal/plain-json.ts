// Plain JSON data: plain objects and arrays, well-formed strings, finite numbers, booleans and
// null. Stores can write such data as JSON, JSONB or MessagePack and read back data deep-equal to
// what went in (JSONB may reorder keys, and PostgreSQL refuses U+0000).
// Not plain: whatever JSON would change or drop on the way (undefined, NaN, Infinity, Dates, Maps,
// class instances, functions, symbols, holes, `toJSON`), what other encodings would change
// (unpaired surrogates, which UTF-8 cannot hold; an own `__proto__` key, which MessagePack decoders
// rename), and nesting deeper than `maximumDepth`.

/** Deeper values are not looked at and count as not plain (JSON then decides what they become). */
const maximumDepth = 512;

/** `String.prototype.isWellFormed` (Node 20+), which the ES2023 library types do not declare yet. */
export type WellFormedString = string & { isWellFormed(): boolean };

/** True for null, booleans, finite numbers and well-formed strings. */
function isPlainPrimitive(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      // Unpaired surrogates survive JSON but not UTF-8 (MessagePack) nor PostgreSQL.
      return (value as WellFormedString).isWellFormed();
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    default:
      return value === null;
  }
}

function isPlain(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return isPlainPrimitive(value);
  if (depth === maximumDepth) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    // Holes read as undefined, which is not plain.
    for (let index = 0; index < value.length; index++) if (!isPlain(value[index], depth + 1)) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in value) {
    // MessagePack decoders rename an own `__proto__` key; JSON.parse keeps it.
    if (key === '__proto__' || !isPlain((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object') return isPlainPrimitive(value) ? value : undefined;
  if (value === null) return null;
  if (depth === maximumDepth) return undefined;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return undefined;
    const length = value.length;
    const out = new Array<unknown>(length);
    for (let index = 0; index < length; index++) {
      const item = copy(value[index], depth + 1);
      if (item === undefined) return undefined;
      out[index] = item;
    }
    return out;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  // A spread copies an object with its shape in one step, much faster than adding key by key; only
  // the nested objects are then replaced by their copies. (It also carries enumerable symbol-keyed
  // properties, which JSON and MessagePack leave out: outside the data model, not stored, not checked.)
  const out: Record<string, unknown> = { ...value };
  for (const key in out) {
    if (key === '__proto__') return undefined;
    const item = out[key];
    if (typeof item === 'object' && item !== null) {
      const copied = copy(item, depth + 1);
      if (copied === undefined) return undefined;
      out[key] = copied;
    } else if (!isPlainPrimitive(item)) {
      return undefined;
    }
  }
  return out;
}

/** True when Object.prototype has enumerable properties, which `for...in` would report as keys of every object. */
function objectPrototypeIsExtended(): boolean {
  for (const _ in Object.prototype) return true;
  return false;
}

/** True when `value` is plain JSON data (see the top of this file). */
export function isPlainJson(value: unknown): boolean {
  return !objectPrototypeIsExtended() && isPlain(value, 0);
}

/**
 * A deep copy of `value` sharing no object with it (strings, being immutable, are shared), or
 * undefined when `value` is not plain JSON data. The copy reads every property once, so what is
 * encoded from it is exactly what the caller gets back.
 */
export function copyPlainJson<T>(value: T): T | undefined {
  return objectPrototypeIsExtended() ? undefined : (copy(value, 0) as T | undefined);
}
