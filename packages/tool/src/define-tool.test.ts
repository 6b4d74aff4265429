import { InvalidArgumentError, type ToolContext } from '@troupe/core';
import AjvCore from 'ajv/dist/core.js';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import { defineTool } from './define-tool.ts';
import { jsonSchema } from './json-schema-input.ts';

const context: ToolContext = {
  signal: new AbortController().signal,
  sessionId: 's',
  toolCallId: 'c',
  state: { get: () => undefined, set: () => undefined, delete: () => undefined, has: () => false, toJSON: () => ({}) },
};

describe('defineTool with zod', () => {
  const weather = defineTool({
    name: 'get_weather',
    description: 'Look up the weather in a city.',
    input: z.object({ city: z.string().describe('City name'), days: z.number().int().positive().default(1) }),
    execute: ({ city, days }) => `${days} day(s) of sun in ${city}`,
  });

  it('sends the JSON Schema from zod, with defaulted fields optional', () => {
    expect(weather.inputSchema).toEqual({
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name' },
        days: { type: 'integer', exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 1 },
      },
      required: ['city'],
    });
    expect(weather.kind).toBe('inline');
  });

  it('types execute from the schema and strips the $schema dialect', () => {
    const typed = defineTool({
      name: 'typed',
      description: 'x',
      input: z.object({ city: z.string(), when: z.enum(['today', 'tomorrow']).optional() }),
      execute: (args) => {
        expectTypeOf(args).toEqualTypeOf<{ city: string; when?: 'today' | 'tomorrow' | undefined }>();
        return args.city.toUpperCase();
      },
    });
    expectTypeOf(typed.execute).parameter(0).toEqualTypeOf<{ city: string; when?: 'today' | 'tomorrow' | undefined }>();
    expect(typed.inputSchema).not.toHaveProperty('$schema');
    // The schema is zod's own converter output, minus only the dialect.
    const { $schema: _dialect, ...fromZod } = z.toJSONSchema(z.object({ city: z.string() }), { io: 'input' });
    expect(
      defineTool({ name: 'same', description: 'x', input: z.object({ city: z.string() }), execute: () => '' })
        .inputSchema,
    ).toEqual(fromZod);
  });

  it('validates and applies defaults', () => {
    expect(weather.validate?.({ city: 'Lagos' })).toEqual({ ok: true, value: { city: 'Lagos', days: 1 } });
  });

  it('reports each issue with its path and a reason', () => {
    const result = weather.validate?.({ days: -2 });
    expect(result?.ok).toBe(false);
    if (result?.ok !== false) return;
    expect(result.issues).toEqual([
      { path: 'city', message: 'is required but missing (expected string)' },
      { path: 'days', message: expect.stringContaining('>0') },
    ]);
  });

  it('passes typed arguments to execute', async () => {
    expect(await weather.execute({ city: 'Oslo', days: 2 }, context)).toBe('2 day(s) of sun in Oslo');
  });

  it('names nested paths like items[1].price', () => {
    const order = defineTool({
      name: 'order',
      description: 'Order items.',
      input: z.object({ items: z.array(z.object({ price: z.number() })) }),
      execute: () => 'ok',
    });
    const result = order.validate?.({ items: [{ price: 1 }, { price: 'free' }] });
    expect(result).toEqual({
      ok: false,
      issues: [{ path: 'items[1].price', message: 'expected number, received string' }],
    });
  });

  it('rejects bad names and timeouts at definition', () => {
    const base = { description: 'x', input: z.object({}), execute: () => 'x' };
    expect(() => defineTool({ ...base, name: 'has space' })).toThrow(InvalidArgumentError);
    expect(() => defineTool({ ...base, name: 'dotted.name' })).toThrow(/underscores or dashes/);
    expect(() => defineTool({ ...base, name: 'ok', timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => defineTool({ ...base, name: 'x'.repeat(65) })).toThrow(InvalidArgumentError);
  });
});

describe('defineTool with jsonSchema', () => {
  const search = defineTool({
    name: 'search',
    description: 'Search the docs.',
    input: jsonSchema<{ query: string; limit?: number; email?: string }>({
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1 },
        limit: { type: 'integer', minimum: 1, default: 10 },
        email: { type: 'string', format: 'email' },
        mode: { enum: ['fast', 'deep'] },
      },
      required: ['query'],
      additionalProperties: false,
    }),
    execute: ({ query, limit }) => ({ query, limit }),
  });

  it('compiles the schema once, not on every call', () => {
    const compile = vi.spyOn(AjvCore.prototype, 'compile');
    try {
      const tool = defineTool({
        name: 'counted',
        description: 'x',
        input: jsonSchema<{ n: number }>({ type: 'object', properties: { n: { type: 'number' } }, required: ['n'] }),
        execute: ({ n }) => n,
      });
      expect(compile).toHaveBeenCalledTimes(1);
      for (let n = 0; n < 20; n++) expect(tool.validate?.({ n }).ok).toBe(true);
      expect(tool.validate?.({ n: 'x' }).ok).toBe(false);
      expect(compile).toHaveBeenCalledTimes(1);
    } finally {
      compile.mockRestore();
    }
  });

  it('names nested paths like items[2].price', () => {
    const order = defineTool({
      name: 'order',
      description: 'x',
      input: jsonSchema({
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              type: 'object',
              properties: { price: { type: 'number', minimum: 0 }, 'gift wrap': { type: 'boolean' } },
              required: ['price'],
            },
          },
        },
      }),
      execute: () => 'ok',
    });
    const result = order.validate?.({
      items: [{ price: 1 }, { price: 2 }, { price: -3, 'gift wrap': 'yes' }, {}],
    });
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'items[2].price', message: 'must be >= 0' },
        { path: 'items[2]["gift wrap"]', message: 'must be boolean, got string' },
        { path: 'items[3].price', message: 'is required but missing' },
      ],
    });
  });

  it('sends the schema as given', () => {
    expect(search.inputSchema).toMatchObject({ type: 'object', required: ['query'] });
  });

  it('validates with ajv, filling defaults into a copy', () => {
    const args = { query: 'zod' };
    expect(search.validate?.(args)).toEqual({ ok: true, value: { query: 'zod', limit: 10 } });
    expect(args).toEqual({ query: 'zod' });
  });

  it('lists every issue with its path', () => {
    const result = search.validate?.({ limit: 'ten', extra: true, email: 'nope', mode: 'slow' });
    expect(result?.ok).toBe(false);
    if (result?.ok !== false) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: 'query', message: 'is required but missing' },
        { path: 'extra', message: 'is not an allowed property; remove it' },
        { path: 'limit', message: 'must be integer, got string' },
        { path: 'email', message: 'must match format "email"' },
        { path: 'mode', message: 'must be one of "fast", "deep"' },
      ]),
    );
  });

  it('accepts draft-07 and 2020-12 dialects', () => {
    for (const dialect of ['http://json-schema.org/draft-07/schema#', 'https://json-schema.org/draft/2020-12/schema']) {
      const tool = defineTool({
        name: 'dialect',
        description: 'x',
        input: jsonSchema({ $schema: dialect, type: 'object', properties: { a: { type: 'number' } } }),
        execute: () => 'x',
      });
      expect(tool.validate?.({ a: 'b' }).ok).toBe(false);
      expect(tool.validate?.({ a: 1 }).ok).toBe(true);
    }
  });

  it('throws at definition for a schema that does not compile', () => {
    expect(() =>
      defineTool({ name: 'bad', description: 'x', input: jsonSchema({ type: 'nope' }), execute: () => 'x' }),
    ).toThrow(/does not compile/);
  });

  it('refuses an input that is neither zod nor jsonSchema', () => {
    expect(() =>
      defineTool({
        name: 'bad',
        description: 'x',
        input: { type: 'object' } as never,
        execute: () => 'x',
      }),
    ).toThrow(InvalidArgumentError);
  });
});
