import { createActorSystem } from '@troupe/actor';
import { sleep, type ToolCall } from '@troupe/core';
import { manualClock } from '@troupe/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from './define-tool.ts';
import { jsonSchema } from './json-schema-input.ts';
import { memorySessionState } from './memory-session-state.ts';
import { createToolDispatcher } from './tool-dispatcher.ts';

const context = (signal = new AbortController().signal) => ({ sessionId: 's', state: memorySessionState(), signal });
const notObject = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.array(fc.anything()), fc.constant('plain text'));
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.object());
const notPositiveInt = fc.oneof(
  fc.integer({ max: 0 }),
  fc.double({ noInteger: true, noNaN: true }),
  fc.string(),
  fc.constant(null),
);
const notPositiveNumber = fc.oneof(fc.double({ max: 0, noNaN: true }), fc.string(), fc.constant(null), fc.boolean());

/** Schemas users write, each with a generator of arguments that can never be valid for it. */
function schemaCases() {
  let executed = 0;
  const run = () => {
    executed++;
    return 'ran';
  };
  const tools = [
    defineTool({
      name: 'weather',
      description: 'x',
      input: z.object({ city: z.string(), days: z.number().int().positive() }),
      execute: run,
    }),
    defineTool({
      name: 'order',
      description: 'x',
      input: z.object({ items: z.array(z.object({ sku: z.string(), qty: z.number().int().min(1) })).min(1) }),
      execute: run,
    }),
    defineTool({
      name: 'shape',
      description: 'x',
      input: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('circle'), radius: z.number().positive() }),
        z.object({ kind: z.literal('square'), side: z.number().positive() }),
      ]),
      execute: run,
    }),
    defineTool({
      name: 'search',
      description: 'x',
      input: jsonSchema({
        type: 'object',
        properties: { query: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 50 } },
        required: ['query'],
        additionalProperties: false,
      }),
      execute: run,
    }),
  ];
  const badArguments = fc.oneof(
    fc.record({ name: fc.constant('weather'), args: notObject }),
    fc.record({ name: fc.constant('weather'), args: fc.record({ city: notString, days: fc.integer({ min: 1 }) }) }),
    fc.record({ name: fc.constant('weather'), args: fc.record({ city: fc.string(), days: notPositiveInt }) }),
    fc.record({ name: fc.constant('order'), args: fc.record({ items: fc.constant([]) }) }),
    fc.record({
      name: fc.constant('order'),
      args: fc.record({ items: fc.array(fc.record({ sku: fc.string(), qty: notPositiveInt }), { minLength: 1 }) }),
    }),
    fc.record({
      name: fc.constant('shape'),
      args: fc.record({ kind: fc.string().filter((k) => k !== 'circle' && k !== 'square') }),
    }),
    fc.record({
      name: fc.constant('shape'),
      args: fc.record({ kind: fc.constant('circle'), radius: notPositiveNumber }),
    }),
    fc.record({ name: fc.constant('search'), args: notObject }),
    fc.record({ name: fc.constant('search'), args: fc.record({ query: fc.constant('') }) }),
    fc.record({
      name: fc.constant('search'),
      args: fc.record({ query: fc.string({ minLength: 1 }), limit: fc.integer({ min: 51 }) }),
    }),
    fc.record({
      name: fc.constant('search'),
      args: fc.record({ query: fc.string({ minLength: 1 }), extra: fc.anything() }),
    }),
  );
  return { tools, badArguments, executed: () => executed };
}

describe('dispatcher properties', () => {
  it('bad arguments always give a validation error result and never run the tool', async () => {
    const { tools, badArguments, executed } = schemaCases();
    const dispatcher = createToolDispatcher({ tools });
    await fc.assert(
      fc.asyncProperty(fc.array(badArguments, { minLength: 1, maxLength: 6 }), async (bad) => {
        const calls: ToolCall[] = bad.map((item, index) => ({
          id: `c${index}`,
          name: item.name,
          arguments: item.args,
        }));
        const outcomes = await dispatcher.dispatch(calls, context());
        expect(outcomes.map((o) => o.message.toolCallId)).toEqual(calls.map((c) => c.id));
        for (const outcome of outcomes) {
          expect(outcome.message.isError).toBe(true);
          expect(outcome.error?.code).toBe('TOOL_VALIDATION');
          expect(outcome.message.content).toMatch(/^The arguments for tool \S+ are invalid \(\d+ problems?\):\n- /);
        }
      }),
      { numRuns: 300 },
    );
    expect(executed()).toBe(0);
  });

  it('any arguments, any tool name and any thrown value resolve to one outcome per call', async () => {
    const { tools } = schemaCases();
    const thrower = defineTool({
      name: 'thrower',
      description: 'x',
      input: z.object({ value: z.unknown() }).passthrough(),
      execute: ({ value }) => {
        throw value;
      },
    });
    const dispatcher = createToolDispatcher({ tools: [...tools, thrower] });
    const names = fc.oneof(fc.constantFrom('weather', 'order', 'shape', 'search', 'thrower'), fc.string());
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ name: names, args: fc.anything() }), { maxLength: 6 }), async (items) => {
        const calls: ToolCall[] = items.map((item, index) => ({
          id: `c${index}`,
          name: item.name,
          arguments: item.args,
        }));
        const outcomes = await dispatcher.dispatch(calls, context());
        expect(outcomes).toHaveLength(calls.length);
        outcomes.forEach((outcome, index) => {
          expect(outcome.message.toolCallId).toBe(`c${index}`);
          expect(typeof outcome.message.content).toBe('string');
          if (calls[index]?.name === 'thrower') expect(outcome.message.isError).toBe(true);
          if (outcome.message.isError) expect(outcome.error).toBeDefined();
        });
      }),
      { numRuns: 300 },
    );
  });

  it('outcomes keep the calls order under random completion times and concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 15 }),
        fc.integer({ min: 1, max: 6 }),
        async (delays, concurrency) => {
          const clock = manualClock();
          let running = 0;
          let peak = 0;
          const delayed = defineTool({
            name: 'delayed',
            description: 'x',
            input: z.object({ ms: z.number(), index: z.number() }),
            execute: async ({ ms, index }, ctx) => {
              running++;
              peak = Math.max(peak, running);
              await sleep(clock, ms, ctx.signal);
              running--;
              return `result ${index}`;
            },
          });
          const finished: number[] = [];
          const dispatcher = createToolDispatcher({ tools: [delayed], clock, concurrency });
          const pending = dispatcher.dispatch(
            delays.map((ms, index) => ({ id: `c${index}`, name: 'delayed', arguments: { ms, index } })),
            { ...context(), onResult: (_outcome, index) => finished.push(index) },
          );
          await clock.runAll();
          const outcomes = await pending;
          expect(outcomes.map((o) => o.message.content)).toEqual(delays.map((_, index) => `result ${index}`));
          expect(peak).toBeLessThanOrEqual(concurrency);
          expect([...finished].sort((a, b) => a - b)).toEqual(delays.map((_, index) => index));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('timeouts and aborts on the manual clock cut calls exactly when due', async () => {
    const call = fc.record({ duration: fc.integer({ min: 1, max: 500 }), timeout: fc.integer({ min: 1, max: 500 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(call, { minLength: 1, maxLength: 8 }),
        fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
        async (specs, abortAt) => {
          const clock = manualClock();
          const controller = new AbortController();
          // Set before the calls' timers, so at equal times the abort comes first.
          if (abortAt !== undefined) clock.setTimeout(() => controller.abort(), abortAt);
          const tools = specs.map((spec, index) =>
            defineTool({
              name: `t${index}`,
              description: 'x',
              input: z.object({}),
              timeoutMs: spec.timeout,
              execute: async (_args, ctx) => {
                await sleep(clock, spec.duration, ctx.signal);
                return 'done';
              },
            }),
          );
          const dispatcher = createToolDispatcher({ tools, clock, concurrency: specs.length });
          const pending = dispatcher.dispatch(
            specs.map((_, index) => ({ id: `c${index}`, name: `t${index}`, arguments: {} })),
            context(controller.signal),
          );
          await clock.runAll();
          const outcomes = await pending;
          specs.forEach((spec, index) => {
            const outcome = outcomes[index];
            const end = Math.min(spec.duration, spec.timeout);
            if (abortAt !== undefined && abortAt <= end) {
              expect(outcome?.message.content).toContain('cancelled because the turn was aborted');
              expect(outcome?.durationMs).toBe(abortAt);
            } else if (spec.timeout <= spec.duration) {
              expect(outcome?.error?.code).toBe('TOOL_TIMEOUT');
              expect(outcome?.durationMs).toBe(spec.timeout);
            } else {
              expect(outcome?.message.content).toBe('done');
              expect(outcome?.durationMs).toBe(spec.duration);
            }
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('isolated crashes are contained whatever the mix of crashing and healthy calls', async () => {
    const system = createActorSystem({ name: 'isolated-property' });
    try {
      const crashy = defineTool({
        name: 'crashy',
        description: 'x',
        input: z.object({ crash: z.boolean(), index: z.number() }),
        isolated: true,
        execute: ({ crash, index }) => {
          if (crash) throw new RangeError(`crash ${index}`);
          return `ok ${index}`;
        },
      });
      const dispatcher = createToolDispatcher({ tools: [crashy], system, concurrency: 3 });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }), async (crashes) => {
          const outcomes = await dispatcher.dispatch(
            crashes.map((crash, index) => ({ id: `c${index}`, name: 'crashy', arguments: { crash, index } })),
            context(),
          );
          crashes.forEach((crash, index) => {
            const content = outcomes[index]?.message.content;
            if (crash)
              expect(content).toMatch(new RegExp(`^Tool crashy crashed in its isolated actor: crash ${index}\\.`));
            else expect(content).toBe(`ok ${index}`);
          });
        }),
        { numRuns: 50 },
      );
    } finally {
      await system.stop();
    }
  });
});
