export { type ActorToolSpec, actorTool, type ToolCallMessage } from './actor-tool.ts';
export { type AgentTool, type AgentToolOptions, agentTool } from './agent-tool.ts';
export {
  type DefineToolOptions,
  defineTool,
  type ToolArgs,
  type ToolCallContext,
  type ToolDefinition,
  type ToolInput,
  type ToolKind,
  type TroupeTool,
} from './define-tool.ts';
export { isJsonSchemaInput, type JsonSchemaInput, jsonSchema } from './json-schema-input.ts';
export { ajvIssues, compileJsonSchema, type JsonSchemaValidator } from './json-schema-validator.ts';
export { memorySessionState } from './memory-session-state.ts';
export { type NormalizeSchemaOptions, normalizeSchema, type SchemaTarget } from './normalize-schema.ts';
export {
  createToolDispatcher,
  type DispatchContext,
  type DispatchedToolContext,
  dispatchAbortCheck,
  dispatchNow,
  reportToolUsage,
  type ToolDispatcher,
  type ToolDispatcherOptions,
  type ToolOutcome,
} from './tool-dispatcher.ts';
export { DEFAULT_MAX_OUTPUT_CHARS, serializeToolOutput, truncateToolOutput } from './tool-output.ts';
export { formatIssuePath } from './validation-issues.ts';
