import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FixtureServer, startFixtureServer } from './fixture-server.ts';
import type { WireFormat } from './wire-format.ts';

// A tiny NDJSON wire, so the server is tested apart from any vendor format.
const lineWire: WireFormat = {
  name: 'lines',
  accepts: (method, path) => method === 'POST' && path === '/complete',
  streamFrames: (response, options) => ({
    contentType: 'application/x-ndjson',
    frames: [
      ...(response.text ?? []).map((text) => `${JSON.stringify({ model: options.model, text })}\n`),
      `${JSON.stringify({ done: true })}\n`,
    ],
  }),
  errorResponse: (kind, options = {}) => ({
    status: kind === 'rate-limit' ? 429 : 500,
    headers: { 'content-type': 'application/json', 'retry-after': String(options.retryAfterSeconds ?? 1) },
    body: JSON.stringify({ error: kind }),
  }),
  malformedStream: () => ({ contentType: 'application/x-ndjson', frames: ['{"text":"a"}\n', '{"text":\n'] }),
  keepAliveFrame: '\n',
};

const post = (url: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${url}/complete?alt=sse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-key' },
    body: JSON.stringify(body),
    ...init,
  });

describe('startFixtureServer', () => {
  let server: FixtureServer;
  beforeAll(async () => {
    server = await startFixtureServer({ wire: lineWire });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => server.reset());

  it('listens on 127.0.0.1 with a random port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('streams the frames of the queued reply and records the request', async () => {
    server.reply({ type: 'stream', response: { text: ['héllo', ' wörld'] } });
    const response = await post(server.url, { model: 'm-1', messages: ['hi'] });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(await response.text()).toBe(
      '{"model":"m-1","text":"héllo"}\n{"model":"m-1","text":" wörld"}\n{"done":true}\n',
    );
    const recorded = server.lastRequest();
    expect(recorded).toMatchObject({
      method: 'POST',
      path: '/complete',
      query: { alt: 'sse' },
      body: { model: 'm-1', messages: ['hi'] },
      accepted: true,
    });
    expect(recorded.headers.authorization).toBe('Bearer test-key');
  });

  it('delivers the same bytes when split awkwardly, and interleaves keep-alives', async () => {
    server.reply({ type: 'stream', response: { text: ['ça ☕'] }, split: 'awkward', keepAlive: true });
    const text = await (await post(server.url, { model: 'm' })).text();
    expect(text).toBe('\n{"model":"m","text":"ça ☕"}\n\n{"done":true}\n');
  });

  it('answers queued replies in order', async () => {
    server.reply(
      { type: 'stream', response: { text: ['first'] } },
      { type: 'error', kind: 'rate-limit', retryAfterSeconds: 9 },
    );
    expect(await (await post(server.url, {})).text()).toContain('first');
    const limited = await post(server.url, {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('9');
    expect(server.requests).toHaveLength(2);
  });

  it('returns 404 for routes the wire does not accept, and records them', async () => {
    const response = await fetch(`${server.url}/other`, { method: 'POST', body: 'not json' });
    expect(response.status).toBe(404);
    expect(server.lastRequest()).toMatchObject({
      path: '/other',
      accepted: false,
      body: undefined,
      rawBody: 'not json',
    });
  });

  it('says so when no reply is queued', async () => {
    const response = await post(server.url, {});
    expect(response.status).toBe(418);
    expect(await response.text()).toContain('no reply queued');
  });

  it('sends raw HTTP responses as is', async () => {
    server.reply({
      type: 'http',
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<html>Bad Gateway</html>',
    });
    const response = await post(server.url, {});
    expect(response.status).toBe(502);
    expect(await response.text()).toBe('<html>Bad Gateway</html>');
  });

  it('sends the malformed stream of the wire', async () => {
    server.reply({ type: 'malformed' });
    expect(await (await post(server.url, {})).text()).toBe('{"text":"a"}\n{"text":\n');
  });

  it('truncates a stream inside a frame and ends the response cleanly', async () => {
    server.reply({ type: 'truncated', response: { text: ['a', 'b', 'c'] } });
    const text = await (await post(server.url, { model: 'm' })).text();
    expect(text).toBe('{"model":"m","text":"a"}\n{"model":"m","text":"b"}\n{"model":"m",');
  });

  it('resets the connection before any byte', async () => {
    server.reply({ type: 'reset' });
    await expect(post(server.url, {})).rejects.toThrow(TypeError);
  });

  it('resets the connection mid-stream', async () => {
    server.reply({ type: 'reset-mid-stream', response: { text: ['a', 'b', 'c', 'd'] } });
    const response = await post(server.url, { model: 'm' });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it('stalls after some frames until the client leaves, and reports the closed response', async () => {
    server.reply({ type: 'stream', response: { text: ['a', 'b', 'c'] }, stallAfterFrames: -2 });
    const controller = new AbortController();
    const response = await post(server.url, { model: 'm' }, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    while (!received.includes('"b"')) received += new TextDecoder().decode((await reader.read()).value);
    expect(received).toBe('{"model":"m","text":"a"}\n{"model":"m","text":"b"}\n');
    controller.abort();
    await server.responseClosed(0);
    expect(server.requests).toHaveLength(1);
  });

  it('closes idempotently, ending open connections', async () => {
    const other = await startFixtureServer({ wire: lineWire });
    other.reply({ type: 'stream', response: { text: ['a', 'b'] }, stallAfterFrames: 1 });
    const response = await post(other.url, {});
    const pending = response.text();
    await Promise.all([other.close(), other.close()]);
    await expect(pending).rejects.toThrow();
    await expect(post(other.url, {})).rejects.toThrow(TypeError);
  });
});
