import { describe, expect, it } from 'vitest';
import { mcpResultText } from './mcp-content.ts';

describe('mcpResultText', () => {
  it('joins text, inlines text resources and summarises binary content', () => {
    expect(
      mcpResultText({
        content: [
          { type: 'text', text: 'first' },
          { type: 'image', mimeType: 'image/png', data: 'AAAA' },
          { type: 'audio', mimeType: 'audio/wav', data: 'AAA=' },
          { type: 'resource', resource: { uri: 'file:///a.txt', text: 'inline body' } },
          { type: 'resource', resource: { uri: 'file:///b.bin', mimeType: 'application/octet-stream', blob: 'AA==' } },
          { type: 'resource_link', uri: 'file:///c', name: 'c' },
        ],
      }),
    ).toBe(
      [
        'first',
        '[image image/png, 3 bytes]',
        '[audio audio/wav, 2 bytes]',
        'inline body',
        '[resource file:///b.bin application/octet-stream, 1 bytes]',
        '[resource link c file:///c]',
      ].join('\n'),
    );
  });

  it('uses structured content when there is no content', () => {
    expect(mcpResultText({ content: [], structuredContent: { temperature: 21 } })).toBe('{"temperature":21}');
    expect(mcpResultText({})).toBe('');
  });
});
