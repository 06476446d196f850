/**
 * The actor system of one node: spawns actors, routes call/cast/send to local actors or through the
 * `RemoteBridge` to other nodes, and keeps links, monitors and the local name registry.
 *
 * ```ts
 * const system = new ActorSystem({ node: 'gotham@127.0.0.1:4370' });
 * const pid = await system.spawn(counter, 0, { name: 'counter' });
 * system.cast('counter', { type: 'inc' });
 * await system.call('counter', { type: 'get' }); // 1
 * ```
 *
 * Typed references: `system.ref(dest)` gives an `ActorRef<P>` whose `call`/`cast`/`send` are
 * checked against the actor's protocol (see `protocol.ts`); `call`, `cast` and `send` on the system
 * are the untyped layer underneath, for destinations whose protocol is not known.
 *
 * Logging: without `logger`, warnings and errors (crashes with their reason, restarts) go to
 * standard error (`defaultLogger`); pass a logger to send them elsewhere, or a silent one to drop
 * them.
 *
 * Timeouts: `call` defaults to 5 000 ms (`defaultCallTimeoutMs`), as OTP's `gen_server:call/2`.
 * A call to a dead or unknown actor fails at once with `NoProcError`; a callee that exits before
 * replying fails the call with `CalleeExitError`; a call to an unreachable node fails with
 * `NoConnectionError`. A cast or send to a dead actor is dropped, as in OTP.
 *
 * When not to use: plain computation does not need an actor; call a function.
 */
import type { Logger } from 'pino';
import { defaultLogger } from '../util/default-logger.ts';
import type { ActorRef } from './actor-ref.ts';
import { BoundActorRef } from './actor-ref.ts';
import { Cell, CALL, CAST, INFO } from './cell.ts';
import type { Envelope } from './cell.ts';
import { CallTimeouts } from './call-timeouts.ts';
import {
  CallTimeoutError,
  CalleeExitError,
  InitFailedError,
  NameTakenError,
  NoConnectionError,
  NoProcError,
} from './errors.ts';
import type { Pid, Ref } from './pid.ts';
import { pidKey } from './pid.ts';
import type { RemoteBridge, RemoteEnvelope, RemoteTarget } from './remote.ts';
import { RemoteError, toWireReason } from './remote.ts';
import type { Scheduler } from './scheduler.ts';
import { realScheduler } from './scheduler.ts';
import type { ActorName, MayCarryProtocol, Protocol, SpawnedPid, TypedDest, TypedPid } from './protocol.ts';
import type { AnyBehaviour, Behaviour, Dest, ExitReason, From, SpawnOptions } from './types.ts';
import { isNormalExit } from './types.ts';

export interface ActorSystemOptions {
  /** This node's name. Default `nonode@nohost` (a system outside any cluster). */
  readonly node?: string;
  /** Distinguishes this run of the node from earlier ones. Default: derived from the wall clock at boot. */
  readonly incarnation?: number;
  /** Default call timeout in ms. Default 5 000, as OTP. */
  readonly defaultCallTimeoutMs?: number;
  /**
   * Logger. Default: `defaultLogger()`, warnings and errors to standard error, so a crash is seen
   * without configuration. Pass `pino({ level: 'silent' })` to drop them.
   */
  readonly logger?: Logger;
  /** Time source. Default: the real clock; tests pass a `SimScheduler`. */
  readonly scheduler?: Scheduler;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
  readonly dest: Dest;
  readonly node: string;
}

interface RemoteMonitor {
  readonly ref: Ref;
  readonly watcher: Pid;
  readonly node: string;
  readonly target: RemoteTarget;
}

type Resolved = Cell | RemoteTarget | undefined;

export class ActorSystem {
  readonly node: string;
  readonly incarnation: number;
  readonly log: Logger;
  readonly scheduler: Scheduler;
  readonly defaultCallTimeoutMs: number;
  private readonly cells = new Map<number, Cell>();
  private readonly names = new Map<string, Cell>();
  private readonly pending = new Map<number, PendingCall>();
  private readonly remoteMonitors = new Map<string, RemoteMonitor>();
  /** Local pid key → remote pids linked to it, for node-down exit signals. */
  private readonly remoteLinks = new Map<string, Map<string, Pid>>();
  private readonly timeouts: CallTimeouts;
  private bridge: RemoteBridge | undefined;
  private nextId = 0;
  private nextTag = 0;
  private nextRef = 0;
  private nextTimer = 0;

  constructor(options: ActorSystemOptions = {}) {
    this.node = options.node ?? 'nonode@nohost';
    this.incarnation = options.incarnation ?? Date.now() * 1000 + Math.floor(Math.random() * 1000);
    this.log = options.logger ?? defaultLogger();
    this.scheduler = options.scheduler ?? realScheduler;
    this.defaultCallTimeoutMs = options.defaultCallTimeoutMs ?? 5000;
    this.timeouts = new CallTimeouts(this.scheduler, (tag, ms) => this.expireCall(tag, ms));
  }

  /** Connect this system to the cluster layer. @internal */
  attachBridge(bridge: RemoteBridge | undefined): void {
    this.bridge = bridge;
  }

  // ---- spawning -----------------------------------------------------------------------------

  /**
   * Start an actor. Resolves with its pid once `init` has returned — a `TypedPid<P>` when the
   * behaviour is a `TypedBehaviour<P, …>`, so `system.ref(pid)` is typed; rejects with
   * `InitFailedError` if `init` throws, or `NameTakenError` if `options.name` is registered.
   */
  spawn<S, A, P = never>(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any message types
    behaviour: Behaviour<S, A, any, any, any, any> & MayCarryProtocol<P>,
    args: A,
    options: SpawnOptions = {},
  ): Promise<SpawnedPid<P>> {
    // The protocol exists in the type only: the pid is the same value either way.
    return this.spawnPid(behaviour, args, options) as Promise<SpawnedPid<P>>;
  }

  private spawnPid<S, A>(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any message types
    behaviour: Behaviour<S, A, any, any, any, any>,
    args: A,
    options: SpawnOptions,
  ): Promise<Pid> {
    if (options.name !== undefined && this.names.has(options.name)) {
      return Promise.reject(new NameTakenError(options.name));
    }
    const pid: Pid = { node: this.node, inc: this.incarnation, id: ++this.nextId };
    const cell = new Cell(this, pid, behaviour as AnyBehaviour);
    this.cells.set(pid.id, cell);
    if (options.name !== undefined) {
      cell.name = options.name;
      this.names.set(options.name, cell);
    }
    if (options.trapExits) cell.trapping = true;
    if (options.parent) {
      cell.parent = options.parent;
      this.link(pid, options.parent);
    } else if (options.link) {
      this.link(pid, options.link);
    }
    let init: unknown;
    try {
      init = (behaviour as AnyBehaviour).init(args, cell);
    } catch (err) {
      return this.initFailed(cell, err);
    }
    if (init instanceof Promise) {
      return init.then(
        (state) => {
          if (!cell.alive) throw new InitFailedError(this.describe(behaviour, pid), 'killed during init');
          cell.markInitialized(state);
          return pid;
        },
        (err: unknown) => this.initFailed(cell, err),
      );
    }
    cell.markInitialized(init);
    return Promise.resolve(pid);
  }

  private initFailed(cell: Cell, err: unknown): Promise<never> {
    const error = new InitFailedError(this.describe(cell.behaviour, cell.self), err);
    void cell.exit(err, false);
    return Promise.reject(error);
  }

  private describe(behaviour: AnyBehaviour, pid: Pid): string {
    return `${behaviour.name ?? 'actor'} ${pidKey(pid)}`;
  }

  // ---- messaging ----------------------------------------------------------------------------

  /**
   * A typed reference to `dest`: a `TypedPid<P>` (from `spawn` or `whereis`), an
   * `ActorName<P>`, `{ name, node }` or `{ global }` with one, `{ via: typedResolver<P>(r), key }`,
   * or `assumeProtocol<P>(dest)`. Its messages and replies are checked against `P`.
   */
  ref<P extends Protocol>(dest: TypedDest<P>): ActorRef<P> {
    return new BoundActorRef<P>(this, dest);
  }

  /**
   * Request/response, untyped: neither `msg` nor `R` is checked against the callee (prefer
   * `ref(dest).call`). Rejects with `NoProcError`, `CallTimeoutError`, `CalleeExitError`,
   * `NoConnectionError`.
   */
  call<R = unknown>(dest: Dest, msg: unknown, timeoutMs: number = this.defaultCallTimeoutMs): Promise<R> {
    const target = this.resolve(dest);
    if (target === undefined) return Promise.reject(new NoProcError(destString(dest)));
    return new Promise<R>((resolve, reject) => {
      const tag = ++this.nextTag;
      const from: From = { tag, node: this.node };
      const node = target instanceof Cell ? this.node : target.node;
      this.pending.set(tag, { resolve: resolve as (v: unknown) => void, reject, dest, node });
      this.timeouts.add(tag, timeoutMs);
      if (target instanceof Cell) {
        target.enqueue(CALL, msg, from);
      } else if (!this.bridge?.send(target.node, { t: 'call', to: target, msg, from })) {
        this.settle(tag, false, new NoConnectionError(target.node));
      }
    });
  }

  /** Fire-and-forget request to `handleCast`, untyped. Dropped if the destination does not exist. */
  cast(dest: Dest, msg: unknown): void {
    const target = this.resolve(dest);
    if (target === undefined) return;
    if (target instanceof Cell) target.enqueue(CAST, msg);
    else this.bridge?.send(target.node, { t: 'cast', to: target, msg });
  }

  /** A plain message to `handleInfo`, untyped. Dropped if the destination does not exist. */
  send(dest: Dest, msg: unknown): void {
    const target = this.resolve(dest);
    if (target === undefined) return;
    if (target instanceof Cell) target.enqueue(INFO, msg);
    else this.bridge?.send(target.node, { t: 'send', to: target, msg });
  }

  reply(from: From, value: unknown): void {
    if (from.node === this.node) this.settle(from.tag, true, value);
    else this.bridge?.send(from.node, { t: 'reply', tag: from.tag, ok: true, value });
  }

  /** Fail a waiting caller. `crashed` marks the callee's exit (the caller sees `CalleeExitError`). */
  replyError(from: From, error: unknown, crashed = false): void {
    const err = crashed ? new CalleeExitError('callee', error) : toError(error);
    if (from.node === this.node) this.settle(from.tag, false, err);
    else this.bridge?.send(from.node, { t: 'reply', tag: from.tag, ok: false, value: toWireReason(err) });
  }

  private settle(tag: number, ok: boolean, value: unknown): void {
    const p = this.pending.get(tag);
    if (!p) return;
    this.pending.delete(tag);
    if (this.pending.size === 0) this.timeouts.compactIdle();
    if (ok) p.resolve(value);
    else p.reject(value as Error);
  }

  private expireCall(tag: number, timeoutMs: number): void {
    const p = this.pending.get(tag);
    if (p) this.settle(tag, false, new CallTimeoutError(destString(p.dest), timeoutMs));
  }

  /** Fail a message that reached an actor after it exited. @internal */
  rejectEnvelope(env: Envelope, pid: Pid): void {
    if (env.k === CALL && env.from) this.replyError(env.from, new NoProcError(pidKey(pid)));
  }

  private resolve(dest: Dest): Resolved {
    if (typeof dest === 'string') return this.names.get(dest);
    if ('id' in dest) {
      if (dest.node === this.node) return dest.inc === this.incarnation ? this.cells.get(dest.id) : undefined;
      return dest;
    }
    if ('global' in dest) {
      const pid = this.bridge?.whereisGlobal(dest.global);
      return pid ? this.resolve(pid) : undefined;
    }
    if ('via' in dest) {
      const pid = dest.via.whereis(dest.key);
      return pid ? this.resolve(pid) : undefined;
    }
    return dest.node === this.node ? this.names.get(dest.name) : dest;
  }

  // ---- registry -----------------------------------------------------------------------------

  register(name: string, pid: Pid): void {
    const cell = this.localCell(pid);
    if (!cell) throw new NoProcError(pidKey(pid));
    const held = this.names.get(name);
    if (held && held !== cell) throw new NameTakenError(name);
    if (cell.name !== undefined && cell.name !== name) this.names.delete(cell.name);
    cell.name = name;
    this.names.set(name, cell);
  }

  unregister(name: string): void {
    const cell = this.names.get(name);
    if (!cell) return;
    this.names.delete(name);
    cell.name = undefined;
  }

  /** The pid registered as `name` here; typed when the name is an `ActorName<P>`. */
  whereis<P extends Protocol>(name: ActorName<P>): TypedPid<P> | undefined;
  whereis(name: string): Pid | undefined;
  whereis(name: string): Pid | undefined {
    return this.names.get(name)?.self;
  }

  registered(): string[] {
    return [...this.names.keys()];
  }

  isAlive(pid: Pid): boolean {
    return this.localCell(pid)?.alive ?? false;
  }

  /** Number of live local actors. */
  get size(): number {
    return this.cells.size;
  }

  private localCell(pid: Pid): Cell | undefined {
    if (pid.node !== this.node || pid.inc !== this.incarnation) return undefined;
    return this.cells.get(pid.id);
  }

  /** @internal */
  nextTimerId(): number {
    return ++this.nextTimer;
  }

  makeRef(): Ref {
    return { node: this.node, inc: this.incarnation, id: ++this.nextRef };
  }

  // ---- links, monitors, exit signals --------------------------------------------------------

  link(a: Pid, b: Pid): void {
    const ca = this.localCell(a);
    if (!ca?.alive) return;
    if (b.node !== this.node) {
      this.addRemoteLink(a, b);
      (ca.links ??= new Map()).set(pidKey(b), b);
      if (!this.bridge?.send(b.node, { t: 'link', to: b, from: a })) this.exitSignal(a, b, 'noconnection');
      return;
    }
    const cb = this.localCell(b);
    if (!cb?.alive) {
      this.exitSignal(a, b, 'noproc');
      return;
    }
    (ca.links ??= new Map()).set(pidKey(b), b);
    (cb.links ??= new Map()).set(pidKey(a), a);
  }

  unlink(a: Pid, b: Pid): void {
    this.localCell(a)?.links?.delete(pidKey(b));
    if (b.node !== this.node) {
      this.remoteLinks.get(pidKey(a))?.delete(pidKey(b));
      this.bridge?.send(b.node, { t: 'unlink', to: b, from: a });
    } else {
      this.localCell(b)?.links?.delete(pidKey(a));
    }
  }

  private addRemoteLink(local: Pid, remote: Pid): void {
    let set = this.remoteLinks.get(pidKey(local));
    if (!set) this.remoteLinks.set(pidKey(local), (set = new Map()));
    set.set(pidKey(remote), remote);
  }

  /** Watch `dest`; a `DOWN` message arrives when it exits (at once with `noproc` if it is not alive). */
  monitor(watcher: Pid, dest: Dest): Ref {
    const ref = this.makeRef();
    const target = this.resolve(dest);
    if (target instanceof Cell && target.alive) {
      (target.watchers ??= new Map()).set(pidKey(ref), { watcher, ref });
    } else if (target !== undefined && !(target instanceof Cell)) {
      this.remoteMonitors.set(pidKey(ref), { ref, watcher, node: target.node, target });
      if (!this.bridge?.send(target.node, { t: 'monitor', to: target, from: watcher, ref })) {
        this.remoteMonitors.delete(pidKey(ref));
        this.deliverDown(
          watcher,
          ref,
          isPidTarget(target) ? target : placeholderPid(target.node),
          'noconnection',
        );
      }
    } else {
      const pid = target instanceof Cell ? target.self : placeholderPid(this.node);
      queueMicrotask(() => this.deliverDown(watcher, ref, pid, 'noproc'));
    }
    return ref;
  }

  demonitor(ref: Ref): void {
    const remote = this.remoteMonitors.get(pidKey(ref));
    if (remote) {
      this.remoteMonitors.delete(pidKey(ref));
      if (isPidTarget(remote.target))
        this.bridge?.send(remote.node, { t: 'demonitor', to: remote.target, ref });
      return;
    }
    for (const cell of this.cells.values()) {
      if (cell.watchers?.delete(pidKey(ref))) return;
    }
  }

  private deliverDown(watcher: Pid, ref: Ref, pid: Pid, reason: ExitReason): void {
    if (watcher.node !== this.node) {
      this.bridge?.send(watcher.node, { t: 'down', to: watcher, ref, pid, reason: toWireReason(reason) });
      return;
    }
    this.localCell(watcher)?.enqueue(INFO, { type: 'DOWN', ref, pid, reason });
  }

  /**
   * Send an exit signal to `to`, as if `from` had exited with `reason`. `kill` cannot be trapped; a
   * signal from the actor's parent stops it gracefully (running `terminate`); with exits trapped the
   * signal arrives as an `EXIT` message; otherwise a non-normal reason kills the actor.
   */
  exitSignal(to: Pid, from: Pid, reason: ExitReason): void {
    if (to.node !== this.node) {
      this.bridge?.send(to.node, { t: 'exit', to, from, reason: toWireReason(reason) });
      return;
    }
    const cell = this.localCell(to);
    if (cell && reason === 'kill') {
      void cell.exit('killed', false);
      return;
    }
    if (!cell?.alive) return;
    if (reason === 'kill') {
      void cell.exit('killed', false);
      return;
    }
    if (cell.parent && samePidLoose(cell.parent, from)) {
      cell.enqueueStop(reason);
      return;
    }
    if (cell.trapping) {
      cell.enqueue(INFO, { type: 'EXIT', from, reason });
      return;
    }
    if (reason !== 'normal') void cell.exit(reason, false);
  }

  /** Send an exit signal from outside any actor (e.g. a test or the node's shutdown). */
  exit(pid: Pid, reason: ExitReason): void {
    this.exitSignal(pid, { node: this.node, inc: this.incarnation, id: 0 }, reason);
  }

  /**
   * Stop an actor gracefully and wait until it has exited (`terminate` has run). Resolves at once if
   * it is not alive; after `timeoutMs` (default 5 000) it is killed.
   */
  async stop(pid: Pid, reason: ExitReason = 'normal', timeoutMs = 5000): Promise<void> {
    const cell = this.localCell(pid);
    if (!cell) return;
    const done = this.awaitExit(cell);
    cell.enqueueStop(reason);
    const timer = this.scheduler.setTimeout(() => void cell.exit('killed', false), timeoutMs);
    await done;
    this.scheduler.clearTimeout(timer);
  }

  private readonly exitWaiters = new Map<Cell, (() => void)[]>();

  /** Resolves when the actor has exited. @internal */
  awaitExit(cell: Cell): Promise<void> {
    if (!this.cells.has(cell.self.id)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.exitWaiters.get(cell) ?? [];
      list.push(resolve);
      this.exitWaiters.set(cell, list);
    });
  }

  /** Wait until `pid` has exited. */
  waitExit(pid: Pid): Promise<void> {
    const cell = this.localCell(pid);
    return cell ? this.awaitExit(cell) : Promise.resolve();
  }

  /** Called by a cell once it has exited: frees it and notifies everyone who needs to know. @internal */
  cleanup(cell: Cell, reason: ExitReason, mailbox: Envelope[]): void {
    const pid = cell.self;
    this.cells.delete(pid.id);
    if (cell.name !== undefined && this.names.get(cell.name) === cell) this.names.delete(cell.name);
    for (const env of mailbox) {
      if (env.k === CALL && env.from) this.replyError(env.from, new CalleeExitError(pidKey(pid), reason));
    }
    if (cell.deferred) {
      for (const from of cell.deferred) this.replyError(from, new CalleeExitError(pidKey(pid), reason));
    }
    if (cell.links) {
      for (const other of cell.links.values()) {
        if (other.node === this.node) this.localCell(other)?.links?.delete(pidKey(pid));
        this.exitSignal(other, pid, reason);
      }
    }
    this.remoteLinks.delete(pidKey(pid));
    if (cell.watchers) {
      for (const { watcher, ref } of cell.watchers.values()) this.deliverDown(watcher, ref, pid, reason);
    }
    if (!isNormalExit(reason) && reason !== 'killed') {
      cell.log.debug({ reason: String(reason) }, 'actor exited');
    }
    const waiters = this.exitWaiters.get(cell);
    if (waiters) {
      this.exitWaiters.delete(cell);
      for (const w of waiters) w();
    }
  }

  // ---- remote side --------------------------------------------------------------------------

  /** Deliver an envelope that arrived from another node. @internal */
  receiveRemote(env: RemoteEnvelope): void {
    switch (env.t) {
      case 'call': {
        const target = this.resolveLocal(env.to);
        if (target) target.enqueue(CALL, env.msg, env.from);
        else this.replyError(env.from, new NoProcError(targetString(env.to)));
        return;
      }
      case 'cast':
        this.resolveLocal(env.to)?.enqueue(CAST, env.msg);
        return;
      case 'send':
        this.resolveLocal(env.to)?.enqueue(INFO, env.msg);
        return;
      case 'reply':
        if (env.ok) this.settle(env.tag, true, env.value);
        else this.settle(env.tag, false, toRemoteError(env.value));
        return;
      case 'exit':
        this.localCell(env.to)?.links?.delete(pidKey(env.from));
        this.remoteLinks.get(pidKey(env.to))?.delete(pidKey(env.from));
        this.exitSignal(env.to, env.from, env.reason);
        return;
      case 'link': {
        const cell = this.localCell(env.to);
        if (!cell?.alive) {
          this.bridge?.send(env.from.node, { t: 'exit', to: env.from, from: env.to, reason: 'noproc' });
          return;
        }
        (cell.links ??= new Map()).set(pidKey(env.from), env.from);
        this.addRemoteLink(env.to, env.from);
        return;
      }
      case 'unlink':
        this.localCell(env.to)?.links?.delete(pidKey(env.from));
        this.remoteLinks.get(pidKey(env.to))?.delete(pidKey(env.from));
        return;
      case 'monitor': {
        const target = this.resolveLocal(env.to);
        if (target?.alive)
          (target.watchers ??= new Map()).set(pidKey(env.ref), { watcher: env.from, ref: env.ref });
        else {
          const pid = target?.self ?? (isPidTarget(env.to) ? env.to : placeholderPid(this.node));
          this.deliverDown(env.from, env.ref, pid, 'noproc');
        }
        return;
      }
      case 'demonitor':
        this.localCell(env.to)?.watchers?.delete(pidKey(env.ref));
        return;
      case 'down':
        if (this.remoteMonitors.delete(pidKey(env.ref)))
          this.deliverDown(env.to, env.ref, env.pid, env.reason);
        return;
    }
  }

  private resolveLocal(target: RemoteTarget): Cell | undefined {
    return isPidTarget(target) ? this.localCell(target) : this.names.get(target.name);
  }

  /**
   * `node` is gone (connection lost or declared down): calls to it fail with `noconnection`, remote
   * monitors on it fire `DOWN` with `noconnection`, links to its actors deliver exit signals.
   * @internal
   */
  nodeDown(node: string): void {
    for (const [tag, p] of this.pending) {
      if (p.node === node) this.settle(tag, false, new NoConnectionError(node));
    }
    for (const [key, m] of this.remoteMonitors) {
      if (m.node !== node) continue;
      this.remoteMonitors.delete(key);
      this.deliverDown(
        m.watcher,
        m.ref,
        isPidTarget(m.target) ? m.target : placeholderPid(node),
        'noconnection',
      );
    }
    for (const [localKey, remotes] of this.remoteLinks) {
      for (const [remoteKey, remote] of remotes) {
        if (remote.node !== node) continue;
        remotes.delete(remoteKey);
        const local = this.findByKey(localKey);
        if (local) {
          local.links?.delete(remoteKey);
          this.exitSignal(local.self, remote, 'noconnection');
        }
      }
    }
  }

  private findByKey(key: string): Cell | undefined {
    const m = /^<(\d+)\./.exec(key);
    return m ? this.cells.get(Number(m[1])) : undefined;
  }

  /** Kill every actor and cancel timers. For tests and hard stops; graceful stop goes through supervisors. */
  shutdownNow(): void {
    for (const cell of [...this.cells.values()]) void cell.exit('killed', false);
    this.timeouts.clear();
  }
}

function isPidTarget(t: RemoteTarget): t is Pid {
  return 'id' in t;
}

function placeholderPid(node: string): Pid {
  return { node, inc: 0, id: 0 };
}

function samePidLoose(a: Pid, b: Pid): boolean {
  return a.id === b.id && a.inc === b.inc && a.node === b.node;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function toRemoteError(value: unknown): Error {
  if (typeof value === 'object' && value !== null && 'error' in value) return new RemoteError(value);
  return toError(value);
}

export function destString(dest: Dest): string {
  if (typeof dest === 'string') return dest;
  if ('id' in dest) return pidKey(dest);
  if ('global' in dest) return `{global, ${dest.global}}`;
  if ('via' in dest) return dest.via.describe?.(dest.key) ?? `{via, ${dest.key}}`;
  return `{${dest.name}, ${dest.node}}`;
}

function targetString(t: RemoteTarget): string {
  return isPidTarget(t) ? pidKey(t) : `{${t.name}, ${t.node}}`;
}
