// The SDK's own McpServer, linked in memory: list changes, reconnection and backoff that a real
// process cannot be made to do on cue.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { manualClock } from '@troupe/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { TroupeTool } from '../define-tool.ts';
import { createToolDispatcher } from '../tool-dispatcher.ts';
import { statusRecorder } from './everything-server.ts';
import { toolCall as call, closedAfterEach, dispatchContext as context } from './mcp-test-support.ts';
import { mcpTools } from './mcp-tools.ts';

/** Starts a fresh in-process server for every connection the tool set makes. */
function serverFactory(setup: (server: McpServer, generation: number) => void) {
  const started: { server: McpServer; transport: InMemoryTransport }[] = [];
  let failuresLeft = 0;
  const factory = {
    attempts: 0,
    started,
    /** Makes the next `count` connection attempts fail as if the server were down. */
    failNext(count: number) {
      failuresLeft = count;
    },
    /** The server of the latest connection. */
    latest() {
      const last = started.at(-1);
      if (last === undefined) throw new Error('no server was started');
      return last;
    },
    async transport() {
      factory.attempts++;
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error('connect ECONNREFUSED (simulated)');
      }
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const server = new McpServer({ name: 'in-process', version: String(started.length + 1) });
      setup(server, started.length + 1);
      await server.connect(serverSide);
      started.push({ server, transport: serverSide });
      return clientSide;
    },
  };
  return factory;
}

function registerAdd(server: McpServer): void {
  server.registerTool(
    'add',
    { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
}

function toolsChanges() {
  const seen: string[][] = [];
  let waiter: (() => void) | undefined;
  return {
    seen,
    onToolsChange(tools: TroupeTool[]) {
      seen.push(tools.map((tool) => tool.name));
      waiter?.();
    },
    next(): Promise<void> {
      return new Promise((resolve) => {
        waiter = resolve;
      });
    },
  };
}

const { open } = closedAfterEach();

describe('mcpTools with a transport factory (in-process SDK server)', () => {
  it('follows notifications/tools/list_changed: added tools appear, removed ones stop working', async () => {
    const factory = serverFactory((server) => registerAdd(server));
    const changes = toolsChanges();
    const set = await open({ server: { transport: factory.transport }, onToolsChange: changes.onToolsChange });
    const [add] = set.tools();
    expect(set.tools().map((tool) => tool.name)).toEqual(['add']);

    const added = changes.next();
    const extra = factory
      .latest()
      .server.registerTool('shout', { inputSchema: { text: z.string() } }, async ({ text }) => ({
        content: [{ type: 'text', text: text.toUpperCase() }],
      }));
    await added;
    expect(set.tools().map((tool) => tool.name)).toEqual(['add', 'shout']);
    // The unchanged tool keeps its identity, so a dispatcher built earlier still holds a live tool.
    expect(set.tools()[0]).toBe(add);
    const shout = set.tools()[1] as TroupeTool;
    const dispatcher = createToolDispatcher({ tools: [add as TroupeTool, shout] });
    const [loud] = await dispatcher.dispatch([call('shout', { text: 'hi' })], context());
    expect(loud?.message.content).toBe('HI');

    const removed = changes.next();
    extra.remove();
    await removed;
    expect(set.tools().map((tool) => tool.name)).toEqual(['add']);
    const [gone] = await dispatcher.dispatch([call('shout', { text: 'hi' })], context());
    expect(gone?.error?.code).toBe('TOOL_UNAVAILABLE');
    expect(gone?.message.content).toContain('Tool shout is no longer offered by the MCP server custom transport.');
    expect(changes.seen).toEqual([['add', 'shout'], ['add']]);
  });

  it('lists the tools again after a reconnection', async () => {
    const factory = serverFactory((server, generation) => {
      registerAdd(server);
      if (generation > 1) {
        server.registerTool('version', { description: 'Which server answered.' }, async () => ({
          content: [{ type: 'text', text: `generation ${generation}` }],
        }));
      }
    });
    const clock = manualClock();
    const recorder = statusRecorder();
    const changes = toolsChanges();
    const set = await open({
      server: { transport: factory.transport, label: 'in-process server' },
      clock,
      reconnect: { baseDelayMs: 100, random: () => 0.5 },
      onStatus: recorder.onStatus,
      onToolsChange: changes.onToolsChange,
    });
    const [before] = set.tools();

    const down = recorder.next('reconnecting');
    await factory.latest().transport.close();
    await down;
    expect(set.connected).toBe(false);
    expect(set.lastError).toBeInstanceOf(Error);
    const back = recorder.next('connected');
    await clock.advance(50);
    await back;

    expect(set.connected).toBe(true);
    expect(set.serverInfo).toEqual({ name: 'in-process', version: '2' });
    expect(set.tools().map((tool) => tool.name)).toEqual(['add', 'version']);
    expect(set.tools()[0]).toBe(before);
    expect(changes.seen).toEqual([['add', 'version']]);
    const [answer] = await createToolDispatcher({ tools: set.tools() }).dispatch([call('version', {})], context());
    expect(answer?.message.content).toBe('generation 2');
  });

  it('waits longer after each failed attempt (full jitter backoff on the clock), then recovers', async () => {
    const factory = serverFactory((server) => registerAdd(server));
    const clock = manualClock();
    const recorder = statusRecorder();
    const set = await open({
      server: { transport: factory.transport },
      clock,
      reconnect: { baseDelayMs: 1000, maxDelayMs: 3000, random: () => 0.999 },
      onStatus: recorder.onStatus,
    });
    const dispatcher = createToolDispatcher({ tools: set.tools(), clock });
    factory.failNext(3);
    const down = recorder.next('reconnecting');
    await factory.latest().transport.close();
    await down;
    expect(factory.attempts).toBe(1);

    // Delays: floor(0.999 * min(3000, 1000 * 2^n)) = 999, 1998, 2997, 2997 ms.
    for (const [delay, attemptsAfter] of [
      [999, 2],
      [1998, 3],
      [2997, 4],
    ] as const) {
      await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
      await clock.advance(delay - 1);
      expect(factory.attempts).toBe(attemptsAfter - 1);
      const [during] = await dispatcher.dispatch([call('add', { a: 1, b: 2 })], context());
      expect(during?.error?.code).toBe('TOOL_UNAVAILABLE');
      await clock.advance(1);
      expect(factory.attempts).toBe(attemptsAfter);
    }
    expect(set.lastError).toMatchObject({ message: 'connect ECONNREFUSED (simulated)' });
    const back = recorder.next('connected');
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    await clock.advance(2997);
    await back;
    expect(factory.attempts).toBe(5);
    const [after] = await dispatcher.dispatch([call('add', { a: 1, b: 2 })], context());
    expect(after?.message.content).toBe('3');
    expect(recorder.seen).toEqual(['connected', 'reconnecting', 'connected']);
  });

  it('gives up the first connection after connectTimeoutMs on the clock', async () => {
    const clock = manualClock();
    // Nothing answers on the other side of this transport.
    const pending = mcpTools({
      server: { transport: () => InMemoryTransport.createLinkedPair()[0], label: 'silent server' },
      clock,
      connectTimeoutMs: 5000,
    });
    const outcome = pending.then(
      () => undefined,
      (error: unknown) => error,
    );
    await clock.advance(4999);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1);
    expect(await outcome).toMatchObject({
      code: 'TOOL_UNAVAILABLE',
      message: expect.stringContaining(
        'Could not connect to the MCP server silent server: the MCP server silent server did not answer within 5000 ms',
      ),
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('closes while reconnecting: no timer left, calls refused, close is idempotent', async () => {
    const factory = serverFactory((server) => registerAdd(server));
    const clock = manualClock();
    const recorder = statusRecorder();
    const set = await mcpTools({ server: { transport: factory.transport }, clock, onStatus: recorder.onStatus });
    const down = recorder.next('reconnecting');
    await factory.latest().transport.close();
    await down;
    expect(clock.pendingTimers).toBe(1);
    await Promise.all([set.close(), set[Symbol.asyncDispose]()]);
    await set.close();
    expect(set.status).toBe('closed');
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(60_000);
    expect(factory.attempts).toBe(1);
    const [refused] = await createToolDispatcher({ tools: set.tools() }).dispatch(
      [call('add', { a: 1, b: 1 })],
      context(),
    );
    expect(refused?.error?.code).toBe('TOOL_UNAVAILABLE');
    expect(refused?.message.content).toContain('is not connected (closed)');
    expect(refused?.message.content).toContain('continue without it');
    expect(recorder.seen).toEqual(['connected', 'reconnecting', 'closed']);
  });
});

describe('mcpTools with a ready client', () => {
  it('uses a connected client as is; when it closes the tool set is closed and calls fail fast', async () => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const server = new McpServer({ name: 'mine', version: '1.0.0' });
    registerAdd(server);
    await server.connect(serverSide);
    const client = new Client({ name: 'my-app', version: '1.0.0' });
    await client.connect(clientSide);
    const recorder = statusRecorder();
    const set = await open({ client, onStatus: recorder.onStatus });
    expect(set.serverInfo).toEqual({ name: 'mine', version: '1.0.0' });
    const dispatcher = createToolDispatcher({ tools: set.tools() });
    const [sum] = await dispatcher.dispatch([call('add', { a: 2, b: 3 })], context());
    expect(sum?.message.content).toBe('5');

    const closed = recorder.next('closed');
    await serverSide.close();
    await closed;
    const [after] = await dispatcher.dispatch([call('add', { a: 2, b: 3 })], context());
    expect(after?.error?.code).toBe('TOOL_UNAVAILABLE');
    expect(after?.message.content).toContain('the MCP server given client is not connected (closed)');
  });
});

describe('mcpTools options', () => {
  it('rejects settings that cannot work with InvalidArgumentError before connecting', async () => {
    await expect(mcpTools({})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(mcpTools({ server: { url: 'ftp://example.com/mcp' } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('"ftp://example.com/mcp" is not an http(s) URL'),
    });
    await expect(mcpTools({ server: { command: '' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(mcpTools({ server: { command: 'x' }, timeoutMs: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('timeoutMs is 0'),
    });
    // An unconnected client needs a server to connect to.
    await expect(mcpTools({ client: new Client({ name: 'a', version: '1' }) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('survives listeners that throw', async () => {
    const factory = serverFactory((server) => registerAdd(server));
    const clock = manualClock();
    const set = await open({
      server: { transport: factory.transport },
      clock,
      reconnect: { random: () => 0 },
      onStatus: () => {
        throw new Error('listener bug');
      },
    });
    await factory.latest().transport.close();
    await vi.waitFor(() => expect(set.status).toBe('connected'));
    expect(factory.attempts).toBe(2);
    const [sum] = await createToolDispatcher({ tools: set.tools() }).dispatch([call('add', { a: 1, b: 1 })], context());
    expect(sum?.message.content).toBe('2');
  });
});
