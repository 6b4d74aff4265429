export {
  type DefineToolOptions,
  defineTool,
  formatIssuePath,
  type ToolArgs,
  type ToolInput,
} from './define-tool.ts';
export {
  ajvIssues,
  compileJsonSchema,
  isJsonSchemaInput,
  type JsonSchemaInput,
  jsonSchema,
} from './json-schema-input.ts';
export {
  createToolDispatcher,
  type DispatchContext,
  type DispatchedToolContext,
  reportToolUsage,
  type ToolDispatcher,
  type ToolDispatcherOptions,
  type ToolOutcome,
} from './tool-dispatcher.ts';
export { DEFAULT_MAX_OUTPUT_CHARS, serializeToolOutput, truncateToolOutput } from './tool-output.ts';
