import { createActorSystem } from '@troupe/actor';
import type { ToolCall } from '@troupe/core';
import { manualClock } from '@troupe/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { actorTool, type ToolCallMessage } from './actor-tool.ts';
import { defineTool } from './define-tool.ts';
import { memorySessionState } from './memory-session-state.ts';
import { createToolDispatcher, type ToolDispatcher } from './tool-dispatcher.ts';

const call = (name: string, args: unknown, id = name): ToolCall => ({ id, name, arguments: args });
const context = () => ({ sessionId: 's1', state: memorySessionState(), signal: new AbortController().signal });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function track(dispatcher: ToolDispatcher): ToolDispatcher {
  cleanups.push(() => dispatcher.close());
  return dispatcher;
}

describe('isolated tools', () => {
  it('runs each call in its own actor and returns its output', async () => {
    const system = createActorSystem({ name: 'isolated-ok' });
    cleanups.push(() => system.stop());
    const paths: string[] = [];
    system.events.on('actor-started', (event) => paths.push(event.ref.path));
    const stoppedPaths: string[] = [];
    system.events.on('actor-stopped', (event) => stoppedPaths.push(event.ref.path));
    const double = defineTool({
      name: 'double',
      description: 'x',
      input: z.object({ n: z.number() }),
      isolated: true,
      execute: ({ n }) => n * 2,
    });
    expect(double.kind).toBe('isolated');
    const dispatcher = track(createToolDispatcher({ tools: [double], system }));
    const outcomes = await dispatcher.dispatch(
      [call('double', { n: 2 }, 'a'), call('double', { n: 5 }, 'b')],
      context(),
    );
    expect(outcomes.map((o) => o.message.content)).toEqual(['4', '10']);
    expect(new Set(paths).size).toBe(2);
    await system.stop();
    expect(stoppedPaths.sort()).toEqual(paths.sort());
  });

  it('contains a crash: the call reports it and the next calls still work', async () => {
    const crashy = defineTool({
      name: 'crashy',
      description: 'x',
      input: z.object({ crash: z.boolean() }),
      isolated: true,
      execute: async ({ crash }) => {
        await Promise.resolve();
        if (crash) throw new TypeError('cannot read properties of undefined');
        return 'fine';
      },
    });
    const system = createActorSystem({ name: 'isolated-crash' });
    cleanups.push(() => system.stop());
    const failures: unknown[] = [];
    system.events.on('actor-failed', (event) => failures.push(event.error));
    const dispatcher = track(createToolDispatcher({ tools: [crashy], system }));
    const outcomes = await dispatcher.dispatch(
      [call('crashy', { crash: true }, 'a'), call('crashy', { crash: false }, 'b')],
      context(),
    );
    expect(outcomes[0]?.message.isError).toBe(true);
    expect(outcomes[0]?.message.content).toMatch(
      /^Tool crashy crashed in its isolated actor: cannot read properties of undefined\./,
    );
    expect(outcomes[1]?.message.content).toBe('fine');
    expect(failures).toHaveLength(1);
    const [again] = await dispatcher.dispatch([call('crashy', { crash: false })], context());
    expect(again?.message.content).toBe('fine');
  });

  it('contains a hang: the timeout on the injected clock cuts it off', async () => {
    const clock = manualClock();
    const hang = defineTool({
      name: 'hang',
      description: 'x',
      input: z.object({}),
      isolated: true,
      timeoutMs: 500,
      execute: () => new Promise(() => undefined),
    });
    const dispatcher = track(createToolDispatcher({ tools: [hang], clock }));
    const pending = dispatcher.dispatch([call('hang', {})], context());
    await clock.advance(500);
    const [outcome] = await pending;
    expect(outcome?.error?.code).toBe('TOOL_TIMEOUT');
  });
});

describe('actorTool', () => {
  it('asks a long-lived actor that keeps state across calls', async () => {
    const system = createActorSystem({ name: 'actor-tool' });
    cleanups.push(() => system.stop());
    let total = 0;
    const ref = system.spawn<ToolCallMessage<{ amount: number }>>(() => ({
      receive(ctx, message) {
        total += message.arguments.amount;
        ctx.reply({ total, call: message.toolCallId, session: message.sessionId });
      },
    }));
    const deposit = actorTool(ref, {
      name: 'deposit',
      description: 'Deposit money.',
      input: z.object({ amount: z.number().positive() }),
    });
    expect(deposit.kind).toBe('actor');
    const dispatcher = createToolDispatcher({ tools: [deposit] });
    const outcomes = await dispatcher.dispatch(
      [call('deposit', { amount: 5 }, 'a'), call('deposit', { amount: 7 }, 'b'), call('deposit', { amount: -1 }, 'c')],
      context(),
    );
    expect(JSON.parse(outcomes[0]?.message.content ?? '')).toEqual({ total: 5, call: 'a', session: 's1' });
    expect(JSON.parse(outcomes[1]?.message.content ?? '')).toEqual({ total: 12, call: 'b', session: 's1' });
    expect(outcomes[2]?.message.content).toContain('- amount:');
  });

  it('reports replyError and a stopped actor as error results', async () => {
    const system = createActorSystem({ name: 'actor-tool-errors' });
    cleanups.push(() => system.stop());
    const ref = system.spawn<{ query: string }>(() => ({
      receive(ctx, message) {
        ctx.replyError(new Error(`no rows for ${message.query}`));
      },
    }));
    const lookup = actorTool(ref, {
      name: 'lookup',
      description: 'x',
      input: z.object({ query: z.string() }),
      toMessage: (args) => ({ query: args.query }),
    });
    const dispatcher = createToolDispatcher({ tools: [lookup] });
    const [failed] = await dispatcher.dispatch([call('lookup', { query: 'q' })], context());
    expect(failed?.message.content).toMatch(/^Tool lookup failed: no rows for q\./);
    await ref.stop();
    const [stopped] = await dispatcher.dispatch([call('lookup', { query: 'q' })], context());
    expect(stopped?.error?.code).toBe('TOOL_UNAVAILABLE');
    expect(stopped?.message.content).toContain('Tool lookup is unavailable');
  });

  it('cancels the ask on timeout', async () => {
    const clock = manualClock();
    const system = createActorSystem({ name: 'actor-tool-timeout', clock });
    cleanups.push(() => system.stop({ deadlineMs: 0 }));
    const ref = system.spawn(() => ({ receive: () => undefined }));
    const silent = actorTool(ref, { name: 'silent', description: 'x', input: z.object({}), timeoutMs: 100 });
    const dispatcher = createToolDispatcher({ tools: [silent], clock });
    const pending = dispatcher.dispatch([call('silent', {})], context());
    await clock.advance(100);
    const [outcome] = await pending;
    expect(outcome?.error?.code).toBe('TOOL_TIMEOUT');
  });
});
