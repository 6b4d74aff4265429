export { type ActorToolSpec, actorTool, type ToolCallMessage } from './actor-tool.ts';
export { type AgentTool, type AgentToolOptions, agentTool } from './agent-tool.ts';
export {
  defineTool,
  type ToolCallContext,
  type ToolDefinition,
  type ToolKind,
  type TroupeTool,
} from './define-tool.ts';
export { isJsonSchemaInput, type JsonSchemaInput, jsonSchema } from './json-schema-input.ts';
export { memorySessionState } from './memory-session-state.ts';
export { type NormalizeSchemaOptions, normalizeSchema, type SchemaTarget } from './normalize-schema.ts';
export {
  createToolDispatcher,
  type DispatchContext,
  type ToolDispatcher,
  type ToolDispatcherOptions,
  type ToolOutcome,
} from './tool-dispatcher.ts';
export { serializeToolOutput, truncateToolOutput } from './tool-output.ts';
