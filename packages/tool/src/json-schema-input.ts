import { InvalidArgumentError, type JsonSchema } from '@troupe/core';

const marker = Symbol.for('troupe.tool.JsonSchemaInput');

/**
 * A tool input given as plain JSON Schema (validated with ajv). `T` is the argument type `execute`
 * receives; it is trusted, not inferred from the schema.
 */
export interface JsonSchemaInput<T = unknown> {
  /** The schema as given. */
  readonly schema: JsonSchema;
  /** Phantom field carrying the argument type; always undefined at run time. */
  readonly _type?: T;
}

/** Wraps a JSON Schema as a tool input: `defineTool({ input: jsonSchema<{ city: string }>({...}) })`. */
export function jsonSchema<T = unknown>(schema: JsonSchema): JsonSchemaInput<T> {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new InvalidArgumentError('jsonSchema(...) needs a JSON Schema object.', {
      remedy: "Pass an object such as { type: 'object', properties: { ... } }.",
    });
  }
  return Object.freeze({ schema, [marker]: true }) as JsonSchemaInput<T>;
}

/** True for values built by {@link jsonSchema}. */
export function isJsonSchemaInput(value: unknown): value is JsonSchemaInput {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}
