import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { InvalidArgumentError } from '@troupe/core';

/** An MCP server started as a child process and spoken to over its stdin and stdout. */
export interface McpStdioServer {
  /** Optional tag; a `command` is enough to mean stdio. */
  type?: 'stdio';
  /** The executable, e.g. `npx` or an absolute path. */
  command: string;
  /** Arguments of the command. */
  args?: string[];
  /** Added to a safe default environment (PATH, HOME, ...); the parent's secrets are not passed on. */
  env?: Record<string, string>;
  /** Working directory of the server process. */
  cwd?: string;
  /** What happens to the server's stderr. Default `inherit`. */
  stderr?: 'inherit' | 'ignore';
}

/** An MCP server reached over streamable HTTP. */
export interface McpHttpServer {
  /** Optional tag; a `url` is enough to mean HTTP. */
  type?: 'http';
  /** The MCP endpoint, e.g. `http://127.0.0.1:3001/mcp`. */
  url: string | URL;
  /** Sent with every request (e.g. `authorization`). */
  headers?: Record<string, string>;
}

/** Any MCP transport: the factory is called for the first connection and again for each reconnection. */
export interface McpTransportServer {
  /** Returns a new, not yet started transport of `@modelcontextprotocol/sdk`. */
  transport: () => Transport | Promise<Transport>;
  /** Names the server in messages and logs. Default `custom transport`. */
  label?: string;
}

/** Where the MCP server is. */
export type McpServer = McpStdioServer | McpHttpServer | McpTransportServer;

/** Checks the server settings early, so a typo fails at `mcpTools(...)` with a clear message. */
export function checkMcpServer(server: unknown): asserts server is McpServer {
  const candidate = server as Partial<McpStdioServer & McpHttpServer & McpTransportServer> | null;
  if (candidate === null || typeof candidate !== 'object') {
    throw new InvalidArgumentError('mcpTools needs a server: { command, args } (stdio) or { url } (HTTP).');
  }
  if (typeof candidate.transport === 'function') return;
  if (typeof candidate.command === 'string' && candidate.command.length > 0) return;
  if (candidate.url !== undefined) {
    try {
      const url = new URL(String(candidate.url));
      if (url.protocol === 'http:' || url.protocol === 'https:') return;
    } catch {
      // Reported below with the remedy.
    }
    throw new InvalidArgumentError(
      `mcpTools server url ${JSON.stringify(String(candidate.url))} is not an http(s) URL.`,
      {
        remedy: 'Pass the full MCP endpoint, e.g. http://127.0.0.1:3001/mcp.',
      },
    );
  }
  throw new InvalidArgumentError('mcpTools server has neither a command, a url nor a transport factory.', {
    remedy:
      "Pass { command: 'npx', args: [...] } for a stdio server, { url: 'http://...' } for streamable HTTP, or { transport: () => new SomeTransport() }.",
  });
}

/** A short description of the server for messages. */
export function describeMcpServer(server: McpServer): string {
  if ('transport' in server) return server.label ?? 'custom transport';
  if ('command' in server) return `${server.command} ${(server.args ?? []).join(' ')}`.trim();
  return String(server.url);
}

/** A new transport for one connection attempt. */
export async function createMcpTransport(server: McpServer): Promise<Transport> {
  if ('transport' in server) return server.transport();
  if ('command' in server) {
    return new StdioClientTransport({
      command: server.command,
      ...(server.args === undefined ? {} : { args: server.args }),
      env: { ...getDefaultEnvironment(), ...server.env },
      ...(server.cwd === undefined ? {} : { cwd: server.cwd }),
      stderr: server.stderr ?? 'inherit',
    });
  }
  return new StreamableHTTPClientTransport(new URL(server.url), {
    ...(server.headers === undefined ? {} : { requestInit: { headers: server.headers } }),
  });
}
