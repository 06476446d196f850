/**
 * `ActorRef<P>`: a destination bound to an actor system, whose `call`, `cast` and `send` accept
 * only the messages of protocol `P` and whose `call` resolves with the reply type paired with the
 * message. Made by `system.ref(dest)` from a typed pid, name, `{ name, node }`, `{ global }` or
 * `{ via, key }` (see `protocol.ts` for where protocols are declared).
 *
 * ```ts
 * const counter = system.ref(COUNTER);       // ActorRef<CounterProtocol>
 * const n = await counter.call({ type: 'get' }); // number
 * counter.cast({ type: 'inc', by: 1 });
 * ```
 *
 * A reference is resolved at each message, like the destination it wraps: a name that moves to a
 * restarted actor keeps working, a pid stays bound to one actor. Semantics, errors and timeouts
 * are those of `system.call`/`cast`/`send` (`NoProcError`, `CallTimeoutError`, ...); the default
 * call timeout is the system's (5 000 ms unless configured).
 *
 * Not plain data: a reference holds its system. To hand an actor to another node, send its pid
 * (or its name) and make a reference there.
 */
import type { CallOf, CastOf, InfoOf, Protocol, ReplyTo, TypedDest } from './protocol.ts';
import type { Dest } from './types.ts';

export interface ActorRef<P extends Protocol> {
  /** The destination this reference resolves at each message (for links, monitors and logs). */
  readonly dest: TypedDest<P>;
  /** A call of the protocol; resolves with the reply paired with `msg`. */
  call<M extends CallOf<P>>(msg: M, timeoutMs?: number): Promise<ReplyTo<P, M>>;
  /** A cast of the protocol (to `handleCast`). Dropped if the destination does not exist. */
  cast(msg: CastOf<P>): void;
  /** An info message of the protocol (to `handleInfo`). Dropped if the destination does not exist. */
  send(msg: InfoOf<P>): void;
}

/** The untyped operations a reference delegates to (the actor system implements them). */
export interface Messenger {
  call<R>(dest: Dest, msg: unknown, timeoutMs?: number): Promise<R>;
  cast(dest: Dest, msg: unknown): void;
  send(dest: Dest, msg: unknown): void;
}

/** The one implementation: a destination plus the system that routes it. */
export class BoundActorRef<P extends Protocol> implements ActorRef<P> {
  readonly dest: TypedDest<P>;
  private readonly system: Messenger;

  constructor(system: Messenger, dest: TypedDest<P>) {
    this.system = system;
    this.dest = dest;
  }

  call<M extends CallOf<P>>(msg: M, timeoutMs?: number): Promise<ReplyTo<P, M>> {
    return this.system.call<ReplyTo<P, M>>(this.dest, msg, timeoutMs);
  }

  cast(msg: CastOf<P>): void {
    this.system.cast(this.dest, msg);
  }

  send(msg: InfoOf<P>): void {
    this.system.send(this.dest, msg);
  }
}
