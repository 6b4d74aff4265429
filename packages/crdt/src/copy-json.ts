/** A deep copy of a plain JSON value; primitives (the common element type) are returned as they are. */
export function copyJson<T>(value: T): T {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}
