import { describe, expect, it } from 'vitest';
import { AuthenticationError, TransientProviderError } from '../errors.ts';
import type { LanguageModel, ModelChunk } from '../model.ts';
import { scriptedModel, textReply } from '../testing/scripted-model.ts';
import { withFallback } from './with-fallback.ts';
import { wrapModel } from './wrap-model.ts';

const request = { messages: [{ role: 'user' as const, content: 'hi' }] };
const down = (provider: string) => ({ chunks: [], error: new TransientProviderError('503', { provider }) });

async function text(stream: AsyncIterable<ModelChunk>): Promise<string> {
  let result = '';
  for await (const chunk of stream) if (chunk.type === 'text-delta') result += chunk.text;
  return result;
}

describe('withFallback', () => {
  it('tries the models in order on retryable errors', async () => {
    const primary = scriptedModel([down('primary')], { provider: 'primary' });
    const second = scriptedModel([down('second')], { provider: 'second' });
    const third = scriptedModel([textReply('from third')], { provider: 'third' });
    const switches: string[] = [];
    const model = wrapModel(
      primary,
      withFallback([second, third], {
        onFallback: ({ from, to }) => switches.push(`${from.provider}->${to.provider}`),
      }),
    );
    expect(await text(model.stream(request))).toBe('from third');
    expect(switches).toEqual(['primary->second', 'second->third']);
    expect([primary.calls, second.calls, third.calls]).toEqual([1, 1, 1]);
  });

  it('does not fall back on a non-retryable error', async () => {
    const denied = new AuthenticationError('401', { provider: 'primary' });
    const primary = scriptedModel([{ chunks: [], error: denied }]);
    const second = scriptedModel([textReply('never')]);
    await expect(text(wrapModel(primary, withFallback([second])).stream(request))).rejects.toBe(denied);
    expect(second.calls).toBe(0);
  });

  it('does not fall back once output reached the consumer', async () => {
    const primary = scriptedModel([
      {
        chunks: [{ type: 'text-delta', text: 'half' }],
        error: new TransientProviderError('reset', { provider: 'p' }),
        errorAfter: 1,
      },
    ]);
    const second = scriptedModel([textReply('never')]);
    await expect(text(wrapModel(primary, withFallback([second])).stream(request))).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
    });
    expect(second.calls).toBe(0);
  });

  it('throws the last model error when every model fails, and needs at least one fallback', async () => {
    const model: LanguageModel = wrapModel(scriptedModel([down('a')]), withFallback([scriptedModel([down('b')])]));
    await expect(text(model.stream(request))).rejects.toMatchObject({ provider: 'b' });
    expect(() => withFallback([])).toThrow(/at least one fallback/);
  });
});
