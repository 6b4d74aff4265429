import type { Agent, AgentEvent, Invocation } from '@troupe/core';
import { EventChannel } from './event-channel.ts';
import type { StepHandOver } from './step-message.ts';

/**
 * Where a push-based producer hands its values. A returned promise means the buffer ahead of the
 * consumer is full: wait for it before emitting more. A throw means the consumer is gone: stop.
 * An agent may pass a step's message beside its `model-start` / `model-finish` event
 * ({@link StepHandOver}); sinks that do not use it ignore it.
 */
export type Emit<T> = (value: T, handOver?: StepHandOver) => Promise<void> | undefined;

/**
 * The key of an agent's push-based run. The runtime calls it instead of iterating `run`, which
 * saves an async-iterator layer (and its promises) per event.
 */
export const emitEvents: unique symbol = Symbol.for('troupe.agent.emitEvents');

/** How the caller of a push-based run uses the events. */
export interface EmitOptions {
  /**
   * False when nobody reads the streaming detail (a drained `send`): the agent may then skip the
   * delta events (`text-delta`, `reasoning-delta`, `tool-call-start`, `tool-call-delta`,
   * `tool-call`) of steps whose message it hands over with `model-finish`. Default true.
   */
  deltas?: boolean;
  /**
   * False when nobody reads the events at all (a drained `send`: they only rebuild the turn's
   * messages): the agent may then leave their `at` at 0 instead of reading the clock for each.
   * Default true.
   */
  times?: boolean;
}

/** An agent that can also push its events into an {@link Emit} sink. */
export interface EmittingAgent extends Agent {
  /** Runs the turn, handing every event to `emit` in order; settles when the agent is done. */
  [emitEvents](invocation: Invocation, emit: Emit<AgentEvent>, options?: EmitOptions): Promise<void>;
}

/** True when `agent` offers the push-based run. */
export function isEmittingAgent(agent: Agent): agent is EmittingAgent {
  return typeof (agent as Partial<EmittingAgent>)[emitEvents] === 'function';
}

/** Thrown into a producer whose consumer stopped listening; never reaches a user. */
const consumerLeft: unique symbol = Symbol('consumer left');

/**
 * The pull-based view of a push-based producer: starts it on the first `next()` (like a
 * generator), buffers up to `capacity` values ahead of the consumer (the producer waits beyond),
 * and stops it at its next emit once the consumer leaves.
 */
export function iterateEmitted<T>(
  produce: (emit: Emit<T>) => Promise<void>,
  capacity: number,
): AsyncIterableIterator<T> {
  const channel = new EventChannel<T>(capacity);
  let started = false;
  const emit: Emit<T> = (value) => {
    if (channel.isDetached) throw consumerLeft;
    return channel.push(value);
  };
  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (!started) {
        started = true;
        produce(emit).then(
          () => channel.close(),
          (error: unknown) => (error === consumerLeft ? channel.close() : channel.fail(error)),
        );
      }
      return channel.next();
    },
    return() {
      started = true;
      return channel.return();
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
