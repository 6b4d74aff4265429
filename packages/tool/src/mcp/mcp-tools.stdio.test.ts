import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { manualClock } from '@troupe/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { createToolDispatcher } from '../tool-dispatcher.ts';
import { everythingStdio, isProcessAlive, killProcess, statusRecorder } from './everything-server.ts';
import { toolCall as call, closedAfterEach, dispatchContext as context } from './mcp-test-support.ts';
import { mcpTools } from './mcp-tools.ts';

// Closing stops the server process; the pid check makes a leak fail the test run loudly.
const { open } = closedAfterEach(async (set) => {
  const pid = set.serverPid;
  await set.close();
  if (pid !== undefined && isProcessAlive(pid)) await killProcess(pid);
});

describe('mcpTools over stdio (real server-everything)', () => {
  it('lists the server tools as validated Troupe tools and calls them', async () => {
    const set = await open({
      server: everythingStdio(),
      prefix: 'everything_',
      needsApproval: (name) => name === 'get-env',
    });
    expect(set.status).toBe('connected');
    expect(set.connected).toBe(true);
    expect(set.serverInfo?.name).toContain('everything');
    const tools = set.tools();
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['everything_echo', 'everything_get-sum', 'everything_get-tiny-image']),
    );
    const sum = tools.find((tool) => tool.name === 'everything_get-sum');
    expect(sum?.kind).toBe('mcp');
    expect(sum?.description).toMatch(/sum/i);
    expect(sum?.inputSchema).toMatchObject({ type: 'object', required: ['a', 'b'] });
    expect(tools.find((tool) => tool.name === 'everything_get-env')?.needsApproval).toBe(true);
    expect(sum?.needsApproval).toBe(false);

    const dispatcher = createToolDispatcher({ tools });
    const outcomes = await dispatcher.dispatch(
      [
        call('everything_echo', { message: 'hello' }),
        call('everything_get-sum', { a: 2, b: 40 }),
        call('everything_get-tiny-image', {}),
        call('everything_gzip-file-as-resource', {
          name: 'hello.gz',
          data: 'data:text/plain;base64,aGVsbG8=',
          outputType: 'resource',
        }),
      ],
      context(),
    );
    expect(outcomes.map((outcome) => outcome.message.isError ?? false)).toEqual([false, false, false, false]);
    expect(outcomes[0]?.message.content).toBe('Echo: hello');
    expect(outcomes[1]?.message.content).toBe('The sum of 2 and 40 is 42.');
    expect(outcomes[2]?.message.content).toMatch(/\[image image\/png, \d+ bytes\]/);
    expect(outcomes[3]?.message.content).toMatch(/^\[resource \S+hello\.gz application\/gzip, \d+ bytes\]$/);
  }, 30_000);

  it("validates arguments against the server's schema before the call is sent", async () => {
    const client = new Client({ name: 'my-app', version: '1.0.0' });
    const sent = vi.spyOn(client, 'callTool');
    const set = await open({ server: everythingStdio(), client });
    const dispatcher = createToolDispatcher({ tools: set.tools() });
    const [bad] = await dispatcher.dispatch([call('get-sum', { a: 'two' })], context());
    expect(bad?.error?.code).toBe('TOOL_VALIDATION');
    // ajv's words, phrased for the model; the server (which says "Input validation error") never saw the call.
    expect(bad?.message.content).toContain('- a: must be number, got string');
    expect(bad?.message.content).toContain('- b: is required but missing');
    expect(sent).not.toHaveBeenCalled();
    const [good] = await dispatcher.dispatch([call('get-sum', { a: 1, b: 2 })], context());
    expect(good?.message.content).toBe('The sum of 1 and 2 is 3.');
    expect(sent).toHaveBeenCalledTimes(1);
  }, 30_000);

  it("turns the server's isError results into tool errors carrying the server's text", async () => {
    const set = await open({ server: everythingStdio() });
    const dispatcher = createToolDispatcher({ tools: set.tools() });
    const [refused] = await dispatcher.dispatch(
      [call('gzip-file-as-resource', { data: 'ftp://example.com/file.txt' })],
      context(),
    );
    expect(refused?.message.isError).toBe(true);
    expect(refused?.error?.code).toBe('TOOL_EXECUTION');
    expect(refused?.message.content).toContain(
      'Tool gzip-file-as-resource reported an error: Error processing file ftp://example.com/file.txt: Unsupported URL protocol',
    );
    const [fine] = await dispatcher.dispatch([call('echo', { message: 'still fine' })], context());
    expect(fine?.message.content).toBe('Echo: still fine');
  }, 30_000);

  it('keeps only the included tools', async () => {
    const set = await open({ server: everythingStdio(), include: ['echo', 'get-sum'] });
    expect(set.tools().map((tool) => tool.name)).toEqual(['echo', 'get-sum']);
  }, 30_000);

  it('uses a given SDK client, so the server sees its capabilities', async () => {
    const client = new Client({ name: 'my-app', version: '1.0.0' }, { capabilities: { roots: {} } });
    client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: 'file:///work/project', name: 'project' }],
    }));
    const set = await open({ server: everythingStdio(), client });
    // server-everything offers get-roots-list only to clients that declare roots.
    const dispatcher = createToolDispatcher({ tools: set.tools() });
    const [roots] = await dispatcher.dispatch([call('get-roots-list', {})], context());
    expect(roots?.message.content).toContain('file:///work/project');
  }, 30_000);

  it('survives the server being SIGKILLed mid-session: fails fast, reconnects with backoff, recovers', async () => {
    const clock = manualClock();
    const recorder = statusRecorder();
    const set = await open({
      server: everythingStdio(),
      clock,
      reconnect: { baseDelayMs: 1000, maxDelayMs: 1000, random: () => 0.5 },
      onStatus: recorder.onStatus,
    });
    const dispatcher = createToolDispatcher({ tools: set.tools(), clock });
    const firstPid = set.serverPid as number;
    expect(firstPid).toBeTypeOf('number');

    // A call in flight when the server dies comes back as an unavailable error, not a hang.
    const disconnected = recorder.next('reconnecting');
    const inFlight = dispatcher.dispatch(
      [call('trigger-long-running-operation', { duration: 30, steps: 3 })],
      context(),
    );
    await killProcess(firstPid);
    await disconnected;
    const [interrupted] = await inFlight;
    expect(interrupted?.error?.code).toBe('TOOL_UNAVAILABLE');
    expect(set.connected).toBe(false);

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
    expect(isProcessAlive(firstPid)).toBe(false);

    const outcomes = await dispatcher.dispatch(
      [call('echo', { message: 'back' }, 'a'), call('get-sum', { a: 1, b: 2 }, 'b')],
      context(),
    );
    expect(outcomes.map((outcome) => outcome.message.content)).toEqual(['Echo: back', 'The sum of 1 and 2 is 3.']);
    expect(recorder.seen).toEqual(['connected', 'reconnecting', 'connected']);
  }, 30_000);

  it('times out a slow server call on the injected clock and keeps the connection', async () => {
    const clock = manualClock();
    const set = await open({ server: everythingStdio(), clock, timeoutMs: 2000 });
    const dispatcher = createToolDispatcher({ tools: set.tools(), clock });
    const pending = dispatcher.dispatch([call('trigger-long-running-operation', { duration: 5, steps: 5 })], context());
    await clock.advance(2000);
    const [slow] = await pending;
    expect(slow?.error?.code).toBe('TOOL_TIMEOUT');
    expect(set.status).toBe('connected');
    const [next] = await dispatcher.dispatch([call('echo', { message: 'still here' })], context());
    expect(next?.message.content).toBe('Echo: still here');
  }, 30_000);

  it('rejects with ToolUnavailableError when the server cannot start', async () => {
    const statuses: string[] = [];
    await expect(
      mcpTools({
        server: { command: '/nonexistent/mcp-server', stderr: 'ignore' },
        onStatus: (status) => statuses.push(status),
      }),
    ).rejects.toMatchObject({
      code: 'TOOL_UNAVAILABLE',
      message: expect.stringContaining('Could not connect to the MCP server /nonexistent/mcp-server'),
    });
    expect(statuses).toEqual(['closed']);
  }, 30_000);

  it('stops the server process on close and refuses calls afterwards', async () => {
    const clock = manualClock();
    const set = await mcpTools({ server: everythingStdio(), clock });
    const pid = set.serverPid as number;
    const tools = set.tools();
    await set.close();
    await set.close();
    expect(set.status).toBe('closed');
    expect(isProcessAlive(pid)).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    const [outcome] = await createToolDispatcher({ tools }).dispatch([call('echo', { message: 'x' })], context());
    expect(outcome?.error?.code).toBe('TOOL_UNAVAILABLE');
  }, 30_000);
});
