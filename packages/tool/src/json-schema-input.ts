import type { JsonSchema, ToolValidation, ValidationIssue } from '@troupe/core';
import { InvalidArgumentError } from '@troupe/core';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const brand = Symbol.for('troupe.tool.jsonSchemaInput');

/** A JSON Schema tool input, validated with ajv (compiled once, on first use). */
export interface JsonSchemaInput<Args = unknown> {
  readonly [brand]: true;
  /** The schema as given (also what is sent to the model). */
  readonly schema: JsonSchema;
  /** Validates raw arguments against the schema. */
  validate(args: unknown): ToolValidation<Args>;
}

let sharedAjv: Ajv | undefined;
function ajv(): Ajv {
  // One ajv instance for every tool: compiled schemas are cached by it.
  sharedAjv ??= new Ajv({ allErrors: true, strict: false, validateFormats: false });
  return sharedAjv;
}

/** Turns ajv's errors into issues with a readable path and a reason a model can act on. */
export function ajvIssues(errors: ErrorObject[] | null | undefined): ValidationIssue[] {
  return (errors ?? []).map((error) => {
    const pointer = error.instancePath
      .split('/')
      .slice(1)
      .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
    let path = '';
    for (const segment of pointer) path += /^\d+$/.test(segment) ? `[${segment}]` : path ? `.${segment}` : segment;
    if (error.keyword === 'required') {
      const missing = String((error.params as { missingProperty?: string }).missingProperty);
      return { path: path ? `${path}.${missing}` : missing, message: 'is required' };
    }
    if (error.keyword === 'additionalProperties') {
      const extra = String((error.params as { additionalProperty?: string }).additionalProperty);
      return { path: path ? `${path}.${extra}` : extra, message: 'is not an allowed property' };
    }
    if (error.keyword === 'enum') {
      const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      return { path, message: `must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}` };
    }
    return { path, message: error.message ?? `fails ${error.keyword}` };
  });
}

/** Compiles a JSON Schema with the shared ajv instance; a schema ajv rejects is an InvalidArgumentError. */
export function compileJsonSchema(schema: JsonSchema): ValidateFunction {
  try {
    return ajv().compile(schema);
  } catch (error) {
    throw new InvalidArgumentError(`The JSON Schema cannot be compiled: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Wraps a JSON Schema as a tool input. `Args` types the arguments `execute` receives; the schema
 * itself is what validates them.
 */
export function jsonSchema<Args = unknown>(schema: JsonSchema): JsonSchemaInput<Args> {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new InvalidArgumentError('jsonSchema() needs a JSON Schema object.');
  }
  let compiled: ValidateFunction | undefined;
  return {
    [brand]: true,
    schema,
    validate(args) {
      compiled ??= compileJsonSchema(schema);
      if (compiled(args)) return { ok: true, value: args as Args };
      return { ok: false, issues: ajvIssues(compiled.errors) };
    },
  };
}

/** True for values made by {@link jsonSchema}. */
export function isJsonSchemaInput(value: unknown): value is JsonSchemaInput {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}
