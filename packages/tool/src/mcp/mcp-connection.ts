import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { backoff, type Clock, type Logger, ToolUnavailableError } from '@troupe/core';

/** An MCP server started as a child process, spoken to over stdin/stdout. */
export interface McpStdioServer {
  type: 'stdio';
  /** The executable, e.g. `npx` or an absolute path. */
  command: string;
  args?: string[];
  /** Added to a safe default environment (PATH, HOME, ...). */
  env?: Record<string, string>;
  cwd?: string;
  /** What happens to the server's stderr. Default `inherit`. */
  stderr?: 'inherit' | 'ignore';
}

/** An MCP server reached over streamable HTTP. */
export interface McpHttpServer {
  type: 'http';
  /** The MCP endpoint, e.g. `http://127.0.0.1:3001/mcp`. */
  url: string | URL;
  /** Sent with every request (e.g. `authorization`). */
  headers?: Record<string, string>;
}

/** Where the MCP server is. */
export type McpServer = McpStdioServer | McpHttpServer;

/** The state of the supervised connection. */
export type McpConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Reconnection backoff. */
export interface McpReconnectOptions {
  /** The cap of the first delay. Default 250 ms. */
  baseDelayMs?: number;
  /** The cap of any delay. Default 30 000 ms. */
  maxDelayMs?: number;
  /** Randomness in [0, 1) for jitter. Default `Math.random`. */
  random?: () => number;
}

/** Settings of {@link McpConnection}. */
export interface McpConnectionOptions {
  server: McpServer;
  clientName: string;
  clock: Clock;
  logger: Logger;
  reconnect: McpReconnectOptions;
  connectTimeoutMs: number;
  onStatus: ((status: McpConnectionStatus, error?: unknown) => void) | undefined;
}

/**
 * A supervised MCP client: when the transport closes (the server process died) or a request fails
 * at the transport level, the client is dropped and a new one connects after an exponential
 * backoff with jitter on the injected clock, until `close()`. While it is down, `client()` is
 * undefined so callers fail fast instead of waiting.
 */
export class McpConnection {
  private current: Client | undefined;
  private currentTransport: StdioClientTransport | StreamableHTTPClientTransport | undefined;
  private state: McpConnectionStatus = 'connecting';
  private attempt = 0;
  private timer: unknown;
  private readonly delays;
  /** The error that took the connection down, for messages. */
  lastError: unknown;

  constructor(private readonly options: McpConnectionOptions) {
    this.delays = backoff({
      maxRetries: Number.MAX_SAFE_INTEGER,
      baseDelayMs: options.reconnect.baseDelayMs ?? 250,
      maxDelayMs: options.reconnect.maxDelayMs ?? 30_000,
      ...(options.reconnect.random === undefined ? {} : { random: options.reconnect.random }),
    });
  }

  get status(): McpConnectionStatus {
    return this.state;
  }

  /** The live client, or undefined while disconnected. */
  client(): Client | undefined {
    return this.current;
  }

  /** The server's process id (stdio), while connected. */
  get serverPid(): number | undefined {
    const transport = this.currentTransport;
    return transport instanceof StdioClientTransport ? (transport.pid ?? undefined) : undefined;
  }

  /** A short description of the server for messages. */
  get label(): string {
    const server = this.options.server;
    return server.type === 'stdio' ? `${server.command} ${(server.args ?? []).join(' ')}`.trim() : String(server.url);
  }

  /** The first connection; rejects with `ToolUnavailableError` when it cannot be made. */
  async start(): Promise<Client> {
    try {
      const client = await this.connectOnce();
      this.setStatus('connected');
      return client;
    } catch (error) {
      this.setStatus('closed', error);
      throw new ToolUnavailableError(`Could not connect to the MCP server ${this.label}: ${(error as Error).message}`, {
        cause: error,
        remedy: 'Check that the server command or URL is right and the server starts, then try again.',
      });
    }
  }

  /**
   * Reports that `client` failed at the transport level. Ignored for a client that was already
   * replaced, so one outage triggers one reconnect loop.
   */
  lost(client: Client, error: unknown): void {
    if (client !== this.current || this.state === 'closed') return;
    this.current = undefined;
    this.currentTransport = undefined;
    this.lastError = error;
    this.options.logger.warn(`MCP server ${this.label} disconnected; reconnecting.`, { error });
    client.close().catch(() => undefined);
    this.setStatus('reconnecting', error);
    this.scheduleReconnect();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.setStatus('closed');
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.current;
    this.current = undefined;
    this.currentTransport = undefined;
    await client?.close().catch(() => undefined);
  }

  private setStatus(status: McpConnectionStatus, error?: unknown): void {
    this.state = status;
    try {
      this.options.onStatus?.(status, error);
    } catch {
      // A failing listener must not break the supervision loop.
    }
  }

  private scheduleReconnect(): void {
    const delayMs = this.delays.delayMs(this.attempt);
    this.attempt++;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.reconnect();
    }, delayMs);
  }

  private async reconnect(): Promise<void> {
    if (this.state === 'closed') return;
    try {
      await this.connectOnce();
      if ((this.state as McpConnectionStatus) === 'closed') {
        await this.close();
        return;
      }
      this.attempt = 0;
      this.options.logger.info(`MCP server ${this.label} reconnected.`);
      this.setStatus('connected');
    } catch (error) {
      if ((this.state as McpConnectionStatus) === 'closed') return;
      this.lastError = error;
      this.scheduleReconnect();
    }
  }

  private createTransport(): StdioClientTransport | StreamableHTTPClientTransport {
    const server = this.options.server;
    if (server.type === 'stdio') {
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

  private async connectOnce(): Promise<Client> {
    const client = new Client({ name: this.options.clientName, version: '1.0.0' }, { capabilities: {} });
    const transport = this.createTransport();
    client.onclose = () => this.lost(client, new Error('the connection closed'));
    client.onerror = (error) => this.options.logger.debug('MCP transport error.', { error });
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.options.clock.setTimeout(
        () => reject(new Error(`no answer to initialize within ${this.options.connectTimeoutMs} ms`)),
        this.options.connectTimeoutMs,
      );
    });
    try {
      await Promise.race([client.connect(transport), timeout]);
    } catch (error) {
      client.onclose = undefined;
      await client.close().catch(() => undefined);
      throw error;
    } finally {
      this.options.clock.clearTimeout(timer);
    }
    this.current = client;
    this.currentTransport = transport;
    return client;
  }
}
