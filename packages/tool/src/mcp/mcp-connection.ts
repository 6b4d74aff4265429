import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { backoff, type Clock, type JsonSchema, type Logger, sleep, ToolUnavailableError } from '@troupe/core';
import { createMcpTransport, describeMcpServer, type McpServer } from './mcp-server-options.ts';

/**
 * The state of the supervised connection: `connecting` until the first handshake, `connected`
 * while calls go through, `reconnecting` after the server went away, `closed` after `close()` (or
 * when a connection that Troupe cannot re-create ended).
 */
export type McpConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Backoff between reconnection attempts: full jitter, doubling from `baseDelayMs` up to `maxDelayMs`. */
export interface McpReconnectOptions {
  /** The ceiling of the first delay. Default 250 ms. */
  baseDelayMs?: number;
  /** The ceiling of any delay. Default 30 000 ms. */
  maxDelayMs?: number;
  /** Randomness in [0, 1) for the jitter. Default `Math.random`. */
  random?: () => number;
}

/** The fields of an MCP tool description that Troupe uses. */
export interface McpToolDescription {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonSchema;
  annotations?: { title?: string };
}

/** One client bound to one transport; a reconnection makes a new session. */
export interface McpSession {
  readonly client: Client;
  readonly transport: Transport | undefined;
  /** Set when the server announced a tool list change before the session became active. */
  toolsChangedDuringSetup: boolean;
}

/** Settings of {@link McpConnection}. */
export interface McpConnectionOptions {
  /** How to (re)connect; undefined when only a ready client was given. */
  server: McpServer | undefined;
  /** A client supplied by the caller, reused for every connection. */
  client: Client | undefined;
  clientName: string;
  clock: Clock;
  logger: Logger;
  reconnect: McpReconnectOptions;
  connectTimeoutMs: number;
  /** Called with the status and, for `reconnecting`/`closed`, the error that caused it. */
  onStatus: (status: McpConnectionStatus, error?: unknown) => void;
  /** Called with the server's full tool list after each connection and each change notification. */
  onToolList: (tools: McpToolDescription[]) => void;
}

// The SDK's own per-request timers run on real time; Troupe bounds requests with abort signals
// driven by the injected clock instead (and tool calls by the dispatcher's timeout).
const noSdkTimeoutMs = 2_147_483_647;

/**
 * True when an error means the transport is gone (the server died, the HTTP session is unknown
 * after a restart, a request got no answer in time), as opposed to the server refusing one request.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof McpError) return error.code === ErrorCode.ConnectionClosed;
  return true;
}

async function listAllTools(client: Client, signal: AbortSignal): Promise<McpToolDescription[]> {
  const tools: McpToolDescription[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor }, { signal, timeout: noSdkTimeoutMs });
    tools.push(...(page.tools as McpToolDescription[]));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}

/** Rejects with the signal's reason as soon as it aborts, whatever `promise` does. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The abandoned request may still fail later; that is expected, not an unhandled rejection.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * A supervised MCP client. When the transport closes (the server process died), a request fails at
 * the transport level, or a transport error is followed by a failed ping (an HTTP server that went
 * away), the session is dropped and a new one is made after an exponential backoff with jitter on
 * the injected clock, again and again until `close()`. While it is down `activeSession()` is
 * undefined so callers fail fast instead of waiting. Every new session lists the server's tools
 * again before it counts as connected.
 */
export class McpConnection {
  private session: McpSession | undefined;
  private state: McpConnectionStatus = 'connecting';
  private attempt = 0;
  private readonly delays;
  private readonly stopped = new AbortController();
  private previousClose: Promise<void> = Promise.resolve();
  private establishing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private checkingHealth = false;
  /** The error that last took the connection down or made a reconnection attempt fail. */
  lastError: unknown;
  /** The server's name and version from the latest handshake. */
  serverInfo: { name: string; version: string } | undefined;
  /** Names the server in messages. */
  readonly label: string;

  constructor(private readonly options: McpConnectionOptions) {
    this.delays = backoff({
      maxRetries: Number.MAX_SAFE_INTEGER,
      baseDelayMs: options.reconnect.baseDelayMs ?? 250,
      maxDelayMs: options.reconnect.maxDelayMs ?? 30_000,
      ...(options.reconnect.random === undefined ? {} : { random: options.reconnect.random }),
    });
    this.label = options.server === undefined ? 'given client' : describeMcpServer(options.server);
  }

  get status(): McpConnectionStatus {
    return this.state;
  }

  /** The live session while connected; undefined otherwise, so callers fail fast. */
  activeSession(): McpSession | undefined {
    return this.state === 'connected' ? this.session : undefined;
  }

  /** The server's process id (stdio), while connected. */
  get serverPid(): number | undefined {
    const transport = this.session?.transport;
    return transport instanceof StdioClientTransport ? (transport.pid ?? undefined) : undefined;
  }

  /** The first connection; rejects with `ToolUnavailableError` when it cannot be made. */
  async start(): Promise<void> {
    try {
      const given = this.options.client;
      if (given?.transport !== undefined) await this.adopt(given);
      else await this.track(this.establish());
    } catch (error) {
      this.stopped.abort();
      this.setStatus('closed', error);
      throw new ToolUnavailableError(
        `Could not connect to the MCP server ${this.label}: ${(error as Error)?.message ?? String(error)}`,
        {
          cause: error,
          remedy: 'Check that the server command or URL is right and that the server starts, then try again.',
        },
      );
    }
    this.setStatus('connected');
  }

  /**
   * Reports that `session` failed at the transport level. Ignored for a session that was already
   * replaced, so one outage starts one reconnection loop.
   */
  lost(session: McpSession, error: unknown): void {
    if (session !== this.session || this.state === 'closed') return;
    this.session = undefined;
    this.lastError = error;
    this.previousClose = session.client.close().catch(() => undefined);
    if (this.options.server === undefined) {
      this.options.logger.warn(`The MCP connection (${this.label}) closed; it cannot be re-created.`, { error });
      this.stopped.abort();
      this.setStatus('closed', error);
      return;
    }
    this.options.logger.warn(`MCP server ${this.label} disconnected; reconnecting.`, { error });
    this.setStatus('reconnecting', error);
    void this.reconnectLoop();
  }

  /** Stops reconnecting and closes the session (a stdio server process is stopped). Idempotent. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.stopped.abort(new Error('the MCP tools were closed'));
    this.setStatus('closed');
    const session = this.session;
    this.session = undefined;
    this.closing = (async () => {
      await this.establishing?.catch(() => undefined);
      await this.previousClose;
      if (session === undefined) return;
      if (session.transport instanceof StreamableHTTPClientTransport) {
        // Lets the server free the session at once instead of waiting for it to expire.
        const transport = session.transport;
        await this.withDeadline(() => transport.terminateSession(), { endOnClose: false }).catch(() => undefined);
      }
      await session.client.close().catch(() => undefined);
    })();
    return this.closing;
  }

  private setStatus(status: McpConnectionStatus, error?: unknown): void {
    this.state = status;
    try {
      this.options.onStatus(status, error);
    } catch (listenerError) {
      // A failing listener must not break the supervision loop.
      this.options.logger.warn('An MCP status listener threw.', { error: listenerError });
    }
  }

  private async reconnectLoop(): Promise<void> {
    while (this.state === 'reconnecting') {
      try {
        await sleep(this.options.clock, this.delays.delayMs(this.attempt), this.stopped.signal);
      } catch {
        return;
      }
      this.attempt++;
      try {
        await this.track(this.establish());
      } catch (error) {
        if (this.state !== 'reconnecting') return;
        this.lastError = error;
        this.options.logger.debug(`Reconnecting to MCP server ${this.label} failed; trying again.`, { error });
        continue;
      }
      this.attempt = 0;
      this.options.logger.info(`MCP server ${this.label} reconnected.`);
      this.setStatus('connected');
      return;
    }
  }

  private track(promise: Promise<void>): Promise<void> {
    this.establishing = promise;
    return promise.finally(() => {
      if (this.establishing === promise) this.establishing = undefined;
    });
  }

  /**
   * Runs `request` with an abort signal that fires after `connectTimeoutMs` on the clock, or (unless
   * `endOnClose` is false) on close.
   */
  private async withDeadline<T>(
    request: (signal: AbortSignal) => Promise<T>,
    options: { endOnClose: boolean } = { endOnClose: true },
  ): Promise<T> {
    const deadline = new AbortController();
    const { clock, connectTimeoutMs } = this.options;
    const timer = clock.setTimeout(
      () => deadline.abort(new Error(`the MCP server ${this.label} did not answer within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    const onStop = () => deadline.abort(this.stopped.signal.reason);
    if (options.endOnClose) {
      if (this.stopped.signal.aborted) onStop();
      else this.stopped.signal.addEventListener('abort', onStop, { once: true });
    }
    try {
      return await untilAborted(request(deadline.signal), deadline.signal);
    } finally {
      clock.clearTimeout(timer);
      this.stopped.signal.removeEventListener('abort', onStop);
    }
  }

  private watch(session: McpSession): void {
    const { client } = session;
    client.onclose = () => this.lost(session, new Error('the connection closed'));
    client.onerror = (error) => this.transportError(session, error);
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.refreshTools(session));
  }

  /** Makes a new session: transport, handshake and tool list, all within `connectTimeoutMs`. */
  private async establish(): Promise<void> {
    await this.previousClose;
    const server = this.options.server as McpServer;
    const client =
      this.options.client ?? new Client({ name: this.options.clientName, version: '1.0.0' }, { capabilities: {} });
    try {
      await this.withDeadline(async (signal) => {
        const transport = await createMcpTransport(server);
        const session: McpSession = { client, transport, toolsChangedDuringSetup: false };
        this.watch(session);
        await client.connect(transport, { signal, timeout: noSdkTimeoutMs });
        await this.activate(session, signal);
      });
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  }

  /** Takes over a client the caller already connected. */
  private async adopt(client: Client): Promise<void> {
    const session: McpSession = { client, transport: client.transport, toolsChangedDuringSetup: false };
    this.watch(session);
    await this.withDeadline((signal) => this.activate(session, signal));
  }

  private async activate(session: McpSession, signal: AbortSignal): Promise<void> {
    const tools = await listAllTools(session.client, signal);
    if (this.stopped.signal.aborted) throw this.stopped.signal.reason;
    this.session = session;
    const version = session.client.getServerVersion();
    this.serverInfo = version === undefined ? undefined : { name: version.name, version: version.version };
    this.options.onToolList(tools);
    if (session.toolsChangedDuringSetup) this.refreshTools(session);
  }

  /** Lists the tools again after `notifications/tools/list_changed`; overlapping notices coalesce. */
  private refreshTools(session: McpSession): void {
    if (session !== this.session) {
      if (this.session === undefined) session.toolsChangedDuringSetup = true;
      return;
    }
    if (this.refreshing !== undefined) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        try {
          const tools = await this.withDeadline((signal) => listAllTools(session.client, signal));
          if (session !== this.session) return;
          this.options.onToolList(tools);
        } catch (error) {
          if (session !== this.session) return;
          if (isConnectionFailure(error) && !this.stopped.signal.aborted) {
            this.lost(session, error);
            return;
          }
          this.options.logger.warn(`Could not list the tools of MCP server ${this.label} again.`, { error });
        }
      } while (this.refreshAgain);
    })().finally(() => {
      this.refreshing = undefined;
    });
  }

  /**
   * A transport error (e.g. the HTTP event stream broke) may or may not mean the server is gone;
   * a ping tells which.
   */
  private transportError(session: McpSession, error: Error): void {
    this.options.logger.debug(`MCP transport error (${this.label}).`, { error });
    if (session !== this.session || this.state !== 'connected' || this.checkingHealth) return;
    this.checkingHealth = true;
    this.withDeadline((signal) => session.client.ping({ signal, timeout: noSdkTimeoutMs }))
      .catch((pingError: unknown) => {
        if (isConnectionFailure(pingError) && !this.stopped.signal.aborted) this.lost(session, pingError);
      })
      .finally(() => {
        this.checkingHealth = false;
      });
  }
}
