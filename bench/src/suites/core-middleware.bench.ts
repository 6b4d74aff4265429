import { type ModelChunk, withRetry, wrapModel } from '@troupe/core';
import { scriptedModel, textReply } from '@troupe/core/testing';
import type { BenchSuite } from '../harness.ts';

// The cost withRetry adds to a stream that succeeds first time: it sits on every model call.
const suite: BenchSuite = {
  name: 'core middleware',
  async run(context) {
    const chunks = textReply('one two three four five six seven eight nine ten');
    const bare = scriptedModel([chunks], { whenExhausted: 'repeat-last' });
    const retried = wrapModel(scriptedModel([chunks], { whenExhausted: 'repeat-last' }), withRetry());
    const drain = async (stream: AsyncIterable<ModelChunk>) => {
      let count = 0;
      for await (const _chunk of stream) count++;
      return count;
    };
    const request = { messages: [{ role: 'user' as const, content: 'hi' }] };
    const iterations = context.quick ? 500 : 5_000;
    const baseline = await context.timePerOpAsync(() => drain(bare.stream(request)), { iterations });
    const value = await context.timePerOpAsync(() => drain(retried.stream(request)), { iterations });
    context.row({
      name: 'stream of 12 chunks through withRetry',
      value: value / 1000,
      unit: 'µs',
      baseline: { name: 'bare scripted model', value: baseline / 1000 },
      target: { max: 1.5 },
    });
  },
};

export default suite;
