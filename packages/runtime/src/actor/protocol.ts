/**
 * Typed protocols: what an actor accepts and what each call answers, declared once next to the
 * behaviour and checked by the compiler at every caller, local or remote.
 *
 * ```ts
 * type CounterProtocol = {
 *   calls: [msg: { type: 'get' }, reply: number] | [msg: { type: 'add'; by: number }, reply: number];
 *   casts: { type: 'inc'; by: number };
 * };
 * const counter: TypedBehaviour<CounterProtocol, number, number> = {
 *   init: (start) => start,
 *   handleCall: (msg, _from, n) => (msg.type === 'get' ? { reply: n, state: n } : { reply: n + msg.by, state: n + msg.by }),
 *   handleCast: (msg, n) => n + msg.by,
 * };
 * export const COUNTER = actorName<CounterProtocol>('counter');
 *
 * const pid = await system.spawn(counter, 0, { name: COUNTER }); // TypedPid<CounterProtocol>
 * const n = await system.ref(pid).call({ type: 'add', by: 2 }); // n: number
 * system.ref(COUNTER).cast({ type: 'inc', by: 1 });
 * await system.ref({ name: COUNTER, node: 'metropolis@127.0.0.1:4371' }).call({ type: 'get' });
 * system.ref(COUNTER).call({ type: 'reset' }); // does not compile: not a call of the protocol
 * ```
 *
 * A protocol has three optional parts. `calls` is a union of `[msg, reply]` pairs: the reply type
 * of a call is the one paired with its message, so `ref.call(msg)` infers it. `casts` and `infos`
 * are the message types of `handleCast` and `handleInfo`. A part left out accepts nothing.
 *
 * Where the protocol is stated (the only places a type is taken on trust):
 * - `TypedBehaviour<P, S, Args>`: the behaviour itself; `spawn` then returns a `TypedPid<P>`;
 * - `actorName<P>(name)`: a registered name (local, `{ name, node }`, or `{ global }`);
 * - `typedResolver<P>(resolver)`: a registry whose keys all run protocol `P` (`{ via, key }`);
 * - `assumeProtocol<P>(dest)`: any other destination, e.g. a pid that arrived in a message. This
 *   is the marked escape hatch for dynamic addressing; prefer the three above.
 *
 * Everything here is type-level: a `TypedPid` is an ordinary `Pid` at run time, an `ActorName` an
 * ordinary string, and the wire format does not change. `system.call`/`cast`/`send` stay the
 * untyped layer underneath (any destination, any message).
 *
 * Not checked: the reply a handler returns against the message it answers. `handleCall` returns
 * the union of all reply types (`ReplyOf<P>`); the pairing is the protocol's promise to callers.
 */
import type { Pid } from './pid.ts';
import type { Behaviour, Dest, NameResolver } from './types.ts';

/** The key of the type-only brand; no value ever carries it. */
declare const protocolBrand: unique symbol;

/** An actor's message protocol. Every part is optional: a part left out accepts nothing. */
export interface Protocol {
  /** The calls, as a union of `[msg, reply]` pairs. */
  readonly calls?: readonly [msg: unknown, reply: unknown];
  /** The messages of `handleCast`. */
  readonly casts?: unknown;
  /** The messages of `handleInfo` (system messages `DOWN`/`EXIT` come on top). */
  readonly infos?: unknown;
}

/**
 * Carries protocol `P` on a value's type only. The function type makes the brand invariant: a
 * reference to one protocol is never taken for a reference to a wider or narrower one.
 */
export interface Branded<P> {
  readonly [protocolBrand]: (protocol: P) => P;
}

type CallEntries<P> = P extends { readonly calls: infer E } ? E : never;
type EntryMsg<E> = E extends readonly [infer M, unknown] ? M : never;
type EntryReply<E> = E extends readonly [unknown, infer R] ? R : never;
/** Distributes over the entries and over `M`: a union of messages gets the union of their replies. */
type EntryReplyTo<E, M> = E extends readonly [infer Msg, infer R] ? (M extends Msg ? R : never) : never;

/** The messages `call` accepts. */
export type CallOf<P> = EntryMsg<CallEntries<P>>;
/** Every reply type of the protocol (what `handleCall` may answer). */
export type ReplyOf<P> = EntryReply<CallEntries<P>>;
/** The reply to call message `M`. */
export type ReplyTo<P, M> = EntryReplyTo<CallEntries<P>, M>;
/** The messages `cast` accepts. */
export type CastOf<P> = P extends { readonly casts: infer C } ? C : never;
/** The messages `send` accepts. */
export type InfoOf<P> = P extends { readonly infos: infer I } ? I : never;

/**
 * A behaviour that declares its protocol: three type parameters (protocol, state, init argument)
 * instead of `Behaviour`'s six, and `spawn` returns a `TypedPid<P>` for it.
 */
export interface TypedBehaviour<P extends Protocol, S, Args = void> extends Behaviour<
  S,
  Args,
  CallOf<P>,
  ReplyOf<P>,
  CastOf<P>,
  InfoOf<P>
> {
  /** Type-level only: never set. It lets `spawn` read the protocol off the behaviour's type. */
  readonly [protocolBrand]?: (protocol: P) => P;
}

/** What `spawn` accepts besides a plain `Behaviour`: the protocol a `TypedBehaviour` carries. */
export interface MayCarryProtocol<P> {
  readonly [protocolBrand]?: (protocol: P) => P;
}

/** The pid of an actor of protocol `P`: an ordinary `Pid` at run time. */
export type TypedPid<P extends Protocol> = Pid & Branded<P>;

/** A registered name (local or global) whose actor runs protocol `P`: a string at run time. */
export type ActorName<P extends Protocol> = string & Branded<P>;

/** A registry whose keys all run protocol `P` (for `{ via, key }`). */
export type TypedResolver<P extends Protocol> = NameResolver & Branded<P>;

/** Every destination a typed reference can be made from (each a `Dest` at run time). */
export type TypedDest<P extends Protocol> =
  | TypedPid<P>
  | ActorName<P>
  | { readonly name: ActorName<P>; readonly node: string }
  | { readonly global: ActorName<P> }
  | { readonly via: TypedResolver<P>; readonly key: string }
  | (Dest & Branded<P>);

/** `spawn`'s result: a `TypedPid` for a `TypedBehaviour`, a plain `Pid` otherwise. */
export type SpawnedPid<P> = [P] extends [never] ? Pid : P extends Protocol ? TypedPid<P> : Pid;

/** Declares that the actor registered as `name` runs protocol `P`. Declare it once, beside the behaviour. */
export function actorName<P extends Protocol>(name: string): ActorName<P> {
  return name as ActorName<P>;
}

/** Declares that every key of `resolver` runs protocol `P`, for `{ via: typedResolver<P>(r), key }`. */
export function typedResolver<P extends Protocol>(resolver: NameResolver): TypedResolver<P> {
  return resolver as TypedResolver<P>;
}

/**
 * Takes on trust that `dest` runs protocol `P`: the marked escape hatch for destinations whose
 * protocol the compiler cannot know (a pid received in a message, a name built at run time).
 */
export function assumeProtocol<P extends Protocol>(dest: Dest): Dest & Branded<P> {
  return dest as Dest & Branded<P>;
}
