import { InvalidArgumentError, type JsonSchema, type ToolValidation, type ValidationIssue } from '@troupe/core';
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type AjvCore from 'ajv/dist/core.js';
import type { ErrorObject } from 'ajv/dist/core.js';
import { addStringFormats } from './string-formats.ts';
import { describeJsonType, formatIssuePath, pointerSegments } from './validation-issues.ts';

/** Validates a value against a compiled JSON Schema. */
export type JsonSchemaValidator<T> = (value: unknown) => ToolValidation<T>;

function createAjv(schema: JsonSchema): AjvCore {
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  const options = { allErrors: true, strict: false, logger: false as const, useDefaults: true };
  // zod and most MCP servers emit draft 2020-12; older servers emit draft-07 (or no $schema).
  const ajv = dialect.includes('2020-12')
    ? new Ajv2020(options)
    : dialect.includes('2019-09')
      ? new Ajv2019(options)
      : new Ajv(options);
  addStringFormats(ajv);
  return ajv;
}

/**
 * Compiles `schema` once with ajv; the returned function validates (applying `default`s to a copy)
 * and reports each problem with its path. Throws `InvalidArgumentError` when the schema itself is
 * not valid JSON Schema.
 */
export function compileJsonSchema<T>(schema: JsonSchema, label: string): JsonSchemaValidator<T> {
  const ajv = createAjv(schema);
  let check: ReturnType<AjvCore['compile']>;
  try {
    const { $schema: dialect, ...rest } = schema;
    // A dialect ajv does not know (e.g. draft-04) would fail to compile; its keywords mostly agree.
    check = ajv.compile(typeof dialect === 'string' && /draft-0[67]|2019-09|2020-12/.test(dialect) ? schema : rest);
  } catch (error) {
    throw new InvalidArgumentError(`The JSON Schema of ${label} does not compile: ${(error as Error).message}`, {
      cause: error,
      remedy: 'Fix the schema passed to jsonSchema(...).',
    });
  }
  return (value) => {
    // Defaults are filled into a copy so the caller's arguments stay as the model sent them.
    const copy = value === undefined ? undefined : structuredClone(value);
    if (check(copy)) return { ok: true, value: copy as T };
    return { ok: false, issues: ajvIssues(check.errors ?? [], copy) };
  };
}

function valueAt(root: unknown, segments: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** Turns ajv errors into issues a model can act on, dropping duplicates. */
export function ajvIssues(errors: readonly ErrorObject[], data: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const segments = pointerSegments(error.instancePath);
    const params = error.params as Record<string, unknown>;
    let message = error.message ?? 'is invalid';
    switch (error.keyword) {
      case 'required':
        segments.push(String(params.missingProperty));
        message = 'is required but missing';
        break;
      case 'additionalProperties':
        segments.push(String(params.additionalProperty));
        message = 'is not an allowed property; remove it';
        break;
      case 'type':
        message = `${message}, got ${describeJsonType(valueAt(data, segments))}`;
        break;
      case 'enum':
        message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'const':
        message = `must be exactly ${JSON.stringify(params.allowedValue)}`;
        break;
      default:
        break;
    }
    const issue = { path: formatIssuePath(segments), message };
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}
