import {
  appendDescription,
  childPath,
  mergeAllOf,
  resolveReference,
  type SchemaNode,
  tupleMembers,
  unsupportedSchema,
} from '@troupe/core/internal';

// What OpenAI's strict mode (Structured Outputs, `strict: true` tools) accepts on a schema node.
const strictKeys = new Set([
  'type',
  'description',
  'title',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  '$ref',
  '$defs',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
]);

const strictFormats = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);

const target = 'OpenAI strict mode';

interface Walk {
  root: SchemaNode;
  path: string;
}

/**
 * Rewrites a JSON Schema into what OpenAI's strict mode accepts: every object lists all its
 * properties as required and has `additionalProperties: false`, so an optional property becomes a
 * required one that may be `null` (the model sends `null` for "absent"); `oneOf` becomes `anyOf`,
 * `const` a one-value `enum`, `allOf` is merged; `$defs`/`$ref` (recursion included) are kept;
 * keywords strict mode rejects (`default`, `minLength`, `examples`, ...) move into the description.
 * Throws `InvalidArgumentError` naming the path for what it cannot express: records (free-form
 * keys), untyped values (`z.unknown()`), `not`/`if`, or a root that is not an object.
 */
export function toOpenAiStrictSchema(schema: SchemaNode): SchemaNode {
  const walk: Walk = { root: schema, path: '' };
  const root = toStrict(schema, walk);
  if (root.type !== 'object') {
    throw unsupportedSchema(target, {
      path: '',
      problem: 'a root that is not an object',
      remedy: 'Wrap the arguments in z.object({...}).',
    });
  }
  const definitions = (schema.$defs ?? schema.definitions) as Record<string, unknown> | undefined;
  if (definitions !== undefined && typeof definitions === 'object') {
    root.$defs = Object.fromEntries(
      Object.entries(definitions).map(([name, definition]) => [
        name,
        toStrict(definition, { ...walk, path: `$defs.${name}` }),
      ]),
    );
  }
  return root;
}

function describeRemoved(schema: SchemaNode, out: SchemaNode): void {
  const notes: string[] = [];
  if (typeof schema.minLength === 'number') notes.push(`at least ${schema.minLength} characters`);
  if (typeof schema.maxLength === 'number') notes.push(`at most ${schema.maxLength} characters`);
  if (schema.uniqueItems === true) notes.push('items must be unique');
  if (typeof schema.format === 'string' && !strictFormats.has(schema.format)) notes.push(`format: ${schema.format}`);
  if (schema.default !== undefined) notes.push(`default: ${JSON.stringify(schema.default)}`);
  for (const note of notes) appendDescription(out, note);
}

/** Lets a property be `null`, which is how strict mode spells "optional". */
function allowNull(schema: SchemaNode): SchemaNode {
  if (Array.isArray(schema.type)) {
    return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  }
  if (typeof schema.type === 'string' && schema.enum === undefined) {
    return schema.type === 'null' ? schema : { ...schema, type: [schema.type, 'null'] };
  }
  if (Array.isArray(schema.anyOf)) {
    const members = schema.anyOf as SchemaNode[];
    return members.some((member) => member.type === 'null')
      ? schema
      : { ...schema, anyOf: [...members, { type: 'null' }] };
  }
  const { description, ...rest } = schema;
  return {
    ...(description === undefined ? {} : { description }),
    anyOf: [rest, { type: 'null' }],
  };
}

function toStrict(input: unknown, walk: Walk): SchemaNode {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw unsupportedSchema(target, {
      path: walk.path,
      problem: 'a value of any type (true, {} or z.unknown())',
      remedy: 'Give it a type, e.g. z.string() or z.union([...]).',
    });
  }
  let schema = { ...(input as SchemaNode) };
  for (const keyword of ['not', 'if', 'patternProperties', 'dependentRequired', 'dependentSchemas'] as const) {
    if (schema[keyword] !== undefined) {
      throw unsupportedSchema(target, {
        path: walk.path,
        problem: `the keyword ${keyword}`,
        remedy: 'Express the rule in the description and check it in execute.',
      });
    }
  }
  if (typeof schema.$ref === 'string') {
    if (resolveReference(schema.$ref, walk.root) === undefined) {
      throw unsupportedSchema(target, {
        path: walk.path,
        problem: `a reference ${schema.$ref} that does not resolve`,
        remedy: 'Use local $defs.',
      });
    }
    // Strict mode takes references (recursive ones too) but nothing beside them.
    return { $ref: schema.$ref.replace(/^#\/definitions\//, '#/$defs/') };
  }
  if (Array.isArray(schema.allOf)) schema = mergeAllOf(schema, walk.root);

  const out: SchemaNode = {};
  if (typeof schema.title === 'string') out.title = schema.title;
  if (typeof schema.description === 'string') out.description = schema.description;

  const unions = [
    ...(Array.isArray(schema.anyOf) ? schema.anyOf : []),
    ...(Array.isArray(schema.oneOf) ? schema.oneOf : []),
  ];
  if (unions.length > 0) {
    out.anyOf = unions.map((member, index) => toStrict(member, { ...walk, path: `${walk.path}|${index}` }));
    if (schema.type === undefined) return out;
  }

  const values =
    schema.const !== undefined ? [schema.const] : Array.isArray(schema.enum) ? (schema.enum as unknown[]) : undefined;
  if (values !== undefined) out.enum = values;

  let type = schema.type;
  if (type === undefined && values !== undefined) {
    const kinds = [...new Set(values.map((value) => (value === null ? 'null' : typeof value)))];
    type = kinds.length === 1 ? kinds[0] : kinds;
  }
  if (type === undefined && schema.properties !== undefined) type = 'object';
  if (type === undefined && schema.items !== undefined) type = 'array';
  if (type === undefined && out.anyOf === undefined) {
    throw unsupportedSchema(target, {
      path: walk.path,
      problem: 'a value of any type (no type given)',
      remedy: 'Give it a type, e.g. z.string() or z.union([...]).',
    });
  }
  if (type !== undefined) out.type = type;
  const types = Array.isArray(type) ? type : [type];

  for (const key of ['pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'] as const) {
    if (schema[key] !== undefined) out[key] = schema[key];
  }
  if (typeof schema.format === 'string' && strictFormats.has(schema.format)) out.format = schema.format;
  describeRemoved(schema, out);

  if (types.includes('object')) {
    const properties = (schema.properties ?? {}) as Record<string, unknown>;
    const free = schema.additionalProperties;
    if (Object.keys(properties).length === 0 && free !== undefined && free !== false) {
      throw unsupportedSchema(target, {
        path: walk.path,
        problem: 'a record (an object with free-form keys)',
        remedy: 'Use an array of { key, value } objects, or send this tool without strict mode.',
      });
    }
    const required = new Set(Array.isArray(schema.required) ? (schema.required as unknown[]) : []);
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([name, property]) => {
        const converted = toStrict(property, { ...walk, path: childPath(walk.path, name) });
        return [name, required.has(name) ? converted : allowNull(converted)];
      }),
    );
    out.required = Object.keys(properties);
    out.additionalProperties = false;
  }

  if (types.includes('array')) {
    const itemsWalk = { ...walk, path: `${walk.path}[]` };
    const tuple = tupleMembers(schema);
    if (tuple !== undefined) {
      // Positions cannot be typed one by one; each item may be any of the tuple's member types.
      const members = tuple.map((member) => toStrict(member, itemsWalk));
      out.items = members.length === 1 ? members[0] : { anyOf: members };
      appendDescription(out, `a tuple of ${tuple.length} items, in order`);
    } else if (schema.items !== undefined) out.items = toStrict(schema.items, itemsWalk);
    else
      throw unsupportedSchema(target, {
        path: walk.path,
        problem: 'an array without an item type',
        remedy: 'Give it items, e.g. z.array(z.string()).',
      });
    if (typeof schema.minItems === 'number') out.minItems = schema.minItems;
    if (typeof schema.maxItems === 'number') out.maxItems = schema.maxItems;
  }

  for (const key of Object.keys(out)) if (!strictKeys.has(key)) delete out[key];
  return out;
}
