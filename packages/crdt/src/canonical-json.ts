import { InvalidArgumentError } from '@troupe/core';

/**
 * A stable string for a plain JSON value (object keys sorted), so equal elements get equal keys
 * whatever the key order they were built with. Throws InvalidArgumentError for non-JSON values.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidArgumentError(`${value} is not a JSON value.`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
    }
    default:
      throw new InvalidArgumentError(`A ${typeof value} is not a JSON value.`, {
        remedy: 'Use strings, numbers, booleans, null, arrays or plain objects.',
      });
  }
}
