import { describe, expect, it } from 'vitest';
import { toAnthropicRequest } from './anthropic-request.ts';

const defaults = { model: 'claude-test' };

describe('toAnthropicRequest', () => {
  it('moves system messages to the top-level system and merges tool results into one user turn', () => {
    const body = toAnthropicRequest(
      {
        system: 'Base rules.',
        messages: [
          { role: 'system', content: 'Extra rule.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Look' },
              { type: 'image', mediaType: 'image/png', data: 'iVBO' },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'unsigned, from another model' },
              { type: 'text', text: 'Two calls.' },
            ],
            toolCalls: [
              { id: 'a', name: 'f', arguments: { x: 1 } },
              { id: 'b', name: 'g', arguments: undefined },
            ],
          },
          { role: 'tool', toolCallId: 'a', toolName: 'f', content: 'one' },
          { role: 'tool', toolCallId: 'b', toolName: 'g', content: 'boom', isError: true },
          { role: 'user', content: 'And?' },
        ],
      },
      defaults,
    );
    expect(body.system).toEqual([
      { type: 'text', text: 'Base rules.' },
      { type: 'text', text: 'Extra rule.' },
    ]);
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Two calls.' },
          { type: 'tool_use', id: 'a', name: 'f', input: { x: 1 } },
          { type: 'tool_use', id: 'b', name: 'g', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'a', content: 'one' },
          { type: 'tool_result', tool_use_id: 'b', content: 'boom', is_error: true },
          { type: 'text', text: 'And?' },
        ],
      },
    ]);
  });

  it('maps tools, tool choice, temperature, max tokens, stop and a JSON schema', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } } };
    const body = toAnthropicRequest(
      {
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [{ name: 'search', description: 'Finds', inputSchema: { properties: { q: { type: 'string' } } } }],
        toolChoice: 'required',
        temperature: 0.2,
        maxOutputTokens: 300,
        stop: ['END'],
        responseFormat: { type: 'json', schema },
      },
      defaults,
    );
    expect(body.tools).toEqual([
      { name: 'search', description: 'Finds', input_schema: { type: 'object', properties: { q: { type: 'string' } } } },
    ]);
    expect(body.tool_choice).toEqual({ type: 'any' });
    expect(body.temperature).toBe(0.2);
    expect(body.max_tokens).toBe(300);
    expect(body.stop_sequences).toEqual(['END']);
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(toAnthropicRequest({ messages: [], toolChoice: { name: 'x' } }, defaults).tool_choice).toBeUndefined();
  });

  it('turns a reasoning effort into a thinking budget and drops temperature with thinking', () => {
    const body = toAnthropicRequest(
      { messages: [{ role: 'user', content: 'Hi' }], reasoning: { effort: 'medium' }, temperature: 0.5 },
      defaults,
    );
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(body.max_tokens).toBe(8192 + 4096);
    expect(body.temperature).toBeUndefined();
    const small = toAnthropicRequest({ messages: [], reasoning: { budgetTokens: 10 } }, defaults);
    expect(small.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
  });

  it('asks for JSON in the system prompt when no schema is given, and merges provider options', () => {
    const body = toAnthropicRequest(
      {
        messages: [{ role: 'user', content: 'Hi' }],
        responseFormat: { type: 'json' },
        providerOptions: { anthropic: { metadata: { user_id: 'u1' } } },
      },
      { ...defaults, maxOutputTokens: 99 },
    );
    expect(body.system).toEqual([{ type: 'text', text: 'Respond with a single valid JSON value and nothing else.' }]);
    expect((body as { metadata?: unknown }).metadata).toEqual({ user_id: 'u1' });
    expect(body.max_tokens).toBe(99);
  });

  it('keeps redacted thinking as it came and never caches a request that turns caching off', () => {
    const body = toAnthropicRequest(
      {
        cache: false,
        system: 'S',
        messages: [
          {
            role: 'assistant',
            content: [{ type: 'reasoning', text: '', providerMetadata: { anthropic: { redactedData: 'opaque' } } }],
          },
        ],
      },
      { ...defaults, cache: true },
    );
    expect(body.messages[0]?.content).toEqual([{ type: 'redacted_thinking', data: 'opaque' }]);
    expect(JSON.stringify(body)).not.toContain('cache_control');
  });
});
