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

// Messages: the data copied on every commit. Their usual shapes are copied field by field into
// literals of one shape each (about three times faster than the generic copy, which spreads each
// object and walks its keys); any other shape, or a field that is not what the shape says, takes
// the generic copy. Either way the result is the same data (keys of a known shape in its own order).

type Fields = Record<string, unknown>;

function isPlainObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function isPlainArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
}

function isWellFormedString(value: unknown): value is string {
  return typeof value === 'string' && (value as WellFormedString).isWellFormed();
}

/** A bit for each key the usual message shapes have; 0 for any other key. */
function knownKeyBit(key: string): number {
  switch (key) {
    case 'role':
      return 1;
    case 'content':
      return 2;
    case 'toolCalls':
      return 4;
    case 'toolCallId':
      return 8;
    case 'toolName':
      return 16;
    case 'isError':
      return 32;
    case 'type':
      return 64;
    case 'text':
      return 128;
    case 'id':
      return 256;
    case 'name':
      return 512;
    case 'arguments':
      return 1024;
    default:
      return 0;
  }
}

/**
 * The enumerable string keys of `value` (its own ones: Object.prototype is not extended) as
 * {@link knownKeyBit} bits; -1 when it has a key no usual shape has.
 */
function keyMask(value: object): number {
  let mask = 0;
  for (const key in value) {
    const bit = knownKeyBit(key);
    if (bit === 0) return -1;
    mask |= bit;
  }
  return mask;
}

/** The keys of each usual shape, exactly. */
const userKeys = 1 | 2;
const toolKeys = 1 | 2 | 8 | 16;
const failedToolKeys = toolKeys | 32;
const assistantKeys = 1 | 2;
const callingAssistantKeys = assistantKeys | 4;
const textPartKeys = 64 | 128;
const toolCallKeys = 256 | 512 | 1024;

/** Copies a content part array at `depth`; undefined when it is not plain. */
function copyParts(parts: unknown[], depth: number): unknown[] | undefined {
  const length = parts.length;
  const out = new Array<unknown>(length);
  for (let index = 0; index < length; index++) {
    const part = parts[index];
    let copied: unknown;
    if (isPlainObject(part) && keyMask(part) === textPartKeys && part.type === 'text') {
      const text = part.text;
      copied = isWellFormedString(text) ? { type: 'text', text } : undefined;
    } else {
      copied = copy(part, depth + 1);
    }
    if (copied === undefined) return undefined;
    out[index] = copied;
  }
  return out;
}

/** Copies a tool call array at `depth`; undefined when it is not plain. */
function copyToolCalls(calls: unknown[], depth: number): unknown[] | undefined {
  const length = calls.length;
  const out = new Array<unknown>(length);
  for (let index = 0; index < length; index++) {
    const call = calls[index];
    let copied: unknown;
    if (isPlainObject(call) && keyMask(call) === toolCallKeys) {
      const { id, name } = call;
      const args = isWellFormedString(id) && isWellFormedString(name) ? copy(call.arguments, depth + 2) : undefined;
      copied = args === undefined ? undefined : { id, name, arguments: args };
    } else {
      copied = copy(call, depth + 1);
    }
    if (copied === undefined) return undefined;
    out[index] = copied;
  }
  return out;
}

/** The fast copy of a message of a usual shape at `depth`; `null` when it has another shape. */
function copyUsualMessage(message: Fields, depth: number): Fields | undefined | null {
  switch (message.role) {
    case 'user': {
      if (keyMask(message) !== userKeys) return null;
      const content = message.content;
      if (!isWellFormedString(content)) return null;
      return { role: 'user', content };
    }
    case 'tool': {
      const keys = keyMask(message);
      if (keys !== toolKeys && keys !== failedToolKeys) return null;
      const { toolCallId, toolName, content } = message;
      if (!isWellFormedString(toolCallId) || !isWellFormedString(toolName) || !isWellFormedString(content)) return null;
      if (keys === toolKeys) return { role: 'tool', toolCallId, toolName, content };
      const isError = message.isError;
      if (typeof isError !== 'boolean') return null;
      return { role: 'tool', toolCallId, toolName, content, isError };
    }
    case 'assistant': {
      const keys = keyMask(message);
      if (keys !== assistantKeys && keys !== callingAssistantKeys) return null;
      const content = message.content;
      if (!isPlainArray(content)) return null;
      const toolCalls = keys === callingAssistantKeys ? message.toolCalls : undefined;
      if (keys === callingAssistantKeys && !isPlainArray(toolCalls)) return null;
      if (depth + 1 === maximumDepth) return null;
      const parts = copyParts(content, depth + 1);
      if (parts === undefined) return undefined;
      if (toolCalls === undefined) return { role: 'assistant', content: parts };
      const calls = copyToolCalls(toolCalls as unknown[], depth + 1);
      return calls === undefined ? undefined : { role: 'assistant', content: parts, toolCalls: calls };
    }
    default:
      return null;
  }
}

/**
 * {@link copyPlainJson} of an array of messages (a history, or a turn's new messages): the same
 * data, or undefined when it is not plain JSON data, made faster for the shapes messages usually
 * have.
 */
export function copyPlainMessages<T>(messages: readonly T[]): T[] | undefined {
  if (objectPrototypeIsExtended() || !isPlainArray(messages)) return copyPlainJson(messages) as T[] | undefined;
  const length = messages.length;
  const out = new Array<T>(length);
  for (let index = 0; index < length; index++) {
    const message = messages[index];
    let copied = isPlainObject(message) ? copyUsualMessage(message, 1) : null;
    if (copied === null) copied = copy(message, 1) as Fields | undefined;
    if (copied === undefined) return undefined;
    out[index] = copied as T;
  }
  return out;
}
