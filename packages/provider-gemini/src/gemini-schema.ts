import type { JsonSchema } from '@troupe/core';
import { toGeminiSchema as normaliseForGemini } from '@troupe/core/internal';

/**
 * Rewrites a JSON Schema into the OpenAPI 3.0 subset Gemini accepts for function parameters and
 * response schemas, with the normaliser `@troupe/tool`'s `normalizeSchema({ target: 'gemini' })`
 * uses: local `$ref`s inlined (a schema that refers to itself is cut to an open object), `allOf`
 * merged, `oneOf` and type arrays as `anyOf`/`nullable`, `const` as a one-value `enum`, exclusive
 * bounds made inclusive, and keywords Gemini rejects dropped or said in the description.
 */
export function toGeminiSchema(schema: JsonSchema): JsonSchema {
  return normaliseForGemini(schema, { recursion: 'cut', maxDepth: 32 });
}

function isSchema(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
