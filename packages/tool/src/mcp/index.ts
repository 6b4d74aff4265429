export type {
  McpConnectionStatus,
  McpHttpServer,
  McpReconnectOptions,
  McpServer,
  McpStdioServer,
} from './mcp-connection.ts';
export { type McpCallResult, mcpResultText } from './mcp-content.ts';
export { type McpToolSet, type McpToolsOptions, mcpTools } from './mcp-tools.ts';
