import { createActorSystem } from '@troupe/actor';
import { AskTimeoutError, type ToolCall } from '@troupe/core';
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

/** An isolated tool doubling `n`. */
const isolatedDouble = () =>
  defineTool({
    name: 'double',
    description: 'x',
    input: z.object({ n: z.number() }),
    isolated: true,
    execute: ({ n }) => n * 2,
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
    const double = isolatedDouble();
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

describe('isolated tools and failures outside the returned promise', () => {
  type Listener = (...args: unknown[]) => void;

  /** Sets the test runner's own failure listeners aside, as an application without any would run. */
  function withoutRunnerListeners(): () => void {
    const rejections = process.listeners('unhandledRejection') as Listener[];
    const exceptions = process.listeners('uncaughtException') as Listener[];
    process.removeAllListeners('unhandledRejection');
    process.removeAllListeners('uncaughtException');
    return () => {
      process.removeAllListeners('unhandledRejection');
      process.removeAllListeners('uncaughtException');
      for (const listener of rejections) process.on('unhandledRejection', listener);
      for (const listener of exceptions) process.on('uncaughtException', listener);
    };
  }

  it('contains an unhandled rejection and an uncaught exception left by the tool and stays usable', async () => {
    const restore = withoutRunnerListeners();
    try {
      const leaky = defineTool({
        name: 'leaky',
        description: 'x',
        input: z.object({ kind: z.enum(['rejection', 'exception', 'none']) }),
        isolated: true,
        execute: ({ kind }) =>
          new Promise((resolve) => {
            if (kind === 'rejection') void Promise.reject(new Error('forgot to await the upload'));
            else if (kind === 'exception') {
              setImmediate(() => {
                throw new Error('callback blew up');
              });
            } else resolve('fine');
          }),
      });
      const dispatcher = createToolDispatcher({ tools: [leaky] });
      const outcomes = await dispatcher.dispatch(
        [
          call('leaky', { kind: 'rejection' }, 'a'),
          call('leaky', { kind: 'exception' }, 'b'),
          call('leaky', { kind: 'none' }, 'c'),
        ],
        context(),
      );
      expect(outcomes[0]?.message.content).toMatch(
        /^Tool leaky crashed in its isolated actor \(unhandled failure in its work\): forgot to await the upload\./,
      );
      expect(outcomes[1]?.message.content).toMatch(/crashed in its isolated actor .*: callback blew up\./);
      expect(outcomes[1]?.error?.code).toBe('TOOL_EXECUTION');
      expect(outcomes[2]?.message.content).toBe('fine');
      // While isolated calls may still fail, the dispatcher listens; close() stops listening.
      expect(process.listenerCount('unhandledRejection')).toBe(1);
      await dispatcher.close();
      expect(process.listenerCount('unhandledRejection')).toBe(0);
      expect(process.listenerCount('uncaughtException')).toBe(0);
    } finally {
      restore();
    }
  });

  it('close() stops the system it created but not one it was given', async () => {
    const given = createActorSystem({ name: 'given' });
    cleanups.push(() => given.stop());
    const double = isolatedDouble();
    const withGiven = createToolDispatcher({ tools: [double], system: given });
    await withGiven.dispatch([call('double', { n: 1 })], context());
    await withGiven.close();
    const probe = given.spawn<string>(() => ({ receive: (ctx, message) => ctx.reply(message) }));
    expect(await probe.ask('still running')).toBe('still running');

    const lazily = createToolDispatcher({ tools: [double] });
    const [first] = await lazily.dispatch([call('double', { n: 2 })], context());
    expect(first?.message.content).toBe('4');
    await lazily.close();
    await lazily.close();
    // A later dispatch starts a fresh system on demand.
    const [again] = await lazily.dispatch([call('double', { n: 3 })], context());
    expect(again?.message.content).toBe('6');
    await lazily.close();
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

  it('maps an ask timeout inside the actor to TOOL_TIMEOUT', async () => {
    const system = createActorSystem({ name: 'actor-tool-ask-timeout' });
    cleanups.push(() => system.stop());
    const ref = system.spawn(() => ({
      receive(ctx) {
        ctx.replyError(new AskTimeoutError('No reply from /user/db within 200 ms.', { timeoutMs: 200 }));
      },
    }));
    const query = actorTool(ref, { name: 'query', description: 'x', input: z.object({}) });
    const [outcome] = await createToolDispatcher({ tools: [query] }).dispatch([call('query', {})], context());
    expect(outcome?.error?.code).toBe('TOOL_TIMEOUT');
    expect(outcome?.message.content).toMatch(/^Tool query got no answer from its actor in time/);
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
