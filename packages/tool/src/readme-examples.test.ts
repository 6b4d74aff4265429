// The README's examples, run as written (with a fake sub-agent and the real MCP server).
import { type Agent, eventStamper } from '@troupe/core';
import { expect, it } from 'vitest';
import { z } from 'zod';
import {
  agentTool,
  createToolDispatcher,
  defineTool,
  jsonSchema,
  memorySessionState,
  normalizeSchema,
} from './index.ts';
import { everythingServerScript } from './mcp/everything-server.ts';
import { mcpTools } from './mcp/index.ts';

const turn = () => ({ sessionId: 'user-123', state: memorySessionState(), signal: new AbortController().signal });

it('runs the zod, JSON Schema and agent examples', async () => {
  const weather = defineTool({
    name: 'get_weather',
    description: 'Look up the weather in a city.',
    input: z.object({ city: z.string(), unit: z.enum(['C', 'F']).default('C') }),
    execute: async ({ city, unit }) => `18°${unit} and cloudy in ${city}`,
  });

  const search = defineTool({
    name: 'search_docs',
    description: 'Full-text search over the docs.',
    input: jsonSchema<{ query: string; limit?: number }>({
      type: 'object',
      properties: { query: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 20 } },
      required: ['query'],
      additionalProperties: false,
    }),
    execute: async ({ query, limit = 5 }) => ({ query, hits: limit }),
  });

  const researcher: Agent = {
    name: 'researcher',
    async *run(invocation) {
      const stamp = eventStamper({ invocation, author: 'researcher', now: Date.now });
      yield stamp({
        type: 'model-finish',
        step: 0,
        usage: { inputTokens: 812, outputTokens: 95 },
        finishReason: 'stop',
      });
      yield stamp({
        type: 'message',
        message: { role: 'assistant', content: [{ type: 'text', text: 'Lagos: 31°C' }] },
      });
    },
  };
  const research = agentTool(researcher, { poolSize: 2, description: 'Research a question in depth.' });

  const dispatcher = createToolDispatcher({ tools: [weather, search, research], concurrency: 8 });
  const outcomes = await dispatcher.dispatch(
    [
      { id: 'call_1', name: 'get_weather', arguments: { city: 'Lagos' } },
      { id: 'call_2', name: 'search_docs', arguments: { query: '' } },
      { id: 'call_3', name: 'researcher', arguments: { task: 'Weather in Lagos?' } },
    ],
    turn(),
  );
  expect(outcomes.map((o) => o.message.content)).toEqual([
    '18°C and cloudy in Lagos',
    expect.stringContaining('- query: must NOT have fewer than 1 characters'),
    'Lagos: 31°C',
  ]);
  expect(outcomes[2]?.usage).toEqual({ inputTokens: 812, outputTokens: 95 });
  expect(normalizeSchema(weather.inputSchema, { target: 'gemini' })).toEqual({
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['C', 'F'], default: 'C' } },
    required: ['city'],
  });
});

it('runs the MCP example', async () => {
  const everything = await mcpTools({
    server: { type: 'stdio', command: process.execPath, args: [everythingServerScript(), 'stdio'], stderr: 'ignore' },
    prefix: 'everything_',
  });
  try {
    const dispatcher = createToolDispatcher({ tools: everything.tools() });
    const [sum] = await dispatcher.dispatch(
      [{ id: 'call_1', name: 'everything_get-sum', arguments: { a: 2, b: 40 } }],
      turn(),
    );
    expect(sum?.message.content).toBe('The sum of 2 and 40 is 42.');
  } finally {
    await everything.close();
  }
}, 30_000);
