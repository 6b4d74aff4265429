import { ActorStoppedError, InvalidArgumentError } from '@troupe/core';
import type { ActorFactory } from './actor.ts';
import { ActorCell } from './actor-cell.ts';
import type { ActorRef, AskOptions, SendOptions, StopOptions } from './actor-ref.ts';
import { hashKey, hashString, mix32, rendezvousPick } from './rendezvous-hash.ts';
import type { MailboxOptions, SupervisionOptions } from './spawn-options.ts';
import type { SystemCore } from './system-core.ts';

/** How a router picks a routee. */
export type RouterKind = 'round-robin' | 'random' | 'broadcast' | 'consistent-hash' | 'least-loaded';

/** Routees the router spawns (and supervises) itself, as its children. */
export interface RouterPool<M> {
  /** How many routees. */
  count: number;
  /** Builds one routee actor. */
  behavior: ActorFactory<M>;
  /** Mailbox of each routee. */
  mailbox?: MailboxOptions;
  /** Supervision of each routee; a routee that stops for good leaves the router. */
  supervision?: SupervisionOptions;
}

/** Options of `system.spawnRouter`. */
export interface RouterOptions<M> {
  kind: RouterKind;
  /** Existing actors to route to, or a pool the router spawns as its children. */
  routees: readonly ActorRef<M>[] | RouterPool<M>;
  /** The routing key of a message, for `consistent-hash` (required there). */
  key?: (message: M) => string | number;
  /** The router's name under `/user`; `system.lookup(name)` finds it. */
  name?: string;
  /** Randomness for `random`, in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** An `ActorRef` that spreads messages over routees. */
export interface RouterRef<M = unknown> extends ActorRef<M> {
  /** The routing rule. */
  readonly kind: RouterKind;
  /** The current routees, in the order they were added. */
  readonly routees: readonly ActorRef<M>[];
  /** Adds a routee (ignored if present). With consistent hashing, only ~1/n of the keys move to it. */
  addRoutee(ref: ActorRef<M>): void;
  /** Removes a routee (ignored if absent); it keeps running. */
  removeRoutee(ref: ActorRef<M>): void;
}

const kinds: readonly RouterKind[] = ['round-robin', 'random', 'broadcast', 'consistent-hash', 'least-loaded'];

function isPool<M>(routees: RouterOptions<M>['routees']): routees is RouterPool<M> {
  return !Array.isArray(routees);
}

function loadOf(ref: ActorRef): number {
  return ref instanceof ActorCell ? ref.load : ref.mailboxSize;
}

/**
 * A router. Messages through this ref go straight into the chosen routee's mailbox (no extra
 * hop); the router also has an actor of its own at its path, so a ref found with `lookup` routes
 * the same way, and so pool routees have a parent that stops them with the router.
 */
class Router<M> implements RouterRef<M> {
  readonly kind: RouterKind;
  private list: ActorRef<M>[] = [];
  private seeds: number[] = [];
  private readonly unsubscribes = new Map<ActorRef<M>, () => void>();
  private next = 0;
  private readonly keyOf: ((message: M) => string | number) | undefined;
  private readonly random: () => number;
  readonly home: ActorCell<M>;

  constructor(system: SystemCore, options: RouterOptions<M>) {
    if (!kinds.includes(options.kind)) {
      throw new InvalidArgumentError(`Unknown router kind "${String(options.kind)}".`, {
        remedy: `Use one of ${kinds.join(', ')}.`,
      });
    }
    if (options.kind === 'consistent-hash' && typeof options.key !== 'function') {
      throw new InvalidArgumentError('A consistent-hash router needs a key(message) function.', {
        remedy: 'Pass key: (message) => message.userId (any string or number that identifies the entity).',
      });
    }
    this.kind = options.kind;
    this.keyOf = options.key;
    this.random = options.random ?? Math.random;
    const routees = options.routees;
    if (isPool(routees)) {
      if (!Number.isInteger(routees.count) || routees.count < 1 || typeof routees.behavior !== 'function') {
        throw new InvalidArgumentError('A router pool needs a whole count >= 1 and a behavior factory.');
      }
    } else if (!Array.isArray(routees)) {
      throw new InvalidArgumentError('Router routees must be an array of refs or { count, behavior }.');
    }
    const spawnOptions = options.name === undefined ? undefined : { name: options.name };
    this.home = system.spawn<M>(
      () => ({ receive: (context, message) => this.tell(message, context.sender) }),
      spawnOptions,
    ) as ActorCell<M>;
    if (isPool(routees)) {
      for (let index = 0; index < routees.count; index++) {
        const routee = this.home.spawnChild<M>(routees.behavior, {
          name: `routee-${index + 1}`,
          ...(routees.mailbox ? { mailbox: routees.mailbox } : {}),
          ...(routees.supervision ? { supervision: routees.supervision } : {}),
        });
        this.addRoutee(routee);
      }
    } else {
      for (const routee of routees) this.addRoutee(routee);
    }
  }

  get name(): string {
    return this.home.name;
  }
  get path(): string {
    return this.home.path;
  }
  get isStopped(): boolean {
    return this.home.isStopped;
  }
  get mailboxSize(): number {
    let size = 0;
    for (const routee of this.list) size += routee.mailboxSize;
    return size;
  }
  get routees(): readonly ActorRef<M>[] {
    return [...this.list];
  }

  addRoutee(ref: ActorRef<M>): void {
    if (this.unsubscribes.has(ref)) return;
    this.list.push(ref);
    this.seeds.push(mix32(hashString(ref.path)));
    const unsubscribe = ref instanceof ActorCell ? ref.onTerminated(() => this.removeRoutee(ref)) : () => {};
    this.unsubscribes.set(ref, unsubscribe);
  }

  removeRoutee(ref: ActorRef<M>): void {
    const unsubscribe = this.unsubscribes.get(ref);
    if (unsubscribe === undefined) return;
    this.unsubscribes.delete(ref);
    unsubscribe();
    const index = this.list.indexOf(ref);
    this.list.splice(index, 1);
    this.seeds.splice(index, 1);
  }

  private noRoutees(): ActorStoppedError {
    return new ActorStoppedError(`The router ${this.path} has no live routees.`, {
      actor: this.path,
      remedy: 'Add routees with addRoutee, or supervise pool routees with restart so they come back.',
    });
  }

  /** The routee for `message`; throws when there is none. */
  private pick(message: M): ActorRef<M> {
    const list = this.list;
    if (this.home.isStopped) throw this.home.stoppedError();
    if (list.length === 0) throw this.noRoutees();
    switch (this.kind) {
      case 'round-robin': {
        if (this.next >= list.length) this.next = 0;
        return list[this.next++] as ActorRef<M>;
      }
      case 'random':
        return list[Math.floor(this.random() * list.length) % list.length] as ActorRef<M>;
      case 'consistent-hash': {
        const key = (this.keyOf as (message: M) => string | number)(message);
        return list[rendezvousPick(hashKey(key), this.seeds)] as ActorRef<M>;
      }
      case 'least-loaded': {
        let best = list[0] as ActorRef<M>;
        let bestLoad = loadOf(best);
        for (let index = 1; index < list.length && bestLoad > 0; index++) {
          const candidate = list[index] as ActorRef<M>;
          const load = loadOf(candidate);
          if (load < bestLoad) {
            best = candidate;
            bestLoad = load;
          }
        }
        return best;
      }
      default:
        return list[0] as ActorRef<M>;
    }
  }

  tell(message: M, sender?: ActorRef): void {
    if (this.kind === 'broadcast') {
      if (this.home.isStopped) throw this.home.stoppedError();
      if (this.list.length === 0) throw this.noRoutees();
      for (const routee of [...this.list]) routee.tell(message, sender);
      return;
    }
    this.pick(message).tell(message, sender);
  }

  send(message: M, options?: SendOptions): Promise<void> {
    try {
      if (this.kind === 'broadcast') {
        if (this.list.length === 0) throw this.noRoutees();
        return Promise.all(this.list.map((routee) => routee.send(message, options))).then(() => {});
      }
      return this.pick(message).send(message, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  ask<R = unknown>(message: M, options?: AskOptions): Promise<R> {
    try {
      if (this.kind === 'broadcast') {
        if (this.home.isStopped) throw this.home.stoppedError();
        if (this.list.length === 0) throw this.noRoutees();
        // Scatter-gather: every routee's reply, in routee order.
        return Promise.all(this.list.map((routee) => routee.ask(message, options))) as Promise<R>;
      }
      return this.pick(message).ask<R>(message, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  stop(options?: StopOptions): Promise<void> {
    return this.home.stop(options);
  }
}

/** Builds a router (see `system.spawnRouter`). */
export function createRouter<M>(system: SystemCore, options: RouterOptions<M>): RouterRef<M> {
  if (options === undefined || options === null) throw new InvalidArgumentError('spawnRouter needs options.');
  return new Router<M>(system, options);
}
