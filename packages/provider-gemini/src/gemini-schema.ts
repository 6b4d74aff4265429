import type { JsonSchema } from '@troupe/core';

type Schema = Record<string, unknown>;

// The keywords of Gemini's OpenAPI 3.0 schema subset; everything else is dropped.
const kept = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);

// Gemini accepts only these string formats; others would be rejected.
const stringFormats = new Set(['enum', 'date-time']);

const maximumDepth = 32;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

function resolveReference(reference: string, root: Schema): Schema | undefined {
  if (!reference.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of reference.slice(1).split('/').filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isSchema(node)) return undefined;
    node = node[key];
  }
  return isSchema(node) ? node : undefined;
}

function mergeAllOf(schema: Schema): Schema {
  const parts = schema.allOf as unknown[];
  const merged: Schema = { ...schema };
  delete merged.allOf;
  for (const part of parts) {
    if (!isSchema(part)) continue;
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties' && isSchema(value)) {
        merged.properties = { ...(isSchema(merged.properties) ? merged.properties : {}), ...value };
      } else if (key === 'required' && Array.isArray(value)) {
        merged.required = [...new Set([...((merged.required as string[] | undefined) ?? []), ...value])];
      } else if (!(key in merged)) {
        merged[key] = value;
      }
    }
  }
  return merged;
}

interface NormaliseContext {
  root: Schema;
  depth: number;
  seen: ReadonlySet<string>;
}

function normalise(input: Schema, context: NormaliseContext): Schema {
  const { root, depth, seen } = context;
  if (depth > maximumDepth) return { type: 'object' };
  let schema = input;
  if (typeof schema.$ref === 'string') {
    const reference = schema.$ref;
    const target = seen.has(reference) ? undefined : resolveReference(reference, root);
    // A cycle (or an unresolvable reference) ends in an open object rather than recursing forever.
    if (!target)
      return { type: 'object', ...(typeof schema.description === 'string' ? { description: schema.description } : {}) };
    const { $ref: _reference, ...siblings } = schema;
    return normalise({ ...target, ...siblings }, { root, depth: depth + 1, seen: new Set([...seen, reference]) });
  }
  if (Array.isArray(schema.allOf)) schema = mergeAllOf(schema);
  const result: Schema = {};

  // `type: ['string', 'null']` becomes `type: 'string', nullable: true`.
  let type = schema.type;
  if (Array.isArray(type)) {
    const types = type.filter((entry) => entry !== 'null');
    if (types.length < type.length) result.nullable = true;
    if (types.length === 1) type = types[0];
    else if (types.length > 1) {
      result.anyOf = types.map((entry) => normalise({ ...schema, type: entry }, { root, depth: depth + 1, seen }));
      return result;
    } else type = undefined;
  }
  if (type === 'null') return { nullable: true };

  const union = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(union)) {
    const options = union.filter(isSchema);
    const nonNull = options.filter((option) => option.type !== 'null');
    if (nonNull.length < options.length) result.nullable = true;
    if (nonNull.length === 1 && nonNull[0]) {
      Object.assign(result, normalise(nonNull[0], { root, depth: depth + 1, seen }));
    } else if (nonNull.length > 1) {
      result.anyOf = nonNull.map((option) => normalise(option, { root, depth: depth + 1, seen }));
    }
  }

  if ('const' in schema) {
    const value = schema.const;
    if (value === null) result.nullable = true;
    else {
      type ??= typeOf(value);
      result.enum = [String(value)];
    }
  }
  if (type !== undefined) result.type = type;

  for (const [key, value] of Object.entries(schema)) {
    if (!kept.has(key) || key === 'type' || key === 'anyOf' || key in result) continue;
    switch (key) {
      case 'properties': {
        if (!isSchema(value)) break;
        const properties: Schema = {};
        for (const [name, property] of Object.entries(value)) {
          properties[name] = isSchema(property) ? normalise(property, { root, depth: depth + 1, seen }) : {};
        }
        result.properties = properties;
        break;
      }
      case 'items':
        if (isSchema(value)) result.items = normalise(value, { root, depth: depth + 1, seen });
        else if (Array.isArray(value) && isSchema(value[0]))
          result.items = normalise(value[0], { root, depth: depth + 1, seen });
        break;
      case 'enum':
        result.enum = (value as unknown[]).filter((entry) => entry !== null).map(String);
        if ((value as unknown[]).includes(null)) result.nullable = true;
        break;
      case 'format':
        if (type !== 'string' || stringFormats.has(String(value))) result.format = value;
        break;
      default:
        result[key] = value;
    }
  }

  // JSON Schema 2020-12 numeric exclusive bounds; Gemini knows only inclusive ones.
  if (typeof schema.exclusiveMinimum === 'number' && result.minimum === undefined) {
    result.minimum = schema.exclusiveMinimum;
  }
  if (typeof schema.exclusiveMaximum === 'number' && result.maximum === undefined) {
    result.maximum = schema.exclusiveMaximum;
  }
  if (Array.isArray(result.enum) && result.type !== undefined && result.type !== 'string') {
    // Gemini enums are string-only; a numeric or boolean one keeps its type and moves to the description.
    const values = (result.enum as string[]).join(', ');
    result.description = `${typeof result.description === 'string' ? `${result.description} ` : ''}One of: ${values}.`;
    delete result.enum;
  }
  if (Array.isArray(result.required) && isSchema(result.properties)) {
    const names = result.properties;
    result.required = (result.required as unknown[]).filter((name) => typeof name === 'string' && name in names);
  }
  if (type === undefined && result.properties !== undefined) result.type = 'object';
  return result;
}

/**
 * Rewrites a JSON Schema into the OpenAPI 3.0 subset Gemini accepts for function parameters and
 * response schemas: resolves local `$ref`s (cycles end in an open object), merges `allOf`, turns
 * `oneOf` and type arrays into `anyOf`/`nullable`, `const` into a one-value `enum`, exclusive bounds
 * into inclusive ones, and drops keywords Gemini rejects (`$schema`, `additionalProperties`,
 * `$defs`, unsupported string formats, ...).
 */
export function toGeminiSchema(schema: JsonSchema): JsonSchema {
  return normalise(schema, { root: schema, depth: 0, seen: new Set() });
}

/** True when a (normalised) object schema has no properties, which Gemini rejects as parameters. */
export function isEmptyObjectSchema(schema: JsonSchema): boolean {
  const properties = schema.properties;
  return (
    (schema.type === 'object' || schema.type === undefined) &&
    (!isSchema(properties) || Object.keys(properties).length === 0) &&
    schema.anyOf === undefined
  );
}
