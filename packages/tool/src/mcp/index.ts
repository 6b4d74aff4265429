export type { McpConnectionStatus, McpReconnectOptions } from './mcp-connection.ts';
export { type McpCallResult, mcpResultText } from './mcp-content.ts';
export type { McpHttpServer, McpServer, McpStdioServer, McpTransportServer } from './mcp-server-options.ts';
export { type McpToolset, type McpToolsOptions, mcpTools } from './mcp-tools.ts';
