// The "MCP tools" README example, run as written except that the server is started from the
// installed package instead of `npx -y`.
import { expect, it } from 'vitest';
import { z } from 'zod';
import { createToolDispatcher, defineTool, memorySessionState } from '../index.ts';
import { everythingStdio } from './everything-server.ts';
import { type McpConnectionStatus, mcpTools } from './index.ts';

it('runs the README example', async () => {
  const statuses: McpConnectionStatus[] = [];
  const weather = defineTool({
    name: 'get_weather',
    description: 'Look up the weather in a city.',
    input: z.object({ city: z.string() }),
    execute: async ({ city }) => `18°C and cloudy in ${city}`,
  });

  // README starts here.
  const everything = await mcpTools({
    server: everythingStdio(), // README: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'] }
    prefix: 'everything_',
    onStatus: (status) => statuses.push(status),
  });
  try {
    const dispatcher = createToolDispatcher({ tools: [weather, ...everything.tools()] });
    const outcomes = await dispatcher.dispatch(
      [
        { id: 'call_1', name: 'everything_get-sum', arguments: { a: 2, b: 40 } },
        { id: 'call_2', name: 'everything_echo', arguments: {} },
      ],
      { sessionId: 'user-123', state: memorySessionState(), signal: new AbortController().signal },
    );
    expect(outcomes[0]?.message.content).toBe('The sum of 2 and 40 is 42.');
    expect(outcomes[1]?.message).toMatchObject({ isError: true });
    expect(outcomes[1]?.message.content).toContain('- message: is required but missing');
    expect(everything.connected).toBe(true);
  } finally {
    await everything.close();
  }
  // README ends here.
  expect(statuses).toEqual(['connected', 'closed']);
}, 30_000);
