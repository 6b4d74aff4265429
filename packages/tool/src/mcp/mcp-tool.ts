import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  type JsonSchema,
  type Logger,
  ToolExecutionError,
  ToolUnavailableError,
  type ToolValidation,
} from '@troupe/core';
import type { ToolCallContext, TroupeTool } from '../define-tool.ts';
import { compileJsonSchema } from '../json-schema-validator.ts';
import {
  isConnectionFailure,
  type McpConnectionStatus,
  type McpSession,
  type McpToolDescription,
} from './mcp-connection.ts';
import { type McpCallResult, mcpResultText } from './mcp-content.ts';

/** What an MCP-backed tool needs from its tool set. */
export interface McpToolHost {
  /** Names the server in messages. */
  readonly label: string;
  readonly status: McpConnectionStatus;
  readonly lastError: unknown;
  /** The live session, or undefined while the server is not connected. */
  activeSession(): McpSession | undefined;
  /** Reports a transport failure seen by a call. */
  lost(session: McpSession, error: unknown): void;
  /** True while the server's latest tool list has a tool of this (server) name. */
  offers(serverToolName: string): boolean;
}

/** Per-tool settings shared by every tool of a server. */
export interface McpToolSettings {
  /** The Troupe tool name. */
  name: string;
  timeoutMs: number | undefined;
  needsApproval: boolean | undefined;
  logger: Logger;
}

// The dispatcher's timeout (through the signal) bounds a call, not the SDK's real-time timer.
const noSdkTimeoutMs = 2_147_483_647;

/** A tool name every provider accepts: `prefix + name` with other characters as `_`, at most 64. */
export function troupeToolName(prefix: string, serverToolName: string): string {
  return `${prefix}${serverToolName}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One Troupe tool calling one tool of the MCP server behind `host`. */
export function mcpTool(description: McpToolDescription, host: McpToolHost, settings: McpToolSettings): TroupeTool {
  const { name } = settings;
  // Servers may omit `type: 'object'`; providers require it.
  const inputSchema: JsonSchema = { type: 'object', ...description.inputSchema };
  let validate: ((args: unknown) => ToolValidation<unknown>) | undefined;
  try {
    validate = compileJsonSchema<unknown>(inputSchema, `MCP tool ${description.name}`);
  } catch (error) {
    // A schema ajv cannot compile should not make the tool unusable; the server still validates.
    settings.logger.warn(`MCP tool ${description.name} has an input schema ajv cannot compile; not validating it.`, {
      error,
    });
  }
  const unavailable = (cause: unknown) => {
    const closed = host.status === 'closed';
    return new ToolUnavailableError(
      `Tool ${name} is unavailable: the MCP server ${host.label} is not connected (${host.status})`,
      {
        cause,
        toolName: name,
        ...(closed ? { remedy: 'The connection to this tool server was closed; continue without it.' } : {}),
      },
    );
  };

  return {
    name,
    description: description.description ?? description.title ?? description.annotations?.title ?? description.name,
    inputSchema,
    ...(validate === undefined ? {} : { validate }),
    kind: 'mcp',
    isolated: false,
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    ...(settings.needsApproval === undefined ? {} : { needsApproval: settings.needsApproval }),
    async execute(args: unknown, context: ToolCallContext) {
      const session = host.activeSession();
      if (session === undefined) throw unavailable(host.lastError);
      if (!host.offers(description.name)) {
        throw new ToolUnavailableError(`Tool ${name} is no longer offered by the MCP server ${host.label}.`, {
          toolName: name,
          remedy: 'Continue without it; the server removed this tool.',
        });
      }
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await session.client.callTool(
          { name: description.name, arguments: (args ?? {}) as Record<string, unknown> },
          undefined,
          { signal: context.signal, timeout: noSdkTimeoutMs },
        );
      } catch (error) {
        if (context.signal.aborted) throw error;
        if (isConnectionFailure(error)) {
          host.lost(session, error);
          throw unavailable(error);
        }
        throw new ToolExecutionError(`Tool ${name} failed on the MCP server: ${errorMessage(error)}`, {
          cause: error,
          toolName: name,
        });
      }
      const text = mcpResultText(result as McpCallResult);
      if (result.isError === true) {
        throw new ToolExecutionError(`Tool ${name} reported an error: ${text}`, { toolName: name });
      }
      return text;
    },
  };
}
