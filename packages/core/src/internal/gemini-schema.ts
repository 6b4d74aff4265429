import {
  appendDescription,
  childPath,
  mergeAllOf,
  resolveReference,
  type SchemaNode,
  tupleMembers,
  unsupportedSchema,
} from './schema-references.ts';

// Gemini's `Schema` (an OpenAPI 3.0 subset): anything else is dropped.
const geminiKeys = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'items',
  'minItems',
  'maxItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'anyOf',
  'default',
  'example',
  'propertyOrdering',
]);

const geminiFormats: Record<string, readonly string[]> = {
  string: ['enum', 'date-time'],
  number: ['float', 'double'],
  integer: ['int32', 'int64'],
};

/** How {@link toGeminiSchema} treats a schema that refers to itself. */
export interface GeminiSchemaOptions {
  /** `cut` (default): the repeated part becomes an open object; `error`: throw `InvalidArgumentError`. */
  recursion: 'cut' | 'error';
  /** Deeper nesting is cut to an open value the same way. */
  maxDepth: number;
}

interface Walk extends GeminiSchemaOptions {
  root: SchemaNode;
  /** `$ref`s being expanded on the current path, to stop at recursion. */
  expanding: Set<string>;
  depth: number;
  path: string;
}

/**
 * Rewrites a JSON Schema into the OpenAPI 3.0 subset Gemini accepts. `$ref`s are inlined
 * (recursion stops at an open object, or throws), `$schema`/`$defs`/`additionalProperties` and other
 * unsupported keywords are dropped, `const` becomes a one-value `enum`, `oneOf` becomes `anyOf`, a
 * `null` member of a union becomes `nullable`, `allOf` of objects is merged, exclusive bounds become
 * inclusive ones (for integers exactly, for numbers with a note in the description), non-string
 * enums and unsupported formats move into the description, and records (objects with only
 * `additionalProperties`) become objects described in words.
 */
export function toGeminiSchema(schema: SchemaNode, options: GeminiSchemaOptions): SchemaNode {
  return toGemini(schema, { ...options, root: schema, expanding: new Set(), depth: 0, path: '' });
}

function isNullSchema(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as SchemaNode).type === 'null';
}

function pickDescription(schema: SchemaNode): SchemaNode {
  return typeof schema.description === 'string' ? { description: schema.description } : {};
}

function nested(walk: Walk, path = walk.path): Walk {
  return { ...walk, depth: walk.depth + 1, path };
}

function toGemini(input: unknown, walk: Walk): SchemaNode {
  if (input === true || input === undefined) return {};
  if (input === false || input === null || typeof input !== 'object') return {};
  let schema = { ...(input as SchemaNode) };

  if (walk.depth > walk.maxDepth) {
    if (walk.recursion === 'error') {
      throw unsupportedSchema('gemini', {
        path: walk.path,
        problem: `nesting deeper than ${walk.maxDepth} levels`,
        remedy: 'Flatten the schema, or raise maxDepth.',
      });
    }
    return { type: 'object', ...pickDescription(schema) };
  }

  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref;
    const { $ref: _ref, ...siblings } = schema;
    const target = resolveReference(ref, walk.root);
    if (target !== undefined && walk.expanding.has(ref) && walk.recursion === 'error') {
      throw unsupportedSchema('gemini', {
        path: walk.path,
        problem: `a recursive reference to ${ref}`,
        remedy: "Gemini schemas cannot refer to themselves; bound the depth in the schema, or use recursion: 'cut'.",
      });
    }
    if (target === undefined || walk.expanding.has(ref)) {
      return toGemini({ type: 'object', ...pickDescription(siblings) }, walk);
    }
    walk.expanding.add(ref);
    try {
      return toGemini({ ...target, ...siblings }, walk);
    } finally {
      walk.expanding.delete(ref);
    }
  }

  if (Array.isArray(schema.allOf)) schema = mergeAllOf(schema, walk.root);

  const out: SchemaNode = {};
  let nullable = schema.nullable === true;

  // Type arrays: ['string', 'null'] → string + nullable; several non-null types → anyOf.
  let type = schema.type;
  if (Array.isArray(type)) {
    const types = type.filter((t) => t !== 'null');
    if (types.length < type.length) nullable = true;
    if (types.length === 1) type = types[0];
    else if (types.length > 1) {
      const { type: _type, ...rest } = schema;
      out.anyOf = types.map((t) => toGemini({ ...rest, type: t }, nested(walk)));
      type = undefined;
    } else type = undefined;
  }
  if (type === 'null') {
    type = undefined;
    nullable = true;
  }
  if (typeof type === 'string') out.type = type;

  const unions = [
    ...(Array.isArray(schema.anyOf) ? schema.anyOf : []),
    ...(Array.isArray(schema.oneOf) ? schema.oneOf : []),
  ];
  if (unions.length > 0) {
    const members = unions.filter((member) => !isNullSchema(member));
    if (members.length < unions.length) nullable = true;
    if (members.length === 1) Object.assign(out, toGemini(members[0], walk));
    else if (members.length > 1) out.anyOf = members.map((member) => toGemini(member, nested(walk)));
  }

  for (const key of ['title', 'description', 'pattern', 'default', 'example', 'propertyOrdering'] as const) {
    if (schema[key] !== undefined) out[key] = schema[key];
  }
  if (Array.isArray(schema.examples) && schema.examples.length > 0) out.example = schema.examples[0];
  for (const key of ['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties'] as const) {
    if (typeof schema[key] === 'number') out[key] = schema[key];
  }

  const values =
    schema.const !== undefined ? [schema.const] : Array.isArray(schema.enum) ? (schema.enum as unknown[]) : undefined;
  if (values !== undefined) {
    const nonNull = values.filter((value) => value !== null);
    if (nonNull.length < values.length) nullable = true;
    if (nonNull.every((value) => typeof value === 'string')) {
      out.enum = nonNull;
      out.type ??= 'string';
    } else {
      appendDescription(out, `one of ${nonNull.map((value) => JSON.stringify(value)).join(', ')}`);
    }
  }

  numericBounds(schema, out);

  if (typeof schema.format === 'string') {
    const allowed = typeof out.type === 'string' ? geminiFormats[out.type] : undefined;
    if (allowed?.includes(schema.format)) out.format = schema.format;
    else appendDescription(out, `format: ${schema.format}`);
  }

  const isObject = out.type === 'object' || (out.type === undefined && schema.properties !== undefined);
  if (isObject) {
    out.type = 'object';
    const properties = schema.properties as Record<string, unknown> | undefined;
    if (properties !== undefined && Object.keys(properties).length > 0) {
      out.properties = Object.fromEntries(
        Object.entries(properties).map(([name, property]) => [
          name,
          toGemini(property, nested(walk, childPath(walk.path, name))),
        ]),
      );
      if (Array.isArray(schema.required)) {
        const present = (schema.required as unknown[]).filter(
          (name): name is string => typeof name === 'string' && name in properties,
        );
        if (present.length > 0) out.required = present;
      }
    } else if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) {
      // A record: Gemini has no way to type the values of free-form keys, so say it in words.
      const valueSchema = toGemini(schema.additionalProperties, nested(walk, `${walk.path}[key]`));
      const valueType = typeof valueSchema.type === 'string' ? valueSchema.type : 'any';
      appendDescription(out, `an object whose keys are free-form and whose values are of type ${valueType}`);
    }
  }

  if (out.type === 'array' || (out.type === undefined && schema.items !== undefined)) {
    out.type = 'array';
    const itemsWalk = nested(walk, `${walk.path}[]`);
    // Tuples (`prefixItems`, or draft-07 array `items`) become a list of any of their member types.
    const tuple = tupleMembers(schema);
    if (tuple !== undefined) {
      const members = tuple.map((member) => toGemini(member, itemsWalk));
      out.items = members.length === 1 ? members[0] : { anyOf: members };
    } else if (schema.items !== undefined && schema.items !== false) out.items = toGemini(schema.items, itemsWalk);
    else out.items = {};
  }

  if (nullable) out.nullable = true;
  for (const key of Object.keys(out)) if (!geminiKeys.has(key)) delete out[key];
  return out;
}

/** An exclusive bound: a number (draft 2020-12) or `true` over the inclusive keyword (draft-04). */
function exclusiveBound(exclusive: unknown, inclusive: unknown): number | undefined {
  if (typeof exclusive === 'number') return exclusive;
  return exclusive === true && typeof inclusive === 'number' ? inclusive : undefined;
}

function numericBounds(schema: SchemaNode, out: SchemaNode): void {
  const integer = out.type === 'integer';
  if (typeof schema.minimum === 'number') out.minimum = schema.minimum;
  if (typeof schema.maximum === 'number') out.maximum = schema.maximum;
  // Draft 2020-12 numbers (zod's .positive() is exclusiveMinimum: 0) and draft-04 booleans.
  const exclusiveMin = exclusiveBound(schema.exclusiveMinimum, schema.minimum);
  const exclusiveMax = exclusiveBound(schema.exclusiveMaximum, schema.maximum);
  if (exclusiveMin !== undefined) {
    if (integer)
      out.minimum = Math.max(Math.floor(exclusiveMin) + 1, typeof out.minimum === 'number' ? out.minimum : -Infinity);
    else {
      out.minimum = Math.max(exclusiveMin, typeof out.minimum === 'number' ? out.minimum : -Infinity);
      appendDescription(out, `must be greater than ${exclusiveMin}`);
    }
  }
  if (exclusiveMax !== undefined) {
    if (integer)
      out.maximum = Math.min(Math.ceil(exclusiveMax) - 1, typeof out.maximum === 'number' ? out.maximum : Infinity);
    else {
      out.maximum = Math.min(exclusiveMax, typeof out.maximum === 'number' ? out.maximum : Infinity);
      appendDescription(out, `must be less than ${exclusiveMax}`);
    }
  }
  if (typeof schema.multipleOf === 'number') appendDescription(out, `a multiple of ${schema.multipleOf}`);
}
