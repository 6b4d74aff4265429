import { type AgentEvent, type AgentEventPayload, eventStamper } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { TurnTranscript } from './turn-transcript.ts';

const invocation = { sessionId: 's', turnId: 't' };

function events(author: string, payloads: AgentEventPayload[]): AgentEvent[] {
  const stamp = eventStamper({ invocation, author, now: () => 0 });
  return payloads.map(stamp);
}

describe('TurnTranscript', () => {
  it('rebuilds assistant and tool messages of each step, with reasoning signatures kept', () => {
    const transcript = new TurnTranscript('assistant', [{ role: 'user', content: 'hi' }]);
    const call = { id: 'c1', name: 'lookup', arguments: { q: 1 } };
    for (const event of events('assistant', [
      { type: 'model-start', step: 1, provider: 'p', modelId: 'm' },
      { type: 'reasoning-delta', text: 'think', signature: 'sig-1' },
      { type: 'tool-call', call },
      { type: 'model-finish', step: 1, usage: { inputTokens: 3, outputTokens: 2 }, finishReason: 'tool-calls' },
      { type: 'tool-result', toolCallId: 'c1', toolName: 'lookup', content: 'found', isError: false },
      { type: 'model-start', step: 2, provider: 'p', modelId: 'm' },
      { type: 'text-delta', text: 'Done' },
      { type: 'model-finish', step: 2, usage: { inputTokens: 5, outputTokens: 1 }, finishReason: 'stop' },
      { type: 'message', message: { role: 'assistant', content: [{ type: 'text', text: 'Done' }] } },
    ])) {
      transcript.add(event);
    }
    expect(transcript.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'reasoning', text: 'think', signature: 'sig-1' }], toolCalls: [call] },
      { role: 'tool', toolCallId: 'c1', toolName: 'lookup', content: 'found' },
      { role: 'assistant', content: [{ type: 'text', text: 'Done' }] },
    ]);
    expect(transcript.usage).toEqual({ inputTokens: 8, outputTokens: 3 });
    expect(transcript.status).toBe('completed');
  });

  it('commits the message an agent hands over beside model-finish instead of rebuilding it from deltas', () => {
    const transcript = new TurnTranscript('assistant');
    const handed = { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'from the agent' }] };
    const [start, delta, finish] = events('assistant', [
      { type: 'model-start', step: 1, provider: 'p', modelId: 'm' },
      { type: 'text-delta', text: 'not used' },
      { type: 'model-finish', step: 1, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' },
    ]);
    transcript.add(start as AgentEvent, true);
    transcript.add(delta as AgentEvent);
    transcript.add(finish as AgentEvent, handed);
    expect(transcript.messages).toEqual([handed]);
    expect(Object.getOwnPropertySymbols(finish as AgentEvent)).toHaveLength(0);
  });

  it('discards a partial step on model-retry and ignores messages of nested authors except their usage', () => {
    const transcript = new TurnTranscript('team');
    for (const event of [
      ...events('team/member', [
        { type: 'model-start', step: 1, provider: 'p', modelId: 'm' },
        { type: 'text-delta', text: 'inner' },
        { type: 'model-finish', step: 1, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' },
        { type: 'message', message: { role: 'assistant', content: [{ type: 'text', text: 'inner' }] } },
      ]),
      ...events('team', [
        { type: 'model-start', step: 1, provider: 'p', modelId: 'm' },
        { type: 'text-delta', text: 'part' },
        {
          type: 'model-retry',
          step: 1,
          attempt: 1,
          delayMs: 5,
          error: { name: 'X', code: 'PROVIDER_UNAVAILABLE', message: 'x' },
        },
        { type: 'text-delta', text: 'whole' },
        { type: 'model-finish', step: 1, usage: { inputTokens: 2, outputTokens: 2 }, finishReason: 'stop' },
      ]),
    ]) {
      transcript.add(event);
    }
    expect(transcript.messages).toEqual([{ role: 'assistant', content: [{ type: 'text', text: 'whole' }] }]);
    expect(transcript.usage).toEqual({ inputTokens: 3, outputTokens: 3 });
  });

  it('appends a message event that follows no model step and records an approval pause', () => {
    const transcript = new TurnTranscript('team');
    const message = { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'summary' }] };
    for (const event of events('team', [
      { type: 'approval-requested', calls: [] },
      { type: 'message', message },
    ])) {
      transcript.add(event);
    }
    expect(transcript.messages).toEqual([message]);
    expect(transcript.finalMessage).toBe(message);
    expect(transcript.status).toBe('awaiting-approval');
  });
});
