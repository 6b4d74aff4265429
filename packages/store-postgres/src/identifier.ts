import { InvalidArgumentError } from '@troupe/core';

// Lower case only: such names need no quoting in hand-written SQL, and postgres.js column
// transforms (camel, kebab) leave them unchanged.
const identifierPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** Returns `name` when it is a plain lower-case SQL identifier; throws `InvalidArgumentError` otherwise. */
export function checkedIdentifier(name: unknown, option: string): string {
  if (typeof name !== 'string' || !identifierPattern.test(name)) {
    throw new InvalidArgumentError(
      `postgresStore got ${option} ${JSON.stringify(name)}; it must be a lower-case SQL identifier (a-z, 0-9, _; at most 63 characters, not starting with a digit).`,
    );
  }
  return name;
}
