import type { ValidationIssue } from '@troupe/core';

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats a path of keys and indexes as `items[2].price` (empty for the root). */
export function formatIssuePath(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else {
      const key = String(segment);
      if (identifier.test(key)) path += path.length === 0 ? key : `.${key}`;
      else path += `[${JSON.stringify(key)}]`;
    }
  }
  return path;
}

/** Splits a JSON Pointer (`/items/2/price`) into segments; numeric segments become indexes. */
export function pointerSegments(pointer: string): PropertyKey[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : key;
    });
}

/** The JSON type name of a value, as a model would call it. */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** The text a model sees for a list of issues: one line per issue with its path and reason. */
export function formatIssueLines(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `- ${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`).join('\n');
}
