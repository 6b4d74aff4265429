import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from './define-tool.ts';
import { normalizeSchema } from './normalize-schema.ts';

const gemini = (schema: z.ZodType) =>
  normalizeSchema(defineTool({ name: 't', description: 't', input: schema, execute: () => '' }).inputSchema, {
    target: 'gemini',
  });

/** Every keyword anywhere in the schema, to prove nothing unsupported is left. */
function keywords(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keywords(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      found.add(key);
      if (key === 'properties') for (const property of Object.values(child as object)) keywords(property, found);
      else if (key !== 'default' && key !== 'example' && key !== 'enum') keywords(child, found);
    }
  }
  return found;
}

describe('normalizeSchema for gemini', () => {
  it('turns .positive() into an inclusive bound (exact for integers)', () => {
    expect(gemini(z.object({ count: z.number().int().positive(), price: z.number().positive() }))).toEqual({
      type: 'object',
      properties: {
        count: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
        price: { type: 'number', minimum: 0, description: 'must be greater than 0' },
      },
      required: ['count', 'price'],
    });
  });

  it('turns nullable and unions into nullable and anyOf', () => {
    const schema = gemini(
      z.object({
        note: z.string().nullable(),
        id: z.union([z.string(), z.number()]),
        shape: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('circle'), radius: z.number() }),
          z.object({ kind: z.literal('square'), side: z.number() }),
        ]),
        maybe: z.object({ a: z.string() }).nullable().optional(),
      }),
    );
    expect(schema.properties).toEqual({
      note: { type: 'string', nullable: true },
      id: { anyOf: [{ type: 'string' }, { type: 'number' }] },
      shape: {
        anyOf: [
          {
            type: 'object',
            properties: { kind: { type: 'string', enum: ['circle'] }, radius: { type: 'number' } },
            required: ['kind', 'radius'],
          },
          {
            type: 'object',
            properties: { kind: { type: 'string', enum: ['square'] }, side: { type: 'number' } },
            required: ['kind', 'side'],
          },
        ],
      },
      maybe: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], nullable: true },
    });
    expect(schema.required).toEqual(['note', 'id', 'shape']);
  });

  it('keeps enums, optional fields and nested arrays', () => {
    expect(
      gemini(
        z.object({
          unit: z.enum(['C', 'F']).default('C'),
          matrix: z.array(z.array(z.number()).min(1)).max(3),
          tags: z.array(z.string()).optional(),
        }),
      ),
    ).toEqual({
      type: 'object',
      properties: {
        unit: { type: 'string', enum: ['C', 'F'], default: 'C' },
        matrix: { type: 'array', maxItems: 3, items: { type: 'array', minItems: 1, items: { type: 'number' } } },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['matrix'],
    });
  });

  it('describes records instead of sending additionalProperties', () => {
    const schema = gemini(z.object({ scores: z.record(z.string(), z.number()).describe('Score per player') }));
    expect(schema.properties).toEqual({
      scores: {
        type: 'object',
        description: 'Score per player (an object whose keys are free-form and whose values are of type number)',
      },
    });
  });

  it('inlines $refs, including zod registries and recursion', () => {
    const address = z.object({ city: z.string() });
    const tree: z.ZodType = z.object({
      name: z.string(),
      get children() {
        return z.array(tree);
      },
    });
    const schema = gemini(z.object({ home: address, work: address, tree }));
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    expect(properties.home).toEqual({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
    expect(properties.work).toEqual(properties.home);
    const children = (properties.tree?.properties as Record<string, Record<string, unknown>> | undefined)?.children;
    expect(children?.type).toBe('array');
    expect(JSON.stringify(schema)).not.toContain('$ref');
  });

  it('inlines hand-written $defs and merges allOf', () => {
    const schema = normalizeSchema(
      {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        $defs: { point: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } },
        properties: {
          at: { $ref: '#/$defs/point', description: 'Where' },
          both: { allOf: [{ $ref: '#/$defs/point' }, { properties: { y: { type: 'number' } }, required: ['y'] }] },
          email: { type: 'string', format: 'email' },
          when: { type: 'string', format: 'date-time' },
          level: { enum: [1, 2, 3] },
          pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] },
          either: { type: ['string', 'integer', 'null'] },
          hex: { const: 'ff' },
        },
        additionalProperties: false,
      },
      { target: 'gemini' },
    );
    expect(schema).toEqual({
      type: 'object',
      properties: {
        at: { type: 'object', description: 'Where', properties: { x: { type: 'number' } }, required: ['x'] },
        both: {
          type: 'object',
          properties: { x: { type: 'number' }, y: { type: 'number' } },
          required: ['x', 'y'],
        },
        email: { type: 'string', description: 'format: email' },
        when: { type: 'string', format: 'date-time' },
        level: { description: 'one of 1, 2, 3' },
        pair: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }] } },
        either: { anyOf: [{ type: 'string' }, { type: 'integer' }], nullable: true },
        hex: { type: 'string', enum: ['ff'] },
      },
    });
  });

  it('leaves only keywords Gemini accepts for a large real-world schema', () => {
    const schema = gemini(
      z.object({
        query: z
          .string()
          .min(1)
          .max(200)
          .regex(/^[a-z ]+$/i),
        filters: z
          .object({
            price: z.object({ min: z.number().nonnegative(), max: z.number().lt(10_000) }).partial(),
            brands: z.array(z.string()).nonempty(),
            inStock: z.boolean().default(true),
            released: z.iso.date().optional(),
            meta: z.record(z.string(), z.union([z.string(), z.number()])),
          })
          .strict(),
        sort: z.union([z.literal('price'), z.literal('rating')]).nullable(),
        page: z.number().int().min(1).default(1),
      }),
    );
    const allowed = new Set([
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
    for (const key of keywords(schema)) {
      if (
        !allowed.has(key) &&
        !['query', 'filters', 'sort', 'page', 'price', 'min', 'max', 'brands', 'inStock', 'released', 'meta'].includes(
          key,
        )
      ) {
        throw new Error(`unsupported keyword left: ${key}`);
      }
    }
    const filters = (schema.properties as Record<string, Record<string, Record<string, Record<string, unknown>>>>)
      .filters;
    expect(filters?.properties?.price).toMatchObject({
      properties: { max: { maximum: 10_000, description: 'must be less than 10000' } },
    });
    expect((schema.properties as Record<string, unknown>).sort).toEqual({
      anyOf: [
        { type: 'string', enum: ['price'] },
        { type: 'string', enum: ['rating'] },
      ],
      nullable: true,
    });
  });

  it('rejects recursion when asked to, naming where it is', () => {
    const tree: z.ZodType = z.object({
      name: z.string(),
      get children() {
        return z.array(tree);
      },
    });
    const input = defineTool({ name: 't', description: 't', input: z.object({ tree }), execute: () => '' }).inputSchema;
    expect(() => normalizeSchema(input, { target: 'gemini', recursion: 'error' })).toThrow(
      /cannot be sent to gemini: a recursive reference to #\/\$defs\/\w+ at tree\.children\[\]/,
    );
  });

  it('cuts nesting deeper than maxDepth to an open object', () => {
    const deep = z.object({ a: z.object({ b: z.object({ c: z.object({ d: z.string() }) }) }) });
    const schema = gemini(deep);
    expect(JSON.stringify(schema)).toContain('"d"');
    const input = defineTool({ name: 't', description: 't', input: deep, execute: () => '' }).inputSchema;
    const cut = normalizeSchema(input, { target: 'gemini', maxDepth: 2 });
    expect(cut).toEqual({
      type: 'object',
      properties: {
        a: {
          type: 'object',
          properties: { b: { type: 'object', properties: { c: { type: 'object' } }, required: ['c'] } },
          required: ['b'],
        },
      },
      required: ['a'],
    });
    expect(() => normalizeSchema(input, { target: 'gemini', maxDepth: 2, recursion: 'error' })).toThrow(
      /nesting deeper than 2 levels at a\.b\.c/,
    );
    expect(() => normalizeSchema(input, { target: 'gemini', maxDepth: 0 })).toThrow(/maxDepth/);
  });

  it('never changes the schema it is given', () => {
    const input = defineTool({
      name: 't',
      description: 't',
      input: z.object({ n: z.number().positive(), tags: z.array(z.string()).optional() }),
      execute: () => '',
    }).inputSchema;
    const before = structuredClone(input);
    normalizeSchema(input, { target: 'gemini' });
    normalizeSchema(input, { target: 'openai-strict' });
    expect(input).toEqual(before);
  });

  it('refuses an unknown target', () => {
    expect(() => normalizeSchema({}, { target: 'cobol' as 'gemini' })).toThrow(/no target/);
  });
});

const strict = (schema: z.ZodType) =>
  normalizeSchema(defineTool({ name: 't', description: 't', input: schema, execute: () => '' }).inputSchema, {
    target: 'openai-strict',
  });

describe('normalizeSchema for openai-strict', () => {
  it('makes every property required, optional ones nullable, and closes every object', () => {
    expect(
      strict(
        z.object({
          city: z.string().min(2).describe('City name'),
          days: z.number().int().positive().optional(),
          unit: z.enum(['C', 'F']).default('C'),
          when: z.union([z.literal('today'), z.iso.date()]).optional(),
          stops: z.array(z.object({ name: z.string(), note: z.string().nullable().optional() })).max(5),
          home: z.object({ street: z.string() }).optional(),
        }),
      ),
    ).toEqual({
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name (at least 2 characters)' },
        days: { type: ['integer', 'null'], exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        unit: { description: 'default: "C"', anyOf: [{ type: 'string', enum: ['C', 'F'] }, { type: 'null' }] },
        when: {
          anyOf: [
            { type: 'string', enum: ['today'] },
            { type: 'string', format: 'date', pattern: expect.any(String) },
            { type: 'null' },
          ],
        },
        stops: {
          type: 'array',
          maxItems: 5,
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, note: { type: ['string', 'null'] } },
            required: ['name', 'note'],
            additionalProperties: false,
          },
        },
        home: {
          type: ['object', 'null'],
          properties: { street: { type: 'string' } },
          required: ['street'],
          additionalProperties: false,
        },
      },
      required: ['city', 'days', 'unit', 'when', 'stops', 'home'],
      additionalProperties: false,
    });
  });

  it('keeps recursion as $defs and $ref, and discriminated unions as anyOf', () => {
    const tree: z.ZodType = z.object({
      name: z.string(),
      get children() {
        return z.array(tree);
      },
    });
    const schema = strict(
      z.object({
        tree,
        shape: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('circle'), radius: z.number().positive() }),
          z.object({ kind: z.literal('square'), side: z.number().positive() }),
        ]),
      }),
    );
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    const ref = properties.tree?.$ref as string;
    expect(ref).toMatch(/^#\/\$defs\//);
    const definitions = schema.$defs as Record<string, Record<string, unknown>>;
    const node = definitions[ref.replace('#/$defs/', '')];
    expect(node).toEqual({
      type: 'object',
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: ref } } },
      required: ['name', 'children'],
      additionalProperties: false,
    });
    expect(properties.shape?.anyOf).toEqual([
      {
        type: 'object',
        properties: { kind: { type: 'string', enum: ['circle'] }, radius: { type: 'number', exclusiveMinimum: 0 } },
        required: ['kind', 'radius'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: { kind: { type: 'string', enum: ['square'] }, side: { type: 'number', exclusiveMinimum: 0 } },
        required: ['kind', 'side'],
        additionalProperties: false,
      },
    ]);
  });

  it('refuses what strict mode cannot express, naming the path', () => {
    expect(() => strict(z.object({ meta: z.object({ scores: z.record(z.string(), z.number()) }) }))).toThrow(
      /cannot be sent to OpenAI strict mode: a record \(an object with free-form keys\) at meta\.scores/,
    );
    expect(() => strict(z.object({ blob: z.unknown() }))).toThrow(/a value of any type .* at blob/);
    expect(() => strict(z.object({}).passthrough())).toThrow(/a record/);
    expect(() => normalizeSchema({ type: 'string' }, { target: 'openai-strict' })).toThrow(
      /a root that is not an object at \(root\)/,
    );
    expect(() =>
      normalizeSchema(
        { type: 'object', properties: { a: { type: 'string', not: { const: 'x' } } } },
        { target: 'openai-strict' },
      ),
    ).toThrow(/the keyword not at a/);
  });

  it('converts hand-written draft-07 schemas: definitions, const, oneOf, tuples', () => {
    expect(
      normalizeSchema(
        {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'object',
          definitions: { point: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } },
          properties: {
            at: { $ref: '#/definitions/point', description: 'Where' },
            mode: { const: 'fast' },
            id: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
            pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] },
          },
          required: ['at', 'mode', 'id', 'pair'],
        },
        { target: 'openai-strict' },
      ),
    ).toEqual({
      type: 'object',
      properties: {
        at: { $ref: '#/$defs/point' },
        mode: { type: 'string', enum: ['fast'] },
        id: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        pair: {
          type: 'array',
          items: { anyOf: [{ type: 'string' }, { type: 'number' }] },
          description: 'a tuple of 2 items, in order',
        },
      },
      required: ['at', 'mode', 'id', 'pair'],
      additionalProperties: false,
      $defs: {
        point: {
          type: 'object',
          properties: { x: { type: 'number' } },
          required: ['x'],
          additionalProperties: false,
        },
      },
    });
  });
});
