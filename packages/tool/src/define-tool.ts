import {
  InvalidArgumentError,
  type JsonSchema,
  type Tool,
  type ToolContext,
  type ToolValidation,
  type Usage,
} from '@troupe/core';
import type { z } from 'zod';
import { isJsonSchemaInput, type JsonSchemaInput } from './json-schema-input.ts';
import { compileJsonSchema } from './json-schema-validator.ts';
import { isZodSchema, validateWithZod, zodInputSchema } from './zod-input.ts';

/** How a tool runs. */
export type ToolKind = 'inline' | 'isolated' | 'actor' | 'agent' | 'mcp';

/** What `execute` receives from the Troupe dispatcher: the core context plus usage reporting. */
export interface ToolCallContext extends ToolContext {
  /**
   * Adds model usage spent inside the tool (a sub-agent's tokens) to the call's outcome. Present
   * when the tool runs under `createToolDispatcher`.
   */
  reportUsage?(usage: Usage): void;
}

/** A tool built by this package: a core `Tool` plus how it runs. */
export interface TroupeTool<Args = unknown, Output = unknown> extends Tool<Args, Output> {
  /** How the dispatcher runs it. */
  readonly kind: ToolKind;
  /** True when each call runs in its own supervised actor. */
  readonly isolated: boolean;
}

/** The options of {@link defineTool} besides `input`. */
export interface ToolDefinition<Args, Output = unknown> {
  /** Sent to the model; letters, digits, `_` and `-`, at most 64 characters. */
  name: string;
  /** Tells the model when and how to use the tool. */
  description: string;
  /** Runs the tool with validated arguments. Non-string results are sent to the model as JSON. */
  execute: (args: Args, context: ToolCallContext) => Output | Promise<Output>;
  /** Per-call time limit in ms. Default: the dispatcher's `defaultTimeoutMs` (30 s). */
  timeoutMs?: number;
  /** When true the turn pauses for approval before this tool runs. */
  needsApproval?: boolean;
  /** Runs each call in its own supervised actor, so a crash or hang is contained. */
  isolated?: boolean;
}

/** What `input` of {@link defineTool} accepts: a zod schema, or `jsonSchema({...})`. */
export type ToolInput<Args = unknown> = z.ZodType<Args> | JsonSchemaInput<Args>;

/** The arguments type a tool input describes (zod's output type, or jsonSchema's type parameter). */
export type ToolArgs<Input> = Input extends z.ZodType
  ? z.output<Input>
  : Input extends JsonSchemaInput<infer Args>
    ? Args
    : never;

/** Every option of {@link defineTool}, for an input of type `Input`. */
export type DefineToolOptions<Input extends ToolInput, Output = unknown> = ToolDefinition<ToolArgs<Input>, Output> & {
  /** The arguments: a zod schema (types flow to `execute`) or `jsonSchema({...})`. */
  input: Input;
};

const toolNamePattern = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks the options every tool kind shares; throws `InvalidArgumentError`. */
export function checkToolOptions(options: { name: string; timeoutMs?: number | undefined }): void {
  if (typeof options.name !== 'string' || !toolNamePattern.test(options.name)) {
    throw new InvalidArgumentError(`Tool name ${JSON.stringify(options.name)} is not valid.`, {
      remedy: 'Use 1-64 letters, digits, underscores or dashes (what every provider accepts), e.g. get_weather.',
    });
  }
  const timeout = options.timeoutMs;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
    throw new InvalidArgumentError(`Tool ${options.name} has timeoutMs ${timeout}; it must be a number > 0.`);
  }
}

/** The JSON Schema and validator of a tool input (zod or {@link jsonSchema}). */
export function resolveToolInput<Args>(
  input: z.ZodType | JsonSchemaInput,
  toolName: string,
): { inputSchema: JsonSchema; validate: (args: unknown) => ToolValidation<Args> } {
  if (isZodSchema(input)) {
    const schema = input;
    return { inputSchema: zodInputSchema(schema), validate: (args) => validateWithZod<Args>(schema, args) };
  }
  if (isJsonSchemaInput(input)) {
    return { inputSchema: input.schema, validate: compileJsonSchema<Args>(input.schema, `tool ${toolName}`) };
  }
  throw new InvalidArgumentError(`Tool ${toolName} has an input that is neither a zod schema nor jsonSchema(...).`, {
    remedy: 'Pass input: z.object({...}) or input: jsonSchema({...}).',
  });
}

/**
 * Defines a tool from a zod 4 schema (argument types flow into `execute`) or from
 * `jsonSchema({...})` (validated by ajv, compiled once here).
 */
export function defineTool<Schema extends z.ZodType, Output = unknown>(
  options: ToolDefinition<z.output<Schema>, Output> & { input: Schema },
): TroupeTool<z.output<Schema>, Output>;
export function defineTool<Args, Output = unknown>(
  options: ToolDefinition<Args, Output> & { input: JsonSchemaInput<Args> },
): TroupeTool<Args, Output>;
export function defineTool<Output = unknown>(
  options: ToolDefinition<unknown, Output> & { input: z.ZodType | JsonSchemaInput },
): TroupeTool<unknown, Output>;
export function defineTool<Args, Output>(
  options: ToolDefinition<Args, Output> & { input: z.ZodType | JsonSchemaInput<Args> },
): TroupeTool<Args, Output> {
  checkToolOptions(options);
  if (typeof options.execute !== 'function') {
    throw new InvalidArgumentError(`Tool ${options.name} has no execute function.`);
  }
  const { inputSchema, validate } = resolveToolInput<Args>(options.input, options.name);
  const isolated = options.isolated === true;
  return {
    name: options.name,
    description: options.description,
    inputSchema,
    validate,
    execute: options.execute,
    kind: isolated ? 'isolated' : 'inline',
    isolated,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.needsApproval === undefined ? {} : { needsApproval: options.needsApproval }),
  };
}
