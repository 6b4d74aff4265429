import { InvalidArgumentError, type JsonSchema } from '@troupe/core';
import { toGeminiSchema } from '@troupe/core/internal';
import { toOpenAiStrictSchema } from './openai-strict-schema.ts';

/** Providers (or provider modes) whose tool schemas accept only a subset of JSON Schema. */
export type SchemaTarget = 'gemini' | 'openai-strict';

/** Options of {@link normalizeSchema}. */
export interface NormalizeSchemaOptions {
  /** The provider (mode) the schema is for. */
  target: SchemaTarget;
  /**
   * Gemini only: a schema that refers to itself is cut at the repeated part, which becomes an open
   * object (`cut`, the default), or rejected with `InvalidArgumentError` (`error`).
   */
  recursion?: 'cut' | 'error';
  /** Gemini only: nesting deeper than this is cut (or rejected) the same way. Default 32. */
  maxDepth?: number;
}

/**
 * Rewrites a JSON Schema (as zod, ajv users and MCP servers write it) into the subset a provider
 * accepts, keeping its meaning as far as the subset allows and saying the rest in descriptions.
 * `gemini`: Gemini's OpenAPI 3.0 subset (`$ref`s inlined, `additionalProperties` dropped, unions
 * as `anyOf`, null as `nullable`, exclusive bounds made inclusive). `openai-strict`: OpenAI's strict
 * function calling (all properties required, optional ones nullable, `additionalProperties: false`).
 * Throws `InvalidArgumentError` for what the target cannot express at all. Never changes `schema`.
 */
export function normalizeSchema(schema: JsonSchema, options: NormalizeSchemaOptions): JsonSchema {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new InvalidArgumentError('normalizeSchema needs a JSON Schema object.');
  }
  switch (options?.target) {
    case 'gemini': {
      const maxDepth = options.maxDepth ?? 32;
      if (!(Number.isInteger(maxDepth) && maxDepth >= 1)) {
        throw new InvalidArgumentError(`normalizeSchema maxDepth is ${maxDepth}; it must be an integer >= 1.`);
      }
      return toGeminiSchema(schema, { recursion: options.recursion ?? 'cut', maxDepth });
    }
    case 'openai-strict':
      return toOpenAiStrictSchema(schema);
    default:
      throw new InvalidArgumentError(`normalizeSchema has no target ${JSON.stringify(options?.target)}.`, {
        remedy: "Use target: 'gemini' or target: 'openai-strict'.",
      });
  }
}
