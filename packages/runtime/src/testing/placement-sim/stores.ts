/**
 * The two store models of the placement simulation, as seen by the distributed supervisor: what a
 * node may write, what it reads back, and when a change reaches it.
 *
 * - `CpModel`: the Raft store. One linearizable table; a write is a compare-and-set on the
 *   record's version and commits only while the writer is in the majority side (`writable`);
 *   every committed change is appended to one log, and each node's change feed replays that log
 *   in order, with a delay, while the node is in the majority side (a follower cut off catches up
 *   when it is back). A node's records survive its restart (the log is on disk).
 * - `ApModel`: the CRDT store, one replica per node. Each key is an add-wins multi-value register
 *   with a causal context, as `crdt/core/delta-map.ts` keeps it: a put makes one entry stamped
 *   with the writer's hybrid logical clock and covers every entry the replica held of the key; a
 *   join keeps the entries neither side has covered; the visible value is the entry with the
 *   greatest (ms, lc, replica, seq) and its version is `ms × 1024 + lc` (`stampVersion`).
 *   `expectVersion` is checked against the writer's replica only. Writes apply locally at once
 *   (the change feed fires synchronously) and travel to the replicas the writer reaches, each
 *   message with its own delay (so they reorder); anti-entropy sends whole replicas every second
 *   to the nodes in reach, which repairs what a partition dropped. Always writable. Replicas
 *   survive a restart (durable storage); deletions are not modelled (no child is removed).
 *
 * Both call back into the simulation through `StoreHost`: `deliver` queues a change for a node
 * (the simulation holds it while the node is paused and drops it if the node restarts).
 */
import { stampVersion } from '../../crdt/driver/version.ts';
import type { PlacementRecord } from '../../placement/types.ts';
import type { SimRandom } from '../sim/index.ts';

export interface Versioned {
  readonly rec: PlacementRecord;
  readonly version: number;
}

export type WriteResult = 'ok' | 'conflict' | 'unavailable';

export interface StoreHost {
  readonly rng: SimRandom;
  now(): number;
  /** All node names. */
  readonly names: readonly string[];
  /** Whether `a` and `b` can exchange messages now (both up, not paused, same side). */
  reachable(a: string, b: string): boolean;
  /** Whether `node` is up, running and in a side that holds a majority of the cluster. */
  inMajority(node: string): boolean;
  /** Runs `fn` on `node` after `delayMs` (held while it is paused, dropped if it restarts). */
  deliver(node: string, delayMs: number, fn: () => void): void;
  /** A node's record of `key` changed to `v`. */
  changed(node: string, key: string, v: Versioned): void;
  /** A broken store invariant (a bug of the model or of what it models). */
  fail(message: string): void;
}

export interface ModelStore {
  readonly ap: boolean;
  writable(node: string): boolean;
  /** The node's current record of `key`. */
  read(node: string, key: string): Versioned | undefined;
  /** A compare-and-set write by `node` on its own view of the version. */
  put(node: string, key: string, rec: PlacementRecord, expectVersion: number): WriteResult;
  /** The reachability or a node's state changed: catch up whoever can be caught up. */
  topologyChanged(): void;
  /** A node's periodic store work (AP anti-entropy). */
  tick(node: string): void;
  /** `node` restarted; `empty`: with a lost disk (AP: an empty replica that refills from peers). */
  restarted(node: string, empty: boolean): void;
}

/** Delay of one change or message on its way to a node, ms. */
function hop(rng: SimRandom): number {
  return rng.int(1, 40);
}

export class CpModel implements ModelStore {
  readonly ap = false;
  readonly #host: StoreHost;
  readonly #table = new Map<string, Versioned>();
  readonly #log: { key: string; v: Versioned }[] = [];
  /** How far each node's feed has applied the log. */
  readonly #fed = new Map<string, number>();
  readonly #records = new Map<string, Map<string, Versioned>>();
  #version = 0;

  constructor(host: StoreHost, initial: readonly PlacementRecord[]) {
    this.#host = host;
    for (const rec of initial) this.#commit(rec.key, rec);
    for (const n of host.names) {
      this.#fed.set(n, this.#log.length);
      this.#records.set(n, new Map(this.#table));
    }
  }

  writable(node: string): boolean {
    return this.#host.inMajority(node);
  }

  read(node: string, key: string): Versioned | undefined {
    return this.#records.get(node)?.get(key);
  }

  /** The linearizable table (for the final check and the fenced writes). */
  current(key: string): Versioned | undefined {
    return this.#table.get(key);
  }

  put(node: string, key: string, rec: PlacementRecord, expectVersion: number): WriteResult {
    if (!this.writable(node)) return 'unavailable';
    if ((this.#table.get(key)?.version ?? 0) !== expectVersion) return 'conflict';
    this.#commit(key, rec);
    this.topologyChanged();
    return 'ok';
  }

  topologyChanged(): void {
    for (const n of this.#host.names) {
      if (!this.#host.inMajority(n) || this.#fed.get(n) === this.#log.length) continue;
      this.#host.deliver(n, hop(this.#host.rng), () => this.#pump(n));
    }
  }

  tick(): void {}

  /** The Raft log is on disk: the node's records and feed position survive. */
  restarted(): void {}

  #commit(key: string, rec: PlacementRecord): void {
    const v = { rec, version: ++this.#version };
    this.#table.set(key, v);
    this.#log.push({ key, v });
  }

  /** Applies the log to `node`'s records in order, from where its feed stopped. */
  #pump(node: string): void {
    if (!this.#host.inMajority(node)) return;
    const records = this.#records.get(node)!;
    for (let i = this.#fed.get(node)!; i < this.#log.length; i++) {
      const { key, v } = this.#log[i]!;
      this.#fed.set(node, i + 1);
      records.set(key, v);
      this.#host.changed(node, key, v);
    }
  }
}

interface Entry {
  readonly rep: string;
  readonly seq: number;
  readonly ms: number;
  readonly lc: number;
  readonly value: PlacementRecord;
}

interface KeyState {
  entries: Entry[];
  /** Dots (`rep:seq`) this replica has seen for the key. */
  readonly ctx: Set<string>;
}

interface Replica {
  /** The replica id: a restarted node writes under a new one, as the CRDT store does. */
  id: string;
  keys: Map<string, KeyState>;
  ms: number;
  lc: number;
  seq: number;
  /** Skew of this node's wall clock, ms. */
  readonly skew: number;
}

const dot = (e: Entry): string => `${e.rep}:${e.seq}`;

/** LWW order among concurrent entries, as `compareEntries` in `crdt/core/entry.ts`. */
function greater(a: Entry, b: Entry): boolean {
  if (a.ms !== b.ms) return a.ms > b.ms;
  if (a.lc !== b.lc) return a.lc > b.lc;
  if (a.rep !== b.rep) return a.rep > b.rep;
  return a.seq > b.seq;
}

function winner(s: KeyState | undefined): Entry | undefined {
  let best: Entry | undefined;
  for (const e of s?.entries ?? []) if (best === undefined || greater(e, best)) best = e;
  return best;
}

const versioned = (e: Entry): Versioned => ({ rec: e.value, version: stampVersion(e) });

export class ApModel implements ModelStore {
  readonly ap = true;
  readonly #host: StoreHost;
  readonly #replicas = new Map<string, Replica>();

  constructor(host: StoreHost, initial: readonly PlacementRecord[]) {
    this.#host = host;
    for (const n of host.names) {
      this.#replicas.set(n, {
        id: `${n}#0`,
        keys: new Map(),
        ms: 0,
        lc: 0,
        seq: 0,
        skew: host.rng.int(0, 25),
      });
    }
    // The children were started before the run: every replica holds the first node's writes.
    const first = host.names[0]!;
    for (const rec of initial) this.put(first, rec.key, rec, 0);
    const source = this.#replicas.get(first)!;
    for (const [n, r] of this.#replicas) {
      if (n === first) continue;
      for (const [key, s] of source.keys) r.keys.set(key, { entries: [...s.entries], ctx: new Set(s.ctx) });
      r.ms = source.ms;
      r.lc = source.lc;
    }
  }

  writable(): boolean {
    return true;
  }

  read(node: string, key: string): Versioned | undefined {
    const w = winner(this.#replicas.get(node)!.keys.get(key));
    return w && versioned(w);
  }

  put(node: string, key: string, rec: PlacementRecord, expectVersion: number): WriteResult {
    const r = this.#replicas.get(node)!;
    const s = r.keys.get(key) ?? { entries: [], ctx: new Set<string>() };
    const w = winner(s);
    if ((w === undefined ? 0 : stampVersion(w)) !== expectVersion) return 'conflict';
    // HLC `now`: greater than everything this replica issued or adopted.
    const wall = Math.floor(this.#host.now()) + r.skew;
    if (wall > r.ms) {
      r.ms = wall;
      r.lc = 0;
    } else r.lc += 1;
    const e: Entry = { rep: r.id, seq: ++r.seq, ms: r.ms, lc: r.lc, value: rec };
    s.ctx.add(dot(e));
    s.entries = [e];
    r.keys.set(key, s);
    this.#host.changed(node, key, versioned(e));
    const delta = { entries: [e], ctx: new Set(s.ctx) };
    for (const peer of this.#host.names) {
      if (peer === node || !this.#host.reachable(node, peer)) continue;
      this.#host.deliver(peer, hop(this.#host.rng), () => this.#join(peer, key, delta));
    }
    return 'ok';
  }

  topologyChanged(): void {}

  /**
   * A restarted replica writes under a new id (dots stay unique); with `empty` its state is gone
   * (a memory store, or a lost disk) and comes back by anti-entropy, its clock from its wall clock.
   */
  restarted(node: string, empty: boolean): void {
    const r = this.#replicas.get(node)!;
    r.id = `${node}#${Number(r.id.split('#')[1]) + 1}`;
    r.seq = 0;
    if (!empty) return;
    r.keys = new Map();
    r.ms = 0;
    r.lc = 0;
  }

  /** How many keys `node`'s replica holds. */
  holds(node: string): number {
    return this.#replicas.get(node)!.keys.size;
  }

  /** Anti-entropy: the whole replica to every node in reach. */
  tick(node: string): void {
    const r = this.#replicas.get(node)!;
    const copy = [...r.keys].map(([key, s]) => ({ key, entries: [...s.entries], ctx: new Set(s.ctx) }));
    for (const peer of this.#host.names) {
      if (peer === node || !this.#host.reachable(node, peer)) continue;
      this.#host.deliver(peer, hop(this.#host.rng), () => {
        for (const d of copy) this.#join(peer, d.key, d);
      });
    }
  }

  #join(node: string, key: string, remote: { entries: readonly Entry[]; ctx: ReadonlySet<string> }): void {
    const r = this.#replicas.get(node)!;
    const s = r.keys.get(key) ?? { entries: [], ctx: new Set<string>() };
    const before = winner(s);
    const remoteDots = new Set(remote.entries.map(dot));
    const kept = s.entries.filter((e) => remoteDots.has(dot(e)) || !remote.ctx.has(dot(e)));
    const keptDots = new Set(kept.map(dot));
    for (const e of remote.entries) {
      if (keptDots.has(dot(e)) || s.ctx.has(dot(e))) continue;
      kept.push(e);
      // HLC `receive`: later local stamps exceed the remote one.
      if (e.ms > r.ms || (e.ms === r.ms && e.lc > r.lc)) {
        r.ms = e.ms;
        r.lc = e.lc;
      }
    }
    for (const d of remote.ctx) s.ctx.add(d);
    s.entries = kept;
    r.keys.set(key, s);
    const after = winner(s);
    if (after === undefined || (before !== undefined && dot(after) === dot(before))) return;
    if (before !== undefined && stampVersion(after) < stampVersion(before)) {
      this.#host.fail(
        `${node}: the version of ${key} went back from ${stampVersion(before)} to ${stampVersion(after)}`,
      );
    }
    this.#host.changed(node, key, versioned(after));
  }
}
