import { describe, expect, it } from 'vitest';
import { toGeminiRequest } from './gemini-request.ts';

describe('toGeminiRequest', () => {
  it('puts system text in systemInstruction and maps images, reasoning and tool choice', () => {
    const { contents, config } = toGeminiRequest({
      system: 'Rules.',
      messages: [
        { role: 'system', content: 'More rules.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'See' },
            { type: 'image', mediaType: 'image/jpeg', data: '/9j/' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'no signature' },
            { type: 'text', text: 'Seen.' },
          ],
        },
      ],
      tools: [{ name: 'f', description: 'F', inputSchema: { type: 'object', properties: { a: { type: 'string' } } } }],
      toolChoice: { name: 'f' },
      reasoning: { effort: 'high' },
      responseFormat: {
        type: 'json',
        schema: { type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } },
      },
      stop: ['X'],
      maxOutputTokens: 50,
      cache: { key: 'cachedContents/abc' },
      providerOptions: { gemini: { seed: 7 } },
    });
    expect(config.systemInstruction).toBe('Rules.\n\nMore rules.');
    expect(contents).toEqual([
      { role: 'user', parts: [{ text: 'See' }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/' } }] },
      { role: 'model', parts: [{ text: 'Seen.' }] },
    ]);
    expect(config.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
    expect(config.thinkingConfig).toEqual({ includeThoughts: true, thinkingLevel: 'HIGH' });
    expect(config.responseMimeType).toBe('application/json');
    expect(config.responseSchema).toEqual({ type: 'object', properties: { a: { type: 'string' } } });
    expect(config.stopSequences).toEqual(['X']);
    expect(config.maxOutputTokens).toBe(50);
    expect(config.cachedContent).toBe('cachedContents/abc');
    expect(config.seed).toBe(7);
  });

  it('reports a failed tool as an error response', () => {
    const { contents } = toGeminiRequest({
      messages: [
        { role: 'assistant', content: [], toolCalls: [{ id: 'gemini-call-r-0', name: 'f', arguments: { a: 1 } }] },
        { role: 'tool', toolCallId: 'gemini-call-r-0', toolName: 'f', content: 'boom', isError: true },
      ],
    });
    expect(contents).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1 } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'f', response: { error: 'boom' } } }] },
    ]);
  });
});
