import { InvalidArgumentError } from '../errors.ts';
import { copyPlainJson, copyPlainMessages } from './plain-json.ts';

/**
 * A deep copy of `value` with the result `structuredClone` gives: plain JSON data (the sessions,
 * requests and chunks Troupe copies) takes the fast {@link copyPlainJson} path, several times
 * faster than `structuredClone` on small objects; anything else (undefined values, Dates, Maps,
 * cycles, very deep values) is handed to `structuredClone` whole, which throws a `DataCloneError`
 * for functions and symbols.
 */
export function cloneData<T>(value: T): T {
  const copied = copyPlainJson(value);
  return copied === undefined ? structuredClone(value) : copied;
}

/** {@link cloneData} of a list of messages, with the fast copy of their usual shapes. */
export function cloneMessages<T>(messages: readonly T[]): T[] {
  const copied = copyPlainMessages(messages);
  return copied === undefined ? structuredClone(messages as T[]) : copied;
}

/**
 * {@link cloneData} (or, given `cloneMessages`, that) of what a `save` of `sessionId` writes: its
 * history, its state, or part of them. Throws the `InvalidArgumentError` a store gives for a value
 * that cannot be copied.
 */
export function cloneSessionData<T>(sessionId: string, value: T, clone: (value: T) => T = cloneData): T {
  try {
    return clone(value);
  } catch (error) {
    throw new InvalidArgumentError(
      `save() of session ${JSON.stringify(sessionId)}: history or state holds a value that cannot be copied (a function, a symbol or a class instance).`,
      { cause: error, remedy: 'Store plain JSON data only.' },
    );
  }
}
