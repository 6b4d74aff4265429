import type { Actor, ActorContext } from '@troupe/actor';
import type { Session } from './session.ts';
import type { Turn } from './turn.ts';

/** What a session actor is told. */
export type SessionMessage =
  | { type: 'turn'; turn: Turn }
  | { type: 'set-route'; route: string; resolve: (version: number) => void; reject: (error: unknown) => void }
  | { type: 'idle' };

/** What the session actor asks of its runtime. */
export interface SessionActorHost {
  readonly passivateAfterMs: number;
  /** True when the session may passivate now (no accepted turn or route change outstanding). */
  isIdle(sessionId: string): boolean;
  /** Forgets the session; its actor stops next. */
  passivate(sessionId: string): void;
}

/**
 * One session as an actor: its mailbox orders the turns (one at a time, in call order, across the
 * awaits inside a turn), and its idle timeout passivates it so an idle session costs no memory.
 */
export class SessionActor implements Actor<SessionMessage> {
  constructor(
    private readonly session: Session,
    private readonly host: SessionActorHost,
  ) {}

  preStart(context: ActorContext<SessionMessage>): void {
    if (Number.isFinite(this.host.passivateAfterMs)) context.setIdleTimeout(this.host.passivateAfterMs);
  }

  async receive(context: ActorContext<SessionMessage>, message: SessionMessage): Promise<void> {
    switch (message.type) {
      case 'turn':
        await this.session.runTurn(message.turn);
        return;
      case 'set-route':
        try {
          message.resolve(await this.session.setRoute(message.route));
        } catch (error) {
          message.reject(error);
        }
        return;
      case 'idle':
        if (!this.host.isIdle(this.session.sessionId)) return;
        this.host.passivate(this.session.sessionId);
        context.stop();
        return;
    }
  }
}
