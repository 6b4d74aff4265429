import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type StreamSplit, splitAwkwardly } from './byte-splitter.ts';
import type { ScriptedResponse, WireErrorKind, WireFormat, WireStream } from './wire-format.ts';

/** What the fixture server answers to the next completion request. */
export type FixtureReply =
  | {
      type: 'stream';
      response: ScriptedResponse;
      /** How the bytes are cut into writes. Default `'frames'`. */
      split?: StreamSplit;
      /** Interleave the wire's keep-alive frame before every frame (where the wire has one). */
      keepAlive?: boolean;
      /**
       * Write this many frames (negative: all but that many, as in `Array.slice`), then hold the
       * response open without ending it until the client goes away (for abort tests: nothing more
       * ever arrives).
       */
      stallAfterFrames?: number;
    }
  | { type: 'error'; kind: WireErrorKind; retryAfterSeconds?: number }
  /** An HTTP response sent as is. */
  | { type: 'http'; status: number; headers?: Record<string, string>; body: string }
  /** The wire's malformed stream (starts well, then breaks the format). */
  | { type: 'malformed'; split?: StreamSplit }
  /** The first part of a well-formed stream, cut inside a frame; the response then ends cleanly. */
  | { type: 'truncated'; response: ScriptedResponse; split?: StreamSplit }
  /** The connection is destroyed before any response byte (a network reset). */
  | { type: 'reset' }
  /** Headers and the first frames are sent, then the connection is destroyed. */
  | { type: 'reset-mid-stream'; response: ScriptedResponse };

/** One request the fixture server received. */
export interface RecordedRequest {
  /** HTTP method, upper case. */
  method: string;
  /** URL path without the query string. */
  path: string;
  /** Query string parameters. */
  query: Record<string, string>;
  /** Request headers, names lower case. */
  headers: Record<string, string>;
  /** The body parsed as JSON; `undefined` when it is empty or not JSON. */
  body: unknown;
  /** The body as received. */
  rawBody: string;
  /** True when the wire accepted the method and path as a completion request. */
  accepted: boolean;
}

/** Options of {@link startFixtureServer}. */
export interface FixtureServerOptions {
  /** The vendor wire format to speak. */
  wire: WireFormat;
  /** The model name written into frames when the request names none. Default `'fixture-model'`. */
  model?: string;
}

/** A local HTTP server speaking one vendor's wire format from scripted replies. */
export interface FixtureServer {
  /** The origin, `http://127.0.0.1:<port>` (no trailing slash, no path). */
  readonly url: string;
  /** The wire format it speaks. */
  readonly wire: WireFormat;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Queues replies; each accepted completion request takes the next one. */
  reply(...replies: FixtureReply[]): void;
  /** The most recent request; throws when there is none. */
  lastRequest(): RecordedRequest;
  /** Resolves once the response to request number `index` (0-based) is closed, by either side. */
  responseClosed(index: number): Promise<void>;
  /** Forgets queued replies and recorded requests. */
  reset(): void;
  /** Stops the server, destroying open connections. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const encoder = new TextEncoder();

/**
 * Starts a fixture server on 127.0.0.1 with a random port. Requests the wire accepts are answered
 * with the queued {@link FixtureReply}s in order; other requests get a 404. Every request is
 * recorded in `requests`.
 */
export async function startFixtureServer(options: FixtureServerOptions): Promise<FixtureServer> {
  const { wire } = options;
  const queue: FixtureReply[] = [];
  const requests: RecordedRequest[] = [];
  const closed = new Map<number, Deferred>();
  const sockets = new Set<Socket>();
  let stopping: Promise<void> | undefined;

  const closedSignal = (index: number): Deferred => {
    let entry = closed.get(index);
    if (entry === undefined) {
      entry = deferred();
      closed.set(index, entry);
    }
    return entry;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const rawBody = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = (request.method ?? 'GET').toUpperCase();
    const accepted = wire.accepts(method, url.pathname);
    const index = requests.length;
    requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: flattenHeaders(request.headers),
      body: parseJson(rawBody),
      rawBody,
      accepted,
    });
    const done = closedSignal(index);
    response.on('close', () => done.resolve());

    if (!accepted) {
      sendJson(response, 404, {
        error: { message: `The fixture server (${wire.name}) has no route ${method} ${url.pathname}.` },
      });
      return;
    }
    const reply = queue.shift();
    if (reply === undefined) {
      sendJson(response, 418, {
        error: { message: 'The fixture server has no reply queued for this request; call server.reply(...) first.' },
      });
      return;
    }
    const body = requests[index]?.body;
    const model = modelOf(body) ?? options.model ?? 'fixture-model';
    await answer(response, reply, { model, requestBody: body });
  };

  const answer = async (
    response: ServerResponse,
    reply: FixtureReply,
    context: { model: string; requestBody: unknown },
  ): Promise<void> => {
    switch (reply.type) {
      case 'error': {
        const error = wire.errorResponse(
          reply.kind,
          reply.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: reply.retryAfterSeconds },
        );
        response.writeHead(error.status, error.headers);
        response.end(error.body);
        return;
      }
      case 'http':
        response.writeHead(reply.status, reply.headers ?? {});
        response.end(reply.body);
        return;
      case 'reset':
        response.socket?.destroy();
        return;
      case 'malformed':
        await writeStream(response, wire.malformedStream({ model: context.model }), { split: reply.split ?? 'frames' });
        return;
      case 'truncated': {
        const stream = wire.streamFrames(reply.response, context);
        await writeStream(response, truncate(stream), { split: reply.split ?? 'frames' });
        return;
      }
      case 'reset-mid-stream': {
        const stream = wire.streamFrames(reply.response, context);
        const half = Math.max(1, Math.floor(stream.frames.length / 2));
        await writeStream(
          response,
          { ...stream, frames: stream.frames.slice(0, half) },
          { split: 'frames', end: false },
        );
        response.socket?.destroy();
        return;
      }
      case 'stream': {
        let stream = wire.streamFrames(reply.response, context);
        if (reply.keepAlive && wire.keepAliveFrame !== undefined) stream = withKeepAlive(stream, wire.keepAliveFrame);
        if (reply.stallAfterFrames !== undefined) {
          const frames = stream.frames.slice(0, reply.stallAfterFrames);
          // Headers and the first frames go out; the response then stays open until the client leaves.
          await writeStream(response, { ...stream, frames }, { split: 'frames', end: false });
          return;
        }
        await writeStream(response, stream, { split: reply.split ?? 'frames' });
        return;
      }
    }
  };

  const server: Server = createServer({ noDelay: true }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendJson(response, 500, { error: { message: `Fixture server failed: ${String(error)}` } });
      else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const close = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
    return stopping;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    wire,
    requests,
    reply(...replies) {
      queue.push(...replies);
    },
    lastRequest() {
      const last = requests.at(-1);
      if (last === undefined) throw new Error('The fixture server has received no request yet.');
      return last;
    },
    responseClosed(index) {
      return closedSignal(index).promise;
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
      closed.clear();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Interleaves `frame` before every frame of `stream`. */
function withKeepAlive(stream: WireStream, frame: string): WireStream {
  return { ...stream, frames: stream.frames.flatMap((real) => [frame, real]) };
}

/** Keeps the first half of the frames plus the first half of the next one. */
function truncate(stream: WireStream): WireStream {
  const keep = Math.max(1, Math.floor(stream.frames.length / 2));
  const cut = stream.frames[keep] ?? '';
  return { ...stream, frames: [...stream.frames.slice(0, keep), cut.slice(0, Math.ceil(cut.length / 2))] };
}

async function writeStream(
  response: ServerResponse,
  stream: WireStream,
  options: { split: StreamSplit; end?: boolean },
): Promise<void> {
  response.writeHead(200, {
    'content-type': stream.contentType,
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  response.flushHeaders();
  const pieces =
    options.split === 'awkward'
      ? splitAwkwardly(encoder.encode(stream.frames.join('')))
      : stream.frames.map((frame) => encoder.encode(frame));
  for (const piece of pieces) {
    if (response.destroyed) return;
    response.write(piece);
    // Yield so each piece leaves in its own write instead of being coalesced.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (options.end !== false && !response.destroyed) response.end();
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function modelOf(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'model' in body) {
    const model = (body as { model: unknown }).model;
    if (typeof model === 'string') return model;
  }
  return undefined;
}
