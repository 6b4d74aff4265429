import { InvalidArgumentError } from '../errors.ts';

/** A JSON Schema node while it is being rewritten. */
export type SchemaNode = Record<string, unknown>;

/** The local target of `ref` (`#`, `#/$defs/x`, `#/definitions/x`) in `root`, if it exists. */
export function resolveReference(ref: string, root: SchemaNode): SchemaNode | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref
    .slice(1)
    .split('/')
    .filter((part) => part.length > 0)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as SchemaNode)[key];
  }
  return node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as SchemaNode) : undefined;
}

/** Merges `allOf` members (references resolved) into one schema: properties and required lists unite. */
export function mergeAllOf(schema: SchemaNode, root: SchemaNode): SchemaNode {
  const { allOf, ...rest } = schema;
  const merged: SchemaNode = { ...rest };
  for (const member of allOf as unknown[]) {
    let part = member as SchemaNode | null;
    if (typeof part?.$ref === 'string') part = resolveReference(part.$ref, root) ?? {};
    if (part === null || typeof part !== 'object') continue;
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties' && typeof value === 'object' && value !== null) {
        merged.properties = { ...(merged.properties as SchemaNode | undefined), ...(value as SchemaNode) };
      } else if (key === 'required' && Array.isArray(value)) {
        merged.required = [...new Set([...((merged.required as unknown[]) ?? []), ...value])];
      } else if (merged[key] === undefined) merged[key] = value;
    }
  }
  return merged;
}

/** Adds a note to a schema's description, which is the only place a model reads free text. */
export function appendDescription(schema: SchemaNode, note: string): void {
  const current = typeof schema.description === 'string' ? schema.description : '';
  schema.description = current.length === 0 ? note : `${current} (${note})`;
}

/** A schema that cannot be expressed for the target: names where it is and what to do. */
export function unsupportedSchema(
  target: string,
  where: { path: string; problem: string; remedy: string },
): InvalidArgumentError {
  return new InvalidArgumentError(
    `The schema cannot be sent to ${target}: ${where.problem} at ${where.path || '(root)'}.`,
    { remedy: where.remedy },
  );
}

/** `path` extended by a property name, as `a.b`, for messages. */
export function childPath(path: string, key: string): string {
  return path.length === 0 ? key : `${path}.${key}`;
}

/**
 * The member schemas of a tuple schema: `prefixItems` (draft 2020-12) or an array `items`
 * (draft-07); undefined when `schema` describes a list.
 */
export function tupleMembers(schema: SchemaNode): SchemaNode[] | undefined {
  if (Array.isArray(schema.prefixItems)) return schema.prefixItems as SchemaNode[];
  return Array.isArray(schema.items) ? (schema.items as SchemaNode[]) : undefined;
}
