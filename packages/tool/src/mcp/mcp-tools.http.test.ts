import type { ChildProcess } from 'node:child_process';
import { manualClock } from '@troupe/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { createToolDispatcher } from '../tool-dispatcher.ts';
import { freePort, killProcess, startHttpServer, statusRecorder } from './everything-server.ts';
import { toolCall as call, closedAfterEach, dispatchContext as context } from './mcp-test-support.ts';

const { open, defer } = closedAfterEach();

/** A streamable HTTP server-everything on a free 127.0.0.1 port, killed after the test. */
async function httpServer(port?: number): Promise<{ port: number; url: string; process: ChildProcess }> {
  const chosen = port ?? (await freePort());
  const child = await startHttpServer(chosen);
  defer(() => killProcess(child));
  return { port: chosen, url: `http://127.0.0.1:${chosen}/mcp`, process: child };
}

describe('mcpTools over streamable HTTP (real server-everything on 127.0.0.1)', () => {
  it('lists and calls tools, validates arguments and reports isError results', async () => {
    const server = await httpServer();
    const set = await open({ server: { url: server.url, headers: { 'x-test': 'troupe' } }, prefix: 'everything_' });
    expect(set.serverPid).toBeUndefined();
    expect(set.tools().map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['everything_echo', 'everything_get-sum']),
    );
    const dispatcher = createToolDispatcher({ tools: set.tools() });
    const outcomes = await dispatcher.dispatch(
      [
        call('everything_get-sum', { a: 1, b: 1 }),
        call('everything_echo', { message: 'over http' }),
        call('everything_get-sum', { a: 1 }, 'invalid'),
        call('everything_gzip-file-as-resource', { data: 'ftp://example.com/x' }, 'refused'),
      ],
      context(),
    );
    expect(outcomes[0]?.message.content).toBe('The sum of 1 and 1 is 2.');
    expect(outcomes[1]?.message.content).toBe('Echo: over http');
    expect(outcomes[2]?.error?.code).toBe('TOOL_VALIDATION');
    expect(outcomes[2]?.message.content).toContain('- b: is required but missing');
    expect(outcomes[3]?.error?.code).toBe('TOOL_EXECUTION');
    expect(outcomes[3]?.message.content).toContain('Unsupported URL protocol');
  }, 30_000);

  it('notices the server dying, fails calls fast during the outage and recovers after a restart', async () => {
    const server = await httpServer();
    const clock = manualClock();
    const recorder = statusRecorder();
    const set = await open({
      server: { url: server.url },
      clock,
      reconnect: { baseDelayMs: 200, maxDelayMs: 200, random: () => 0.5 },
      onStatus: recorder.onStatus,
    });
    const dispatcher = createToolDispatcher({ tools: set.tools(), clock });
    const [first] = await dispatcher.dispatch([call('get-sum', { a: 1, b: 1 })], context());
    expect(first?.message.content).toBe('The sum of 1 and 1 is 2.');

    // The server's event stream breaks; a failed ping confirms the outage without waiting for a call.
    const down = recorder.next('reconnecting');
    await killProcess(server.process);
    await down;
    expect(set.connected).toBe(false);
    const [during] = await dispatcher.dispatch([call('echo', { message: 'x' })], context());
    expect(during?.error?.code).toBe('TOOL_UNAVAILABLE');
    expect(during?.message.content).toContain('is not connected (reconnecting)');

    // An attempt while the server is still down fails and schedules the next one.
    await clock.advance(100);
    expect(set.status).toBe('reconnecting');

    await httpServer(server.port);
    const reconnected = recorder.next('connected');
    // Attempts run on real sockets, so the clock is moved on (100 ms, the jittered delay) until one lands.
    await vi.waitFor(
      async () => {
        await clock.advance(100);
        expect(set.status).toBe('connected');
      },
      { timeout: 20_000, interval: 50 },
    );
    await reconnected;
    const [after] = await dispatcher.dispatch([call('echo', { message: 'back' })], context());
    expect(after?.message.content).toBe('Echo: back');
    expect(recorder.seen).toEqual(['connected', 'reconnecting', 'connected']);
  }, 60_000);

  it('finds the outage at the next call when nothing else noticed it', async () => {
    const server = await httpServer();
    const clock = manualClock();
    const set = await open({ server: { url: server.url }, clock, reconnect: { baseDelayMs: 1000 } });
    const dispatcher = createToolDispatcher({ tools: set.tools(), clock });
    // Kill and call at once: whichever path notices first, the call is a tool error, not a hang.
    await killProcess(server.process);
    const [down] = await dispatcher.dispatch([call('echo', { message: 'x' })], context());
    expect(down?.error?.code).toBe('TOOL_UNAVAILABLE');
    expect(set.status).toBe('reconnecting');
  }, 30_000);
});
