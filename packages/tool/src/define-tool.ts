import type { JsonSchema, Tool, ToolContext, ToolValidation, ValidationIssue } from '@troupe/core';
import { InvalidArgumentError } from '@troupe/core';
import { z } from 'zod';
import { isJsonSchemaInput, type JsonSchemaInput } from './json-schema-input.ts';

/** What `input` of {@link defineTool} accepts: a zod schema, or `jsonSchema({...})`. */
export type ToolInput<Args = unknown> = z.ZodType<Args> | JsonSchemaInput<Args>;

/** The arguments type a tool input describes (zod's output type, or jsonSchema's type parameter). */
export type ToolArgs<Input> = Input extends z.ZodType
  ? z.output<Input>
  : Input extends JsonSchemaInput<infer Args>
    ? Args
    : never;

/** Options of {@link defineTool}. */
export interface DefineToolOptions<Input extends ToolInput> {
  /** The name the model calls; letters, digits, `_` and `-`, at most 64 characters. */
  name: string;
  /** What the tool does and when to use it; the model reads this. */
  description: string;
  /** The arguments: a zod schema (types flow to `execute`) or `jsonSchema({...})`. */
  input: Input;
  /** Runs the call. A return value that is not a string is sent to the model as JSON. */
  execute: (args: ToolArgs<Input>, context: ToolContext) => unknown;
  /** Per-call time limit; the call's `signal` fires when it passes. Default: the dispatcher's (30 s). */
  timeoutMs?: number;
  /** When true the turn pauses for approval before this tool runs. */
  needsApproval?: boolean;
}

const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;

/** The path of a validation issue in the `a.b[2].c` form models read easily. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out.length === 0 ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function zodInputSchema(schema: z.ZodType): JsonSchema {
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const { $schema: _dialect, ...rest } = generated;
  return rest;
}

function zodValidator<Args>(schema: z.ZodType<Args>): (args: unknown) => ToolValidation<Args> {
  return (args) => {
    const result = schema.safeParse(args);
    if (result.success) return { ok: true, value: result.data };
    const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
      path: formatIssuePath(issue.path),
      message: issue.message,
    }));
    return { ok: false, issues };
  };
}

/**
 * Defines a tool from a zod schema or a JSON Schema. The JSON Schema sent to models comes from
 * zod's own converter; arguments are validated before `execute` runs, and a failure is reported to
 * the model as an error result it can correct, never a crashed turn.
 */
export function defineTool<Input extends ToolInput>(options: DefineToolOptions<Input>): Tool<ToolArgs<Input>> {
  if (!toolNamePattern.test(options.name)) {
    throw new InvalidArgumentError(
      `Tool name "${options.name}" is not accepted by model providers; use 1-64 letters, digits, "_" or "-".`,
    );
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new InvalidArgumentError(`Tool "${options.name}" has timeoutMs ${options.timeoutMs}; use a number > 0.`);
  }
  const input = options.input as ToolInput;
  let inputSchema: JsonSchema;
  let validate: (args: unknown) => ToolValidation<unknown>;
  if (isJsonSchemaInput(input)) {
    inputSchema = input.schema;
    validate = (args) => input.validate(args);
  } else if (input instanceof z.ZodType || (typeof input === 'object' && input !== null && '_zod' in input)) {
    inputSchema = zodInputSchema(input as z.ZodType);
    validate = zodValidator(input as z.ZodType);
  } else {
    throw new InvalidArgumentError(`Tool "${options.name}" needs \`input\`: a zod schema or jsonSchema({...}).`);
  }
  const tool: Tool<ToolArgs<Input>> = {
    name: options.name,
    description: options.description,
    inputSchema,
    validate: validate as (args: unknown) => ToolValidation<ToolArgs<Input>>,
    execute: (args, context) => options.execute(args, context),
  };
  return Object.freeze({
    ...tool,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.needsApproval === undefined ? {} : { needsApproval: options.needsApproval }),
  });
}
