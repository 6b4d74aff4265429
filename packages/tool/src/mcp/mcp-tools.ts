import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  type Clock,
  InvalidArgumentError,
  type JsonSchema,
  type Logger,
  silentLogger,
  systemClock,
  ToolExecutionError,
  ToolUnavailableError,
  type ToolValidation,
} from '@troupe/core';
import type { ToolCallContext, TroupeTool } from '../define-tool.ts';
import { compileJsonSchema } from '../json-schema-validator.ts';
import { McpConnection, type McpConnectionStatus, type McpReconnectOptions, type McpServer } from './mcp-connection.ts';
import { type McpCallResult, mcpResultText } from './mcp-content.ts';

/** Options of {@link mcpTools}. */
export interface McpToolsOptions {
  /** Where the server is: a command to spawn (stdio) or a streamable HTTP URL. */
  server: McpServer;
  /** Put before every tool name (e.g. `github_`), to keep names unique across servers. */
  prefix?: string;
  /** Keep only these tools (server names, before the prefix), or those the function accepts. */
  include?: readonly string[] | ((name: string) => boolean);
  /** Per-call time limit of every tool. Default: the dispatcher's. */
  timeoutMs?: number;
  /** Whether the tools need approval before they run. Default false. */
  needsApproval?: boolean | ((name: string) => boolean);
  /** Backoff between reconnection attempts. */
  reconnect?: McpReconnectOptions;
  /** How long one connection attempt may take. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Time for backoff and connect timeouts. Default: the system clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** Sees every change of the connection (for health checks). */
  onStatus?: (status: McpConnectionStatus, error?: unknown) => void;
  /** The client name the server sees. Default `troupe`. */
  clientName?: string;
}

/** The tools of one MCP server over a supervised connection. */
export interface McpToolSet {
  /** One Troupe tool per server tool, named `prefix + name`. */
  readonly tools: TroupeTool[];
  /** The connection's state; calls fail fast with `ToolUnavailableError` unless `connected`. */
  readonly status: McpConnectionStatus;
  /** The server's name and version, from the handshake. */
  readonly serverInfo: { name: string; version: string } | undefined;
  /** The server's process id (stdio), while connected. */
  readonly serverPid: number | undefined;
  /** Disconnects and stops reconnecting (a stdio server is stopped). Idempotent. */
  close(): Promise<void>;
  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The MCP tool description fields Troupe uses. */
interface McpToolDescription {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonSchema;
  annotations?: { title?: string };
}

// Some requests never end on their own (a server that hangs): the dispatcher's timeout, through
// the signal, is what bounds a call, not the SDK's own real-time timer.
const sdkRequestTimeoutMs = 2_147_483_647;

function safeName(prefix: string, name: string): string {
  return `${prefix}${name}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

async function listAllTools(client: Client): Promise<McpToolDescription[]> {
  const tools: McpToolDescription[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor });
    tools.push(...(page.tools as McpToolDescription[]));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}

/** True when an error means the transport is gone (as opposed to the server refusing one call). */
function isConnectionFailure(error: unknown): boolean {
  if (error instanceof McpError) return error.code === ErrorCode.ConnectionClosed;
  return true;
}

/**
 * Connects to an MCP server (stdio or streamable HTTP) and turns its tools into Troupe tools.
 * Arguments are validated with ajv against each tool's input schema before the call is sent. The
 * connection is supervised: if the server dies, calls fail at once with a `ToolUnavailableError`
 * result while it reconnects with backoff, and work again once it is back. Rejects with
 * `ToolUnavailableError` when the first connection fails.
 */
export async function mcpTools(options: McpToolsOptions): Promise<McpToolSet> {
  const prefix = options.prefix ?? '';
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new InvalidArgumentError(`mcpTools timeoutMs is ${options.timeoutMs}; it must be a number > 0.`);
  }
  const logger = options.logger ?? silentLogger;
  const connection = new McpConnection({
    server: options.server,
    clientName: options.clientName ?? 'troupe',
    clock: options.clock ?? systemClock,
    logger,
    reconnect: options.reconnect ?? {},
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    onStatus: options.onStatus,
  });
  const client = await connection.start();
  let descriptions: McpToolDescription[];
  try {
    descriptions = await listAllTools(client);
  } catch (error) {
    await connection.close();
    throw new ToolUnavailableError(
      `The MCP server ${connection.label} could not list its tools: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const include = options.include;
  const wanted = descriptions.filter((tool) =>
    include === undefined ? true : typeof include === 'function' ? include(tool.name) : include.includes(tool.name),
  );
  const serverVersion = client.getServerVersion();
  const serverInfo =
    serverVersion === undefined ? undefined : { name: serverVersion.name, version: serverVersion.version };
  const tools = wanted.map((description) => toTroupeTool(description, { prefix, connection, options, logger }));

  return {
    tools,
    get status() {
      return connection.status;
    },
    serverInfo,
    get serverPid() {
      return connection.serverPid;
    },
    close: () => connection.close(),
    [Symbol.asyncDispose]: () => connection.close(),
  };
}

function toTroupeTool(
  description: McpToolDescription,
  setup: { prefix: string; connection: McpConnection; options: McpToolsOptions; logger: Logger },
): TroupeTool {
  const { connection, options } = setup;
  const name = safeName(setup.prefix, description.name);
  const inputSchema: JsonSchema = { type: 'object', ...description.inputSchema };
  let validate: ((args: unknown) => ToolValidation<unknown>) | undefined;
  try {
    validate = compileJsonSchema<unknown>(inputSchema, `MCP tool ${description.name}`);
  } catch (error) {
    // A schema ajv cannot compile should not make the tool unusable; the server still validates.
    setup.logger.warn(`MCP tool ${description.name} has an input schema ajv cannot compile; not validating it.`, {
      error,
    });
  }
  const needsApproval =
    typeof options.needsApproval === 'function' ? options.needsApproval(description.name) : options.needsApproval;
  const unavailable = (cause: unknown) =>
    new ToolUnavailableError(
      `Tool ${name} is unavailable: the MCP server ${connection.label} is not connected (${connection.status})`,
      { cause, toolName: name },
    );

  return {
    name,
    description: description.description ?? description.title ?? description.annotations?.title ?? description.name,
    inputSchema,
    ...(validate === undefined ? {} : { validate }),
    kind: 'mcp',
    isolated: false,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(needsApproval === undefined ? {} : { needsApproval }),
    async execute(args: unknown, context: ToolCallContext) {
      const client = connection.client();
      if (client === undefined) throw unavailable(connection.lastError);
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await client.callTool(
          { name: description.name, arguments: (args ?? {}) as Record<string, unknown> },
          undefined,
          { signal: context.signal, timeout: sdkRequestTimeoutMs },
        );
      } catch (error) {
        if (context.signal.aborted) throw error;
        if (isConnectionFailure(error)) {
          connection.lost(client, error);
          throw unavailable(error);
        }
        throw new ToolExecutionError(`Tool ${name} failed on the MCP server: ${(error as Error).message}`, {
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
