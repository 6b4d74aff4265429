import { describe, expect, it } from 'vitest';
import { isEmptyObjectSchema, toGeminiSchema } from './gemini-schema.ts';

describe('toGeminiSchema', () => {
  it('drops keywords Gemini rejects and resolves local references', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      additionalProperties: false,
      $defs: { point: { type: 'object', properties: { x: { type: 'number' } }, required: ['x', 'ghost'] } },
      properties: {
        origin: { $ref: '#/$defs/point', description: 'Start' },
        email: { type: 'string', format: 'email' },
      },
      required: ['origin'],
    };
    expect(toGeminiSchema(schema)).toEqual({
      type: 'object',
      properties: {
        origin: { type: 'object', description: 'Start', properties: { x: { type: 'number' } }, required: ['x'] },
        // What Gemini cannot check is said in words, so the model still knows it.
        email: { type: 'string', description: 'format: email' },
      },
      required: ['origin'],
    });
  });

  it('turns unions, nullable types and const into the OpenAPI subset', () => {
    expect(toGeminiSchema({ type: ['string', 'null'] })).toEqual({ type: 'string', nullable: true });
    expect(toGeminiSchema({ oneOf: [{ type: 'string' }, { type: 'integer' }] })).toEqual({
      anyOf: [{ type: 'string' }, { type: 'integer' }],
    });
    expect(toGeminiSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual({
      type: 'string',
      nullable: true,
    });
    expect(toGeminiSchema({ const: 'fixed' })).toEqual({ type: 'string', enum: ['fixed'] });
    expect(toGeminiSchema({ type: 'integer', enum: [1, 2] })).toEqual({
      type: 'integer',
      description: 'one of 1, 2',
    });
  });

  it('keeps numeric bounds, making exclusive ones inclusive, and merges allOf', () => {
    expect(toGeminiSchema({ type: 'number', exclusiveMinimum: 0, maximum: 10 })).toEqual({
      type: 'number',
      minimum: 0,
      maximum: 10,
      description: 'must be greater than 0',
    });
    expect(
      toGeminiSchema({
        allOf: [{ properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'boolean' } } }],
      }),
    ).toEqual({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'boolean' } }, required: ['a'] });
  });

  it('ends a recursive reference in an open object instead of looping', () => {
    const tree = {
      $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' } } } },
      $ref: '#/$defs/node',
    };
    expect(toGeminiSchema(tree)).toEqual({ type: 'object', properties: { child: { type: 'object' } } });
  });

  it('recognises an object schema without properties', () => {
    expect(isEmptyObjectSchema(toGeminiSchema({ type: 'object', properties: {}, additionalProperties: false }))).toBe(
      true,
    );
    expect(isEmptyObjectSchema(toGeminiSchema({ type: 'object', properties: { a: { type: 'string' } } }))).toBe(false);
  });
});
