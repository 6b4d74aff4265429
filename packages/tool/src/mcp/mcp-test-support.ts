// Test support (not exported): what the mcpTools test files share.
import type { ToolCall } from '@troupe/core';
import { afterEach } from 'vitest';
import { memorySessionState } from '../memory-session-state.ts';
import { type McpToolset, type McpToolsOptions, mcpTools } from './mcp-tools.ts';

/** A dispatch context of a session with fresh state. */
export const dispatchContext = () => ({
  sessionId: 's',
  state: memorySessionState(),
  signal: new AbortController().signal,
});

/** A tool call named `name` with `args`; its id defaults to the name. */
export const toolCall = (name: string, args: unknown, id = name): ToolCall => ({ id, name, arguments: args });

/**
 * Tool sets opened by a test file, closed (with `close`, default `set.close()`) after each test,
 * with any other cleanup `defer`red, in reverse order.
 */
export function closedAfterEach(close: (set: McpToolset) => Promise<unknown> = (set) => set.close()) {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    defer(cleanup: () => Promise<unknown>): void {
      cleanups.push(cleanup);
    },
    async open(options: McpToolsOptions): Promise<McpToolset> {
      const set = await mcpTools(options);
      cleanups.push(() => close(set));
      return set;
    },
  };
}
