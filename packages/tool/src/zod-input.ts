import type { JsonSchema, ToolValidation, ValidationIssue } from '@troupe/core';
import { z } from 'zod';
import { formatIssuePath } from './validation-issues.ts';

/** True for a zod 4 schema. */
export function isZodSchema(value: unknown): value is z.ZodType {
  return (
    typeof value === 'object' &&
    value !== null &&
    '_zod' in value &&
    typeof (value as { safeParse?: unknown }).safeParse === 'function'
  );
}

/**
 * The JSON Schema a model sees for `schema`: zod's own converter, describing what the model must
 * send (`io: 'input'`, so fields with defaults are optional). Types JSON Schema cannot express
 * (dates, transforms' outputs) become `{}` rather than failing.
 */
export function zodInputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  return rest;
}

type ZodIssue = z.core.$ZodIssue;

function issueMessage(issue: ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return `is required but missing (expected ${issue.expected})`;
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const options = issue.errors.map((branch) => branch[0]?.message.replace(/^Invalid input: /, '') ?? 'invalid');
    return `matches none of the allowed forms: ${[...new Set(options)].join('; ')}`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `has properties that are not allowed: ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}; remove them`;
  }
  return issue.message.replace(/^Invalid input: /, '');
}

/** Turns zod issues into validation issues with a path and a reason a model can act on. */
export function zodIssues(issues: readonly ZodIssue[]): ValidationIssue[] {
  return issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issueMessage(issue) }));
}

/** Validates with `safeParse`; async refinements are reported as an issue instead of throwing. */
export function validateWithZod<T>(schema: z.ZodType, value: unknown): ToolValidation<T> {
  try {
    const result = schema.safeParse(value);
    if (result.success) return { ok: true, value: result.data as T };
    return { ok: false, issues: zodIssues(result.error.issues) };
  } catch (error) {
    return { ok: false, issues: [{ path: '', message: `could not be validated: ${(error as Error).message}` }] };
  }
}
