import { performance } from 'node:perf_hooks';
import { type Actor, type ActorRef, createActorSystem } from '@troupe/actor';
import * as nact from 'nact';
import { MinimalSystem } from '../baselines/actor-minimal-mailbox.ts';
import { type BenchSuite, gc } from '../harness.ts';

/** Counts handled messages and wakes the measurement when a batch is done. */
class Completion {
  private count = 0;
  private target = 0;
  private resolve: () => void = () => {};

  expect(target: number): Promise<void> {
    this.count = 0;
    this.target = target;
    return new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  tick = (): void => {
    if (++this.count === this.target) this.resolve();
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Median nanoseconds per unit of `run(units)` over `samples` runs, after `warmup` runs. */
async function nsPerUnit(
  run: () => Promise<void>,
  options: { units: number; samples: number; warmup: number },
): Promise<number> {
  for (let index = 0; index < options.warmup; index++) await run();
  const results: number[] = [];
  for (let index = 0; index < options.samples; index++) {
    const start = performance.now();
    await run();
    results.push(((performance.now() - start) * 1e6) / options.units);
  }
  return median(results);
}

/** A counter actor with a synchronous receive, the shape the baselines have too. */
class Counting implements Actor<number> {
  constructor(private readonly tick: () => void) {}
  receive(): void {
    this.tick();
  }
}

class Echo implements Actor<number> {
  receive(context: Parameters<Actor<number>['receive']>[0], message: number): void {
    context.reply(message);
  }
}

const suite: BenchSuite = {
  name: 'actor',
  async run(context) {
    const quick = context.quick;
    const samples = quick ? 3 : 9;
    const warmup = quick ? 1 : 3;
    const completion = new Completion();

    // ------------------------------------------------------------ tell, 1 actor
    {
      const messages = quick ? 20_000 : 200_000;
      const system = createActorSystem({ name: 'bench-tell' });
      const ref = system.spawn(() => new Counting(completion.tick));
      const minimal = new MinimalSystem().spawn<number>(completion.tick);
      const troupeRun = async () => {
        const done = completion.expect(messages);
        for (let index = 0; index < messages; index++) ref.tell(index);
        await done;
      };
      const minimalRun = async () => {
        const done = completion.expect(messages);
        for (let index = 0; index < messages; index++) minimal.tell(index);
        await done;
      };
      const options = { units: messages, samples, warmup };
      const baseline = await nsPerUnit(minimalRun, options);
      const value = await nsPerUnit(troupeRun, options);
      context.row({
        name: 'tell, 1 actor (per message)',
        value,
        unit: 'ns',
        baseline: { name: 'minimal mailbox', value: baseline },
        target: { max: 1.5 },
      });

      const nactMessages = quick ? 2_000 : 20_000;
      const nactSystem = nact.start();
      const nactActor = nact.spawnStateless(nactSystem, () => completion.tick());
      const nactValue = await nsPerUnit(
        async () => {
          const done = completion.expect(nactMessages);
          for (let index = 0; index < nactMessages; index++) nact.dispatch(nactActor, index);
          await done;
        },
        { units: nactMessages, samples, warmup },
      );
      context.row({
        name: 'tell, 1 actor vs nact',
        value,
        unit: 'ns',
        baseline: { name: 'nact', value: nactValue },
        target: { max: 0.05, note: '(≥20× faster)' },
      });
      nact.stop(nactSystem);
      await system.stop();
    }

    // ------------------------------------------------------------ tell, 10k actors round-robin
    {
      const actors = 10_000;
      const messages = quick ? 50_000 : 200_000;
      const system = createActorSystem({ name: 'bench-fanout' });
      const refs: ActorRef<number>[] = [];
      const counting = () => new Counting(completion.tick);
      for (let index = 0; index < actors; index++) refs.push(system.spawn(counting));
      const minimalSystem = new MinimalSystem();
      const minimals = Array.from({ length: actors }, () => minimalSystem.spawn<number>(completion.tick));
      const options = { units: messages, samples, warmup };
      const baseline = await nsPerUnit(async () => {
        const done = completion.expect(messages);
        for (let index = 0; index < messages; index++) minimals[index % actors]?.tell(index);
        await done;
      }, options);
      const value = await nsPerUnit(async () => {
        const done = completion.expect(messages);
        for (let index = 0; index < messages; index++) refs[index % actors]?.tell(index);
        await done;
      }, options);
      context.row({
        name: 'tell, 10k actors round-robin (per message)',
        value,
        unit: 'ns',
        baseline: { name: 'minimal mailbox', value: baseline },
        target: { max: 1.5 },
      });

      const nactSystem = nact.start();
      const nactActors = Array.from({ length: actors }, () => nact.spawnStateless(nactSystem, () => completion.tick()));
      const nactMessages = quick ? 10_000 : 50_000;
      const nactValue = await nsPerUnit(
        async () => {
          const done = completion.expect(nactMessages);
          for (let index = 0; index < nactMessages; index++)
            nact.dispatch(nactActors[index % actors] as nact.Ref<unknown>, index);
          await done;
        },
        { units: nactMessages, samples, warmup },
      );
      context.row({
        name: 'tell, 10k actors round-robin vs nact',
        value,
        unit: 'ns',
        baseline: { name: 'nact', value: nactValue },
        target: { max: 0.05, note: '(≥20× faster)' },
      });
      nact.stop(nactSystem);
      await system.stop();
    }

    // ------------------------------------------------------------ ask
    {
      const asks = quick ? 20_000 : 200_000;
      const system = createActorSystem({ name: 'bench-ask' });
      const echo = system.spawn(() => new Echo());
      const reply = async (value: number) => value;
      const options = { units: asks, samples, warmup };
      const bare = await nsPerUnit(async () => {
        for (let index = 0; index < asks; index++) await reply(index);
      }, options);
      // The least any hand-off to another party costs: a promise resolved from a queued microtask.
      const handOff = await nsPerUnit(async () => {
        for (let index = 0; index < asks; index++) {
          await new Promise<number>((resolve) => queueMicrotask(() => resolve(index)));
        }
      }, options);
      const plain = await nsPerUnit(async () => {
        for (let index = 0; index < asks; index++) await echo.ask(index);
      }, options);
      const timed = await nsPerUnit(async () => {
        for (let index = 0; index < asks; index++) await echo.ask(index, { timeoutMs: 5_000 });
      }, options);
      context.row({
        name: 'ask round trip',
        value: plain,
        unit: 'ns',
        baseline: { name: 'bare await of an async function', value: bare },
        target: { max: 3 },
      });
      context.row({
        name: 'ask round trip vs a microtask hand-off (reference)',
        value: plain,
        unit: 'ns',
        baseline: { name: 'await of a promise resolved in a queued microtask', value: handOff },
      });
      context.row({
        name: 'ask with timeoutMs',
        value: timed,
        unit: 'ns',
        baseline: { name: 'ask without timeout', value: plain },
        target: { max: 1.5 },
      });
      const nactSystem = nact.start();
      const nactEcho = nact.spawnStateless(nactSystem, (message: { value: number; sender: nact.Ref<number> }) =>
        nact.dispatch(message.sender, message.value),
      );
      const nactAsks = quick ? 2_000 : 20_000;
      const nactAsk = await nsPerUnit(
        async () => {
          for (let index = 0; index < nactAsks; index++) {
            await nact.query(nactEcho, (sender: nact.Ref<number>) => ({ value: index, sender }), 5_000);
          }
        },
        { units: nactAsks, samples, warmup },
      );
      context.row({
        name: 'ask with timeout vs nact query',
        value: timed,
        unit: 'ns',
        baseline: { name: 'nact query', value: nactAsk },
      });
      nact.stop(nactSystem);
      await system.stop();
    }

    // ------------------------------------------------------------ mailbox depth
    {
      const system = createActorSystem({ name: 'bench-depth' });
      const ref = system.spawn(() => new Counting(completion.tick));
      const fillAndDrain = (depth: number, rounds: number) => async () => {
        for (let round = 0; round < rounds; round++) {
          const done = completion.expect(depth);
          for (let index = 0; index < depth; index++) ref.tell(index);
          await done;
        }
      };
      const total = quick ? 100_000 : 400_000;
      const shallow = await nsPerUnit(fillAndDrain(1_000, total / 1_000), { units: total, samples, warmup });
      const deep = await nsPerUnit(fillAndDrain(100_000, total / 100_000), { units: total, samples, warmup });
      context.row({
        name: 'per message at mailbox depth 100k',
        value: deep,
        unit: 'ns',
        baseline: { name: 'at depth 1k', value: shallow },
        target: { max: 1.2 },
      });
      await system.stop();
    }

    // ------------------------------------------------------------ idle actor heap
    {
      const actors = quick ? 20_000 : 100_000;
      const tick = completion.tick;
      const counting = () => new Counting(tick);
      const measure = async (messaged: boolean) => {
        const system = createActorSystem({ name: 'bench-heap' });
        const refs: ActorRef<number>[] = new Array(actors);
        const before = context.heapUsed();
        for (let index = 0; index < actors; index++) refs[index] = system.spawn(counting);
        if (messaged) {
          const done = completion.expect(actors);
          for (const ref of refs) ref.tell(1);
          await done;
        }
        const after = context.heapUsed();
        const bytes = (after - before) / actors;
        await system.stop();
        refs.length = 0;
        gc();
        return bytes;
      };
      // The reference first, so no garbage of the Troupe runs skews it.
      const minimalSystem = new MinimalSystem();
      const before = context.heapUsed();
      const minimals = Array.from({ length: actors }, () => minimalSystem.spawn<number>(tick));
      const done = completion.expect(actors);
      for (const minimal of minimals) minimal.tell(1);
      await done;
      const minimalBytes = (context.heapUsed() - before) / actors;
      minimals.length = 0;
      const fresh = await measure(false);
      const used = await measure(true);
      context.row({
        name: `idle actor heap, spawned (${actors / 1000}k actors)`,
        value: fresh,
        unit: 'B',
        target: { max: 400, note: 'bytes' },
      });
      context.row({
        name: `idle actor heap, after one message (${actors / 1000}k actors)`,
        value: used,
        unit: 'B',
        target: { max: 400, note: 'bytes' },
      });
      context.row({
        name: 'idle minimal mailbox heap, after one message (reference)',
        value: minimalBytes,
        unit: 'B',
      });
    }

    // ------------------------------------------------------------ spawn + first message
    {
      const actors = quick ? 5_000 : 20_000;
      const tick = completion.tick;
      const counting = () => new Counting(tick);
      const results: number[] = [];
      const minimalResults: number[] = [];
      for (let sample = 0; sample < samples + warmup; sample++) {
        const system = createActorSystem({ name: 'bench-spawn' });
        let done = completion.expect(actors);
        let start = performance.now();
        for (let index = 0; index < actors; index++) system.spawn(counting).tell(index);
        await done;
        if (sample >= warmup) results.push(((performance.now() - start) * 1e6) / actors);
        await system.stop();

        const minimalSystem = new MinimalSystem();
        done = completion.expect(actors);
        start = performance.now();
        for (let index = 0; index < actors; index++) minimalSystem.spawn<number>(tick).tell(index);
        await done;
        if (sample >= warmup) minimalResults.push(((performance.now() - start) * 1e6) / actors);
      }
      context.row({
        name: 'spawn + first message',
        value: median(results) / 1000,
        unit: 'µs',
        target: { max: 2, note: 'µs' },
      });
      context.row({
        name: 'spawn + first message, minimal mailbox (reference)',
        value: median(minimalResults) / 1000,
        unit: 'µs',
      });
    }
  },
};

export default suite;
