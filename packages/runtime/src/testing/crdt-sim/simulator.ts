/**
 * Deterministic simulator for replicated maps: N replicas on a simulated clock and network, one
 * seed for everything random. It delivers messages with latency, loss, duplication and
 * reordering, cuts and heals partitions, crashes nodes (all state lost) and restarts them with a
 * new incarnation, skews each node's wall clock, tells replicas which peers are up the way a
 * failure detector would (after `detectMs`), and counts messages and bytes.
 *
 * Example:
 * ```ts
 * const sim = new CrdtSim({ seed: 7, replicas: 3, network: { dropRate: 0.1 } }, deltaProtocol());
 * sim.put('n0', 'hero-1', { name: 'Batman' });
 * sim.partition([['n0'], ['n1', 'n2']]);
 * sim.runFor(2000);
 * sim.heal();
 * sim.runUntil(() => sim.converged(), 10_000); // simulated ms it took, or undefined
 * ```
 *
 * API: `CrdtSim` (`put`, `delete`, `replica`, `isUp`, `crash`, `start`, `restart`, `leave`,
 * `partition`, `heal`, `runFor`, `runUntil`, `at`, `converged`, `track`, `latencies`, `stats`,
 * `resetStats`, `onEffect`, `wallMs`, `now`, `nodes`, `seed`), `CrdtSimOptions`, `SimStats`,
 * `seedFromEnv`.
 *
 * Every randomized test should print `CRDT_SIM_SEED=<seed>` when it fails; `seedFromEnv` reads it
 * back so the failing run replays exactly.
 *
 * The folder (`crdt-sim/`, public surface in `index.ts`): this file is the simulator; `network.ts`
 * the lossy network, `adapters.ts` the protocols it can run (the delta replicator and the seeds'
 * gossip baseline), `measure.ts` the convergence and byte measurements `docs/crdt.md` reports.
 * Randomness and the event queue come from `../sim/`.
 *
 * When not to use: it runs protocols in one process on simulated time; it says nothing about
 * CPU cost or real sockets.
 */
import { Packr } from 'msgpackr';
import type { SimController, SimEffect, SimInput, SimProtocol, SimReplica, SimWrite } from './adapters.ts';
import { SimNetwork, type NetworkOptions } from './network.ts';
import { EventQueue, SimRandom } from '../sim/index.ts';

export interface CrdtSimOptions {
  readonly seed: number;
  /** Number of nodes, named n0..n{N-1}. */
  readonly replicas: number;
  readonly network?: NetworkOptions;
  /**
   * Wall-clock offset per node, ms: a number draws each node's offset uniformly in ±that; an
   * array gives them explicitly. Default 0 (synchronised clocks).
   */
  readonly clockSkewMs?: number | readonly number[];
  /** How long peers take to notice a crash, start, partition or heal, ms. Default 500. */
  readonly detectMs?: number;
  /** Encode every message with MessagePack (as the wire codec does) to count bytes. Default false. */
  readonly measureBytes?: boolean;
  /** Wall-clock time at simulated time 0, ms. Default 1.7e12 (a date in 2023). */
  readonly startMs?: number;
  /**
   * Incarnations count up from this (ids `n3#<base + k>`). Default 0 (short ids). Set it to a
   * start-time-like number (1.7e12) to measure bytes with realistic replica ids.
   */
  readonly incarnationBase?: number;
}

export interface SimStats {
  messages: number;
  bytes: number;
  readonly byType: Map<string, { count: number; bytes: number }>;
}

type Observer = (node: string, replica: string, effect: SimEffect) => void;

type SimEvent =
  | { readonly k: 'deliver'; readonly to: string; readonly from: string; readonly message: unknown }
  | { readonly k: 'wake'; readonly node: string }
  | { readonly k: 'membership'; readonly left: ReadonlySet<string> }
  | { readonly k: 'call'; readonly fn: () => void };

interface SimNode {
  readonly name: string;
  readonly skew: number;
  incarnation: number;
  participant: SimReplica | SimController | undefined;
  readonly view: Set<string>;
  wakeAt: number | undefined;
  readonly isReplica: boolean;
}

interface Tracked {
  readonly tag: unknown;
  readonly at: number;
  readonly waiting: Set<string>;
}

const packr = new Packr({ useRecords: false, moreTypes: false });
/** Events at one instant past which the simulation counts as stuck (a node waking, forever, too early). */
const SAME_INSTANT_LIMIT = 1_000_000;

/** The seed in `CRDT_SIM_SEED`, or `fallback`. */
export function seedFromEnv(env: Record<string, string | undefined>, fallback: number): number {
  const raw = env['CRDT_SIM_SEED'];
  return raw === undefined || raw === '' ? fallback : Number(raw) >>> 0;
}

export class CrdtSim {
  readonly seed: number;
  readonly nodes: readonly string[];
  readonly network: SimNetwork;
  readonly stats: SimStats = { messages: 0, bytes: 0, byType: new Map() };
  readonly #rng: SimRandom;
  readonly #protocol: SimProtocol;
  readonly #queue = new EventQueue<SimEvent>();
  readonly #nodes = new Map<string, SimNode>();
  readonly #nodeOfId = new Map<string, string>();
  readonly #observers: Observer[] = [];
  readonly #tracked: Tracked[] = [];
  readonly #latencies: number[] = [];
  readonly #sizes = new WeakMap<object, number>();
  readonly #detectMs: number;
  readonly #measureBytes: boolean;
  readonly #startMs: number;
  #now = 0;

  constructor(options: CrdtSimOptions, protocol: SimProtocol) {
    this.seed = options.seed >>> 0;
    this.#rng = new SimRandom(this.seed);
    this.network = new SimNetwork(this.#rng.fork(), options.network);
    this.#protocol = protocol;
    this.#detectMs = options.detectMs ?? 500;
    this.#measureBytes = options.measureBytes ?? false;
    this.#startMs = options.startMs ?? 1_700_000_000_000;
    const names: string[] = [];
    const skews = options.clockSkewMs ?? 0;
    for (let i = 0; i < options.replicas; i++) {
      const name = `n${i}`;
      names.push(name);
      const skew = typeof skews === 'number' ? this.#rng.between(-skews, skews) : (skews[i] ?? 0);
      this.#nodes.set(name, {
        name,
        skew,
        incarnation: options.incarnationBase ?? 0,
        participant: undefined,
        view: new Set(),
        wakeAt: undefined,
        isReplica: true,
      });
    }
    this.nodes = names;
    const controller = protocol.createController?.();
    if (controller !== undefined) {
      this.#nodes.set(controller.id, {
        name: controller.id,
        skew: 0,
        incarnation: 0,
        participant: controller,
        view: new Set(),
        wakeAt: undefined,
        isReplica: false,
      });
      this.#nodeOfId.set(controller.id, controller.id);
    }
    for (const name of names) this.#boot(name);
    this.#syncMembership(new Set());
    for (const node of this.#nodes.values()) this.#reschedule(node);
  }

  get now(): number {
    return this.#now;
  }

  /** The wall clock of `node` now (simulated time + start + the node's skew). */
  wallMs(node: string): number {
    return this.#startMs + this.#now + this.#node(node).skew;
  }

  /** The current replica of `node`, or undefined while it is down. */
  replica(node: string): SimReplica | undefined {
    const n = this.#node(node);
    return n.isReplica ? (n.participant as SimReplica | undefined) : undefined;
  }

  isUp(node: string): boolean {
    return this.#node(node).participant !== undefined;
  }

  upNodes(): string[] {
    return this.nodes.filter((n) => this.isUp(n));
  }

  onEffect(observer: Observer): void {
    this.#observers.push(observer);
  }

  /** Write on `node`; returns the write's tag (undefined when the node is down or nothing changed). */
  put(node: string, key: string, value: unknown): unknown {
    return this.#write(node, { type: 'put', key, value });
  }

  delete(node: string, key: string): unknown {
    return this.#write(node, { type: 'delete', key });
  }

  #write(name: string, op: SimWrite): unknown {
    const node = this.#node(name);
    const replica = this.replica(name);
    if (replica === undefined) return undefined;
    const { effects, tag } = replica.write(op, this.wallMs(name));
    this.#route(node, replica.id, effects);
    this.#reschedule(node);
    return tag;
  }

  /** Crash `node`: it loses all state; peers notice after `detectMs`. */
  crash(name: string): void {
    const node = this.#node(name);
    node.participant = undefined;
    node.view.clear();
    node.wakeAt = undefined;
    for (let i = this.#tracked.length - 1; i >= 0; i--) {
      const t = this.#tracked[i]!;
      if (!t.waiting.delete(name) || t.waiting.size > 0) continue;
      this.#latencies.push(this.#now - t.at);
      this.#tracked.splice(i, 1);
    }
    this.#scheduleMembership(new Set());
  }

  /** Start `node` empty with a new incarnation (after a crash or leave). */
  start(name: string): void {
    if (this.isUp(name)) return;
    this.#boot(name);
    this.#reschedule(this.#node(name));
    this.#scheduleMembership(new Set());
  }

  restart(name: string, downMs = 0): void {
    this.crash(name);
    if (downMs <= 0) this.start(name);
    else this.at(downMs, () => this.start(name));
  }

  /** Graceful leave: peers learn at once that this replica is gone for good. */
  leave(name: string): void {
    const node = this.#node(name);
    const id = node.participant?.id;
    this.crash(name);
    if (id !== undefined) this.#syncMembership(new Set([id]));
  }

  partition(groups: readonly (readonly string[])[]): void {
    this.network.partition(groups);
    this.#scheduleMembership(new Set());
  }

  heal(): void {
    this.network.heal();
    this.#scheduleMembership(new Set());
  }

  /** Run `fn` after `delayMs` of simulated time. */
  at(delayMs: number, fn: () => void): void {
    this.#queue.push(this.#now + delayMs, { k: 'call', fn });
  }

  runFor(ms: number): void {
    const end = this.#now + ms;
    let sameInstant = 0;
    for (let t = this.#queue.peekTime(); t !== undefined && t <= end; t = this.#queue.peekTime()) {
      sameInstant = t === this.#now ? sameInstant + 1 : 0;
      if (sameInstant > SAME_INSTANT_LIMIT)
        throw new Error(
          `CRDT_SIM_SEED=${this.seed}: over ${SAME_INSTANT_LIMIT} events at ${t} ms, time stands still`,
        );
      this.#process();
    }
    this.#now = end;
  }

  /** Run until `done()` holds (checked every `checkEveryMs`); elapsed ms, or undefined on timeout. */
  runUntil(done: () => boolean, maxMs: number, checkEveryMs = 5): number | undefined {
    const start = this.#now;
    while (this.#now - start <= maxMs) {
      if (done()) return this.#now - start;
      this.runFor(checkEveryMs);
    }
    return undefined;
  }

  /** All up replicas hold the same state (`exact`: compare canonical states, not hashes). */
  converged(exact = false): boolean {
    const keys = this.upNodes().map((n) => {
      const r = this.replica(n)!;
      return exact ? r.fingerprint() : r.digest();
    });
    return keys.every((k) => k === keys[0]);
  }

  /** Measure how long until every replica up now has seen the write with this tag. */
  track(tag: unknown): void {
    const waiting = new Set(this.upNodes().filter((n) => !this.replica(n)!.hasSeen(tag)));
    if (waiting.size === 0) this.#latencies.push(0);
    else this.#tracked.push({ tag, at: this.#now, waiting });
  }

  /** Convergence times (ms) of tracked writes that reached every replica; `pending` did not yet. */
  latencies(): { done: readonly number[]; pending: number } {
    return { done: this.#latencies, pending: this.#tracked.length };
  }

  resetStats(): void {
    this.stats.messages = 0;
    this.stats.bytes = 0;
    this.stats.byType.clear();
  }

  #node(name: string): SimNode {
    const node = this.#nodes.get(name);
    if (node === undefined) throw new RangeError(`no node ${name}`);
    return node;
  }

  #boot(name: string): void {
    const node = this.#node(name);
    node.incarnation += 1;
    const replica = this.#protocol.createReplica(name, node.incarnation, this.wallMs(name), this.#rng.next());
    node.participant = replica;
    this.#nodeOfId.set(replica.id, name);
  }

  #process(): void {
    const popped = this.#queue.pop();
    if (popped === undefined) return;
    this.#now = Math.max(this.#now, popped.at);
    const ev = popped.item;
    switch (ev.k) {
      case 'deliver': {
        const name = this.#nodeOfId.get(ev.to);
        const node = name === undefined ? undefined : this.#nodes.get(name);
        const fromNode = this.#nodeOfId.get(ev.from) ?? ev.from;
        const current = node !== undefined && node.participant?.id === ev.to;
        if (!current || !this.network.reachable(fromNode, node.name)) return;
        this.#step(node, {
          type: 'receive',
          from: ev.from,
          message: ev.message,
          nowMs: this.wallMs(node.name),
        });
        return;
      }
      case 'wake': {
        const node = this.#node(ev.node);
        if (node.wakeAt !== popped.at || node.participant === undefined) return;
        node.wakeAt = undefined;
        this.#step(node, { type: 'tick', nowMs: this.wallMs(node.name), random: this.#rng.next() });
        return;
      }
      case 'membership':
        this.#syncMembership(ev.left);
        return;
      case 'call':
        ev.fn();
        return;
    }
  }

  #step(node: SimNode, input: SimInput): void {
    const participant = node.participant;
    if (participant === undefined) return;
    this.#route(node, participant.id, participant.step(input));
    this.#reschedule(node);
    if (node.isReplica && this.#tracked.length > 0) this.#checkTracked(node);
  }

  #route(node: SimNode, from: string, effects: readonly SimEffect[]): void {
    for (const effect of effects) {
      if (effect.type !== 'send' || effect.to === undefined) {
        for (const observe of this.#observers) observe(node.name, from, effect);
        continue;
      }
      this.#count(effect.message);
      const toNode = this.#nodeOfId.get(effect.to);
      if (toNode === undefined) continue;
      for (const delay of this.network.deliveries(node.name, toNode)) {
        this.#queue.push(this.#now + delay, { k: 'deliver', to: effect.to, from, message: effect.message });
      }
    }
  }

  #count(message: unknown): void {
    this.stats.messages += 1;
    const type = (message as { type?: unknown }).type;
    const name = typeof type === 'string' ? type : 'unknown';
    let bytes = 0;
    if (this.#measureBytes && typeof message === 'object' && message !== null) {
      bytes = this.#sizes.get(message) ?? packr.pack(message).length;
      this.#sizes.set(message, bytes);
    }
    this.stats.bytes += bytes;
    const entry = this.stats.byType.get(name) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += bytes;
    this.stats.byType.set(name, entry);
  }

  #reschedule(node: SimNode): void {
    const participant = node.participant;
    if (participant === undefined) return;
    const wall = participant.nextWakeAt();
    if (!Number.isFinite(wall)) return;
    // The node's clock is `startMs + now + skew`, a sum that rounds: the time found by subtracting
    // can read a hair before `wall` on that clock, and a node woken early sleeps again at the same
    // instant forever. Step forward (doubling) until the node's clock has reached its wake time.
    let at = Math.max(this.#now, wall - this.#startMs - node.skew);
    for (let step = 0.001; this.#startMs + at + node.skew < wall; step *= 2) at += step;
    if (node.wakeAt !== undefined && node.wakeAt <= at) return;
    node.wakeAt = at;
    this.#queue.push(at, { k: 'wake', node: node.name });
  }

  #scheduleMembership(left: ReadonlySet<string>): void {
    this.#queue.push(this.#now + this.#detectMs, { k: 'membership', left });
  }

  /** Bring every participant's view of live replicas in line with the truth. */
  #syncMembership(left: ReadonlySet<string>): void {
    const names = [...this.#nodes.keys()].sort();
    for (const name of names) {
      const observer = this.#node(name);
      if (observer.participant === undefined) continue;
      const desired = new Set<string>();
      for (const subjectName of this.nodes) {
        const subject = this.#node(subjectName);
        if (subjectName === name || subject.participant === undefined) continue;
        if (this.network.reachable(name, subjectName)) desired.add(subject.participant.id);
      }
      const nowMs = this.wallMs(name);
      for (const id of [...observer.view].sort()) {
        if (desired.has(id)) continue;
        observer.view.delete(id);
        this.#step(observer, { type: 'peerDown', peer: id, nowMs, left: left.has(id) });
      }
      for (const id of [...desired].sort()) {
        if (observer.view.has(id)) continue;
        observer.view.add(id);
        this.#step(observer, { type: 'peerUp', peer: id, nowMs });
      }
    }
  }

  #checkTracked(node: SimNode): void {
    const replica = node.participant as SimReplica;
    for (let i = this.#tracked.length - 1; i >= 0; i--) {
      const t = this.#tracked[i]!;
      if (!t.waiting.has(node.name) || !replica.hasSeen(t.tag)) continue;
      t.waiting.delete(node.name);
      if (t.waiting.size > 0) continue;
      this.#latencies.push(this.#now - t.at);
      this.#tracked.splice(i, 1);
    }
  }
}
