import type { Message } from '@troupe/core';

/** Histories whose messages and parts have different shapes (key lists), by variant name. */
export const shapeVariants: Record<string, () => Message[]> = {
  plain: () => [
    { role: 'user', content: 'hello' },
    { role: 'assistant', content: [{ type: 'text', text: 'hi' }] },
  ],
  tools: () => [
    { role: 'user', content: 'what is the weather?' },
    { role: 'assistant', content: [], toolCalls: [{ id: 'call-1', name: 'weather', arguments: { city: 'Oslo' } }] },
    { role: 'tool', toolCallId: 'call-1', toolName: 'weather', content: 'rain', isError: false },
  ],
  reordered: () => [
    { content: 'keys in another order make another shape', role: 'user' } as Message,
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'thinking', signature: 'sig' },
        { type: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo=' },
      ],
    },
  ],
};
