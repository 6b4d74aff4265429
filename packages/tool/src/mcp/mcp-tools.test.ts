import type { ChildProcess } from 'node:child_process';
import type { ToolCall } from '@troupe/core';
import { manualClock } from '@troupe/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySessionState } from '../memory-session-state.ts';
import { createToolDispatcher } from '../tool-dispatcher.ts';
import { everythingStdio, freePort, killProcess, startHttpServer, statusRecorder } from './everything-server.ts';
import { type McpToolSet, mcpTools } from './mcp-tools.ts';

const context = () => ({ sessionId: 's', state: memorySessionState(), signal: new AbortController().signal });
const call = (name: string, args: unknown, id = name): ToolCall => ({ id, name, arguments: args });

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(options: Parameters<typeof mcpTools>[0]): Promise<McpToolSet> {
  const set = await mcpTools(options);
  cleanups.push(() => set.close());
  return set;
}

describe('mcpTools over stdio (real server-everything)', () => {
  it('turns the server tools into validated Troupe tools', async () => {
    const set = await open({ server: everythingStdio(), prefix: 'everything_' });
    expect(set.status).toBe('connected');
    expect(set.serverInfo?.name).toContain('everything');
    const names = set.tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(['everything_echo', 'everything_get-sum', 'everything_get-tiny-image']),
    );
    const sum = set.tools.find((tool) => tool.name === 'everything_get-sum');
    expect(sum?.kind).toBe('mcp');
    expect(sum?.inputSchema).toMatchObject({ type: 'object', required: ['a', 'b'] });

    const dispatcher = createToolDispatcher({ tools: set.tools });
    const outcomes = await dispatcher.dispatch(
      [
        call('everything_echo', { message: 'hello' }),
        call('everything_get-sum', { a: 2, b: 40 }),
        call('everything_get-sum', { a: 'two' }, 'bad'),
        call('everything_get-tiny-image', {}),
      ],
      context(),
    );
    expect(outcomes[0]?.message.content).toBe('Echo: hello');
    expect(outcomes[1]?.message.content).toBe('The sum of 2 and 40 is 42.');
    expect(outcomes[2]?.message.isError).toBe(true);
    expect(outcomes[2]?.message.content).toContain('- a: must be number, got string');
    expect(outcomes[2]?.message.content).toContain('- b: is required but missing');
    expect(outcomes[3]?.message.content).toMatch(/\[image image\/png, \d+ bytes\]/);
  }, 30_000);

  it('keeps only the included tools', async () => {
    const set = await open({ server: everythingStdio(), include: ['echo'] });
    expect(set.tools.map((tool) => tool.name)).toEqual(['echo']);
  }, 30_000);

  it('survives the server being killed mid-session: fails fast, reconnects with backoff, recovers', async () => {
    const clock = manualClock();
    const recorder = statusRecorder();
    const set = await open({
      server: everythingStdio(),
      clock,
      reconnect: { baseDelayMs: 1000, maxDelayMs: 1000, random: () => 0.5 },
      onStatus: recorder.onStatus,
    });
    const dispatcher = createToolDispatcher({ tools: set.tools, clock });
    const firstPid = set.serverPid;
    expect(firstPid).toBeTypeOf('number');

    // A call in flight when the server dies comes back as an unavailable error, not a hang.
    const disconnected = recorder.next('reconnecting');
    const inFlight = dispatcher.dispatch(
      [call('trigger-long-running-operation', { duration: 30, steps: 3 })],
      context(),
    );
    await clock.flush();
    await killProcess(firstPid as number);
    await disconnected;
    const [interrupted] = await inFlight;
    expect(interrupted?.error?.code).toBe('TOOL_UNAVAILABLE');

    // During the outage calls fail at once with a message the model can act on.
    const [during] = await dispatcher.dispatch([call('echo', { message: 'anyone?' })], context());
    expect(during?.error?.code).toBe('TOOL_UNAVAILABLE');
    expect(during?.message.content).toMatch(
      /^Tool echo is unavailable: the MCP server .* is not connected \(reconnecting\)\./,
    );
    expect(during?.message.content).toContain('The tool is reconnecting');

    // Nothing reconnects before the backoff delay (500 ms with this jitter) has passed on the clock.
    await clock.advance(499);
    expect(set.status).toBe('reconnecting');
    const reconnected = recorder.next('connected');
    await clock.advance(1);
    await reconnected;
    expect(set.serverPid).not.toBe(firstPid);

    const [after] = await dispatcher.dispatch([call('echo', { message: 'back' })], context());
    expect(after?.message.content).toBe('Echo: back');
    expect(recorder.seen).toEqual(['connected', 'reconnecting', 'connected']);
  }, 30_000);

  it('times out a slow server call on the injected clock and keeps the connection', async () => {
    const clock = manualClock();
    const set = await open({ server: everythingStdio(), clock, timeoutMs: 2000 });
    const dispatcher = createToolDispatcher({ tools: set.tools, clock });
    const pending = dispatcher.dispatch(
      [call('trigger-long-running-operation', { duration: 60, steps: 2 })],
      context(),
    );
    await clock.flush();
    await clock.advance(2000);
    const [slow] = await pending;
    expect(slow?.error?.code).toBe('TOOL_TIMEOUT');
    expect(set.status).toBe('connected');
    const [next] = await dispatcher.dispatch([call('echo', { message: 'still here' })], context());
    expect(next?.message.content).toBe('Echo: still here');
  }, 30_000);

  it('rejects with ToolUnavailableError when the server cannot start', async () => {
    await expect(
      mcpTools({ server: { type: 'stdio', command: '/nonexistent/mcp-server', stderr: 'ignore' } }),
    ).rejects.toMatchObject({ code: 'TOOL_UNAVAILABLE', message: expect.stringContaining('Could not connect') });
  }, 30_000);

  it('stops reconnecting and refuses calls after close', async () => {
    const clock = manualClock();
    const set = await mcpTools({ server: everythingStdio(), clock });
    const echo = set.tools.find((tool) => tool.name === 'echo');
    await set.close();
    await set.close();
    expect(set.status).toBe('closed');
    expect(clock.pendingTimers).toBe(0);
    const [outcome] = await createToolDispatcher({ tools: echo ? [echo] : [] }).dispatch(
      [call('echo', { message: 'x' })],
      context(),
    );
    expect(outcome?.error?.code).toBe('TOOL_UNAVAILABLE');
  }, 30_000);
});

describe('mcpTools over streamable HTTP (real server-everything on 127.0.0.1)', () => {
  it('calls tools, then recovers after the server is killed and restarted', async () => {
    const port = await freePort();
    let server: ChildProcess = await startHttpServer(port);
    cleanups.push(() => killProcess(server));
    const clock = manualClock();
    const recorder = statusRecorder();
    const set = await open({
      server: { type: 'http', url: `http://127.0.0.1:${port}/mcp` },
      clock,
      reconnect: { baseDelayMs: 200, maxDelayMs: 200, random: () => 0.5 },
      onStatus: recorder.onStatus,
    });
    const dispatcher = createToolDispatcher({ tools: set.tools, clock });
    const [first] = await dispatcher.dispatch([call('get-sum', { a: 1, b: 1 })], context());
    expect(first?.message.content).toBe('The sum of 1 and 1 is 2.');

    await killProcess(server);
    // HTTP has no open pipe to notice the death: the next call finds it and starts the reconnect loop.
    const [down] = await dispatcher.dispatch([call('echo', { message: 'x' })], context());
    expect(down?.error?.code).toBe('TOOL_UNAVAILABLE');
    expect(set.status).toBe('reconnecting');
    const [stillDown] = await dispatcher.dispatch([call('echo', { message: 'y' })], context());
    expect(stillDown?.message.content).toContain('is not connected (reconnecting)');

    server = await startHttpServer(port);
    const reconnected = recorder.next('connected');
    await clock.advance(100);
    await reconnected;
    const [after] = await dispatcher.dispatch([call('echo', { message: 'back' })], context());
    expect(after?.message.content).toBe('Echo: back');
  }, 60_000);
});
