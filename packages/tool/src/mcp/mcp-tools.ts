import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type Clock, InvalidArgumentError, type Logger, silentLogger, systemClock } from '@troupe/core';
import type { TroupeTool } from '../define-tool.ts';
import {
  McpConnection,
  type McpConnectionStatus,
  type McpReconnectOptions,
  type McpToolDescription,
} from './mcp-connection.ts';
import { checkMcpServer, type McpServer } from './mcp-server-options.ts';
import { mcpTool, troupeToolName } from './mcp-tool.ts';

/** Options of {@link mcpTools}. */
export interface McpToolsOptions {
  /**
   * Where the server is: `{ command, args, env, cwd }` (stdio, the process is started for you),
   * `{ url, headers }` (streamable HTTP) or `{ transport: () => transport }` (any SDK transport).
   * Required unless `client` is already connected.
   */
  server?: McpServer;
  /**
   * An `@modelcontextprotocol/sdk` `Client` to use instead of a new one, e.g. to declare
   * capabilities (roots, sampling) and handle the server's requests. It is connected to every new
   * transport; if it is already connected it is used as is, and without `server` it cannot be
   * reconnected. `close()` closes it. Troupe sets its `onclose`/`onerror` and its
   * `notifications/tools/list_changed` handler.
   */
  client?: Client;
  /** Put before every tool name (e.g. `github_`), to keep names unique across servers. */
  prefix?: string;
  /** Keep only these tools (server names, before the prefix), or those the function accepts. */
  include?: readonly string[] | ((name: string) => boolean);
  /** Per-call time limit of every tool. Default: the dispatcher's. */
  timeoutMs?: number;
  /** Whether a tool needs approval before it runs (per server tool name). Default false. */
  needsApproval?: boolean | ((name: string) => boolean);
  /** Backoff between reconnection attempts. Default `{ baseDelayMs: 250, maxDelayMs: 30_000 }`. */
  reconnect?: McpReconnectOptions;
  /** How long one connection attempt (handshake and tool listing) may take. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Time for the reconnection backoff and the connect deadline. Default: the system clock. */
  clock?: Clock;
  /** Receives connection warnings. Default: silent. */
  logger?: Logger;
  /** Sees every change of the connection status, with the error behind `reconnecting`/`closed`. */
  onStatus?: (status: McpConnectionStatus, error?: unknown) => void;
  /** Sees the new tool list whenever it changes (after a reconnection or a server notice). */
  onToolsChange?: (tools: TroupeTool[]) => void;
  /** The client name the server sees. Default `troupe`. */
  clientName?: string;
}

/** The tools of one MCP server over a supervised connection. */
export interface McpToolset {
  /**
   * The server's tools as Troupe tools, named `prefix + name`: the latest list, re-read after each
   * reconnection and each `notifications/tools/list_changed`. Unchanged tools keep their identity.
   */
  tools(): TroupeTool[];
  /** The connection's state; calls fail fast with `ToolUnavailableError` unless `connected`. */
  readonly status: McpConnectionStatus;
  /** True while calls can reach the server. */
  readonly connected: boolean;
  /** The error that last took the connection down or made a reconnection attempt fail. */
  readonly lastError: unknown;
  /** The server's name and version from the latest handshake. */
  readonly serverInfo: { name: string; version: string } | undefined;
  /** The server's process id (stdio), while connected. */
  readonly serverPid: number | undefined;
  /** Disconnects and stops reconnecting (a stdio server is stopped). Idempotent. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

interface CatalogEntry {
  signature: string;
  tool: TroupeTool;
}

function checkPositive(name: string, value: number | undefined): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw new InvalidArgumentError(`mcpTools ${name} is ${value}; it must be a finite number > 0.`);
  }
}

function checkOptions(options: McpToolsOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError('mcpTools needs an options object: mcpTools({ server: { command, args } }).');
  }
  if (options.server !== undefined || options.client?.transport === undefined) checkMcpServer(options.server);
  checkPositive('timeoutMs', options.timeoutMs);
  checkPositive('connectTimeoutMs', options.connectTimeoutMs);
  if (options.prefix !== undefined && typeof options.prefix !== 'string') {
    throw new InvalidArgumentError(`mcpTools prefix must be a string, got ${typeof options.prefix}.`);
  }
}

/**
 * Connects to an MCP server (stdio, streamable HTTP or any SDK transport) and turns its tools into
 * Troupe tools. Arguments are validated with ajv against each tool's input schema before the call
 * is sent; result content becomes text; an `isError` result becomes a `ToolExecutionError`. The
 * connection is supervised: if the server dies, calls fail at once with `ToolUnavailableError`
 * while it reconnects with backoff, and work again once it is back. Rejects with
 * `ToolUnavailableError` when the first connection fails.
 */
export async function mcpTools(options: McpToolsOptions): Promise<McpToolset> {
  checkOptions(options);
  const prefix = options.prefix ?? '';
  const logger = options.logger ?? silentLogger;
  const include = options.include;
  let catalog = new Map<string, CatalogEntry>();
  let started = false;

  const connection: McpConnection = new McpConnection({
    server: options.server,
    client: options.client,
    clientName: options.clientName ?? 'troupe',
    clock: options.clock ?? systemClock,
    logger,
    reconnect: options.reconnect ?? {},
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    onStatus: (status, error) => options.onStatus?.(status, error),
    onToolList: (descriptions) => applyToolList(descriptions),
  });
  const host = {
    label: connection.label,
    get status() {
      return connection.status;
    },
    get lastError() {
      return connection.lastError;
    },
    activeSession: () => connection.activeSession(),
    lost: connection.lost.bind(connection),
    offers: (serverToolName: string) => catalog.has(serverToolName),
  };
  const currentTools = () => [...catalog.values()].map((entry) => entry.tool);

  function applyToolList(descriptions: McpToolDescription[]): void {
    const next = new Map<string, CatalogEntry>();
    const names = new Set<string>();
    for (const description of descriptions) {
      const wanted =
        include === undefined
          ? true
          : typeof include === 'function'
            ? include(description.name)
            : include.includes(description.name);
      if (!wanted) continue;
      const name = troupeToolName(prefix, description.name);
      if (names.has(name)) {
        logger.warn(`MCP tool ${description.name} is skipped: another tool of ${connection.label} is also ${name}.`);
        continue;
      }
      names.add(name);
      const signature = JSON.stringify(description);
      const previous = catalog.get(description.name);
      const needsApproval =
        typeof options.needsApproval === 'function' ? options.needsApproval(description.name) : options.needsApproval;
      const tool =
        previous !== undefined && previous.signature === signature
          ? previous.tool
          : mcpTool(description, host, { name, timeoutMs: options.timeoutMs, needsApproval, logger });
      next.set(description.name, { signature, tool });
    }
    const changed =
      next.size !== catalog.size ||
      [...next].some(([serverName, entry]) => catalog.get(serverName)?.tool !== entry.tool);
    catalog = next;
    if (!changed || !started) return;
    logger.info(`MCP server ${connection.label} now offers ${next.size} tools.`);
    try {
      options.onToolsChange?.(currentTools());
    } catch (error) {
      logger.warn('An MCP tools listener threw.', { error });
    }
  }

  await connection.start();
  started = true;
  const close = () => connection.close();
  return {
    tools: currentTools,
    get status() {
      return connection.status;
    },
    get connected() {
      return connection.status === 'connected';
    },
    get lastError() {
      return connection.lastError;
    },
    get serverInfo() {
      return connection.serverInfo;
    },
    get serverPid() {
      return connection.serverPid;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
