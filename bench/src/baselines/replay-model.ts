import type { LanguageModel, ModelChunk, ModelRequest } from '@troupe/core';
import { textReply, toolCallReply } from '@troupe/core/testing';

function frozen(chunks: ModelChunk[]): readonly ModelChunk[] {
  for (const chunk of chunks) Object.freeze(chunk);
  return Object.freeze(chunks);
}

async function* replay(chunks: readonly ModelChunk[]): AsyncGenerator<ModelChunk> {
  for (const chunk of chunks) yield chunk;
}

/**
 * The zero-latency model of the per-turn benchmarks, doing what the peers' mock models do: it
 * looks at the request and answers at once — a get_weather call, or a short text once the last
 * message is a tool result. It keeps no record of requests and ignores the abort signal (as the
 * peers' mocks do), and its chunks are frozen: a consumer that mutated one would throw.
 */
export function weatherModel(): LanguageModel {
  const call = frozen(toolCallReply([{ name: 'get_weather', arguments: { city: 'Lagos' } }]));
  const answer = frozen(textReply('It is 18C.'));
  return {
    provider: 'bench',
    modelId: 'weather',
    stream: (request: ModelRequest) => replay(request.messages.at(-1)?.role === 'tool' ? answer : call),
  };
}

/** A zero-latency model answering every request with `deltas` text deltas of `text`, then usage and stop. */
export function deltaModel(deltas: number, text = 'x'): LanguageModel {
  const chunks: ModelChunk[] = [];
  const delta: ModelChunk = Object.freeze({ type: 'text-delta', text });
  for (let index = 0; index < deltas; index++) chunks.push(delta);
  chunks.push({ type: 'usage', usage: { inputTokens: 1, outputTokens: deltas } });
  chunks.push({ type: 'finish', reason: 'stop' });
  const script = frozen(chunks);
  return { provider: 'bench', modelId: `deltas-${deltas}`, stream: () => replay(script) };
}
