import type { AgentEvent, AgentEventPayload, Clock, Invocation } from '@troupe/core';

/**
 * Stamps the events of one agent in one turn with session, turn, author, a strictly increasing
 * `seq` from 0 and the time, like the core `eventStamper`. The common fields go into a fresh
 * literal and the payload is copied onto it: on Node 20 an object spread followed by more
 * properties takes a slow path that costs microseconds per event — most of a streamed delta's
 * budget. Text deltas, the hot path, are built as one literal of the same shape.
 */
export class EventStamp {
  private seq = 0;

  private readonly sessionId: string;
  private readonly turnId: string;

  constructor(
    invocation: Pick<Invocation, 'sessionId' | 'turnId'>,
    private readonly author: string,
    private readonly clock: Clock,
  ) {
    this.sessionId = invocation.sessionId;
    this.turnId = invocation.turnId;
  }

  /** The full event of `payload`. */
  event(payload: AgentEventPayload): AgentEvent {
    const { sessionId, turnId, author } = this;
    return Object.assign(
      { type: payload.type, sessionId, turnId, author, seq: this.seq++, at: this.clock.now() },
      payload,
    ) as AgentEvent;
  }

  /** A `text-delta` event. */
  textDelta(text: string): AgentEvent {
    return {
      type: 'text-delta',
      sessionId: this.sessionId,
      turnId: this.turnId,
      author: this.author,
      seq: this.seq++,
      at: this.clock.now(),
      text,
    };
  }
}
