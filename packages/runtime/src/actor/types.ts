/**
 * The shapes an actor author writes against: the `Behaviour` callbacks, the `ActorContext` each
 * callback receives, destinations, and the system messages (`DOWN`, `EXIT`).
 */
import type { Logger } from 'pino';
import type { Pid, Ref } from './pid.ts';

/** Why an actor exited. `'normal'` and `'shutdown'` (or `{ shutdown: x }`) are normal exits. */
export type ExitReason = unknown;

export function isNormalExit(reason: ExitReason): boolean {
  return (
    reason === 'normal' ||
    reason === 'shutdown' ||
    (typeof reason === 'object' && reason !== null && 'shutdown' in reason)
  );
}

/** Who is waiting for a call's reply. Opaque to actors: pass it to `ctx.reply`. */
export interface From {
  readonly tag: number;
  readonly node: string;
}

/** A call handler's result: reply now, or reply later with `ctx.reply(from, value)`. */
export type CallResult<S, R> = { reply: R; state: S } | { noreply: true; state: S };

/** Resolves a key to a pid (the placement registry implements this). */
export interface NameResolver {
  whereis(key: string): Pid | undefined;
  describe?(key: string): string;
}

/**
 * Where a message goes: a pid, a local registered name, a name on a given node, a cluster-wide
 * (global) name, or a key in a resolver such as the distributed registry.
 */
export type Dest =
  | Pid
  | string
  | { readonly name: string; readonly node: string }
  | { readonly global: string }
  | { readonly via: NameResolver; readonly key: string };

export interface DownMessage {
  readonly type: 'DOWN';
  readonly ref: Ref;
  readonly pid: Pid;
  readonly reason: ExitReason;
}

export interface ExitMessage {
  readonly type: 'EXIT';
  readonly from: Pid;
  readonly reason: ExitReason;
}

export type SystemMessage = DownMessage | ExitMessage;

export function isDown(msg: unknown): msg is DownMessage {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'DOWN';
}

export function isExit(msg: unknown): msg is ExitMessage {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'EXIT';
}

export interface TimerRef {
  readonly timer: number;
}

/** What every callback receives: the actor's own handle on the runtime. */
export interface ActorContext {
  readonly self: Pid;
  readonly log: Logger;
  /** Deliver `msg` to this actor's `handleInfo` after `ms` milliseconds. Cancelled when the actor exits. */
  sendAfter(ms: number, msg: unknown): TimerRef;
  cancelTimer(ref: TimerRef): boolean;
  /** Reply to a call that was answered with `{ noreply: true }`. */
  reply(from: From, value: unknown): void;
  /** Reply to a deferred call with an error. */
  replyError(from: From, error: Error): void;
  link(pid: Pid): void;
  unlink(pid: Pid): void;
  monitor(dest: Dest): Ref;
  demonitor(ref: Ref): void;
  /** When true, exit signals from links arrive as `EXIT` messages instead of killing this actor. */
  trapExits(on: boolean): void;
  /** Stop after the current callback returns (a pending reply is still sent). */
  stop(reason?: ExitReason): void;
}

/**
 * An actor's callbacks. Only `init` is required. Each callback runs one at a time per actor; a
 * callback that returns a promise is awaited before the next message is taken.
 */
export interface Behaviour<S, Args = void, Call = never, Reply = unknown, Cast = never, Info = unknown> {
  /** A name for logs. */
  readonly name?: string;
  init(args: Args, ctx: ActorContext): S | Promise<S>;
  handleCall?(
    msg: Call,
    from: From,
    state: S,
    ctx: ActorContext,
  ): CallResult<S, Reply> | Promise<CallResult<S, Reply>>;
  handleCast?(msg: Cast, state: S, ctx: ActorContext): S | Promise<S>;
  handleInfo?(msg: Info | SystemMessage, state: S, ctx: ActorContext): S | Promise<S>;
  /** Runs on a graceful stop or a crash; not on `kill`. Must not throw; its errors are logged. */
  terminate?(reason: ExitReason, state: S, ctx: ActorContext): void | Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a behaviour of any message types
export type AnyBehaviour = Behaviour<any, any, any, any, any, any>;

export interface SpawnOptions {
  /** Register this local name atomically with the spawn (fails with `name_taken`). */
  readonly name?: string;
  /** Link to this pid before `init` runs. */
  readonly link?: Pid;
  /** The supervisor that owns this actor: linked, and its exit signal stops the actor gracefully. */
  readonly parent?: Pid;
  /** Start with exits trapped. */
  readonly trapExits?: boolean;
}
