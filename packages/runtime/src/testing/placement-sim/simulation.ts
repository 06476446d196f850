/**
 * A seeded whole-cluster simulation of placement: N nodes place K keyed children in virtual time,
 * each node deciding with the real `decide()` (`placement/decide.ts`), the real strategy
 * (`rendezvous`) and the real `ResumeHold`, and carrying the decision out as the distributed
 * supervisor's `reconcile` does, against a model of the CP (Raft) or AP (CRDT) store
 * (`stores.ts`). Crashes, restarts, partitions, heals, pauses and one graceful leave come from the
 * seed; then everything heals and the cluster is left alone to settle.
 *
 * ```ts
 * const r = runPlacementSimulation({ seed: 7, mode: 'cp' });
 * if (!r.ok) console.log(r.failures);
 * ```
 *
 * What a node models (the supervisor's fields of the same names): its live view (peers it reaches
 * and has not declared down; declaring down takes 1.1–1.3 s after a crash, cut or pause, coming up
 * 0.1–0.3 s after a heal), `seenUp`/`seenDown`, the unknown-owner grace, the resume hold, its
 * records (the store model's copy for it), the copies it runs (key → epoch, pid), `waiting`,
 * `retry`, `deferred`, the quorum-loss stop (CP: 1 500 ms unwritable), `leaving`. A reconcile
 * gathers its inputs, decides, spawns and stops at one instant; in CP its write commits 2–15 ms
 * later (its condition checked then), the key busy meanwhile while other keys and events go on; in
 * AP the write applies locally at once. The actor calls of a hand-off or merge take no time. Keys
 * are reconciled when their record changes, on membership changes (the keys `membershipChanged`
 * picks), on the 1 s retry tick, when the store is writable again, and on the 15 s full sweep.
 *
 * Where a child runs (CP): starting a copy writes nothing; the node tells the peers in its view the
 * copy's pid, and each keeps what it is told in its `PidTable` (`placement/pid-table.ts`), as the
 * supervisor's `learnPids` does. The messages travel one connection per pair of nodes, in order,
 * 1–40 ms each (a paused receiver reads them on resume), and are lost two ways. A cut drops what
 * crosses it while it lasts, as the transport's fault injection does: a message sent while it
 * lasts, or arriving (or read by a resuming receiver) while it lasts; a cut shorter than the
 * failure detector closes nothing, so neither side learns of the loss. A node declared down in
 * either view, a crash, a restart or a leave closes the connection and loses what was in flight.
 * When a node sees a peer come up, the two swap their whole lists, each with `replace`: the
 * receiver drops every entry it holds from the sender before learning the list. The repair of a
 * loss without a close: on each full sweep every node sends each peer in its view the digest of its
 * list (`digestOf`), each side counting only the entries its copy of the records agrees with
 * (owner and epoch, so an entry left by a copy that stopped or moved, which no message says, does
 * not count); a peer whose entries for that node differ (`sameDigest` false: one was lost) asks
 * for the whole list (`ask`), and gets it with `replace`. (The default 12 s of faults end before the first sweep, so there the
 * digests repair after the final heal; with 25 s of faults, sweeps come amid them.) A node declared
 * down is dropped from the table; a restarted node starts with an empty one. (Records are never
 * deleted here, so `forget` is not exercised; a list here is far shorter than the supervisor's
 * chunk, so it goes in one message.) AP writes the pid into the record as before.
 *
 * Checked: CP — never two copies of one key at one epoch; a fenced write (a copy's
 * compare-and-set on its owner and epoch, tried every 250 ms by every copy, as `fencedTransaction`
 * does it: the node's copy of the record, then a fresh read on conflict) never commits for a copy
 * whose key has a newer fenced write or a newer copy. AP — replica versions never go back. Both,
 * once settled — every key runs exactly once, on the node the strategy picks among the live nodes,
 * at the record's epoch, and its record names that node. AP: every replica's record names that
 * copy's pid too. CP: every live node resolves the key (`whereis`) to that copy's pid — the owner
 * by the copy it runs at the record's epoch, the others by their `PidTable` against their own copy
 * of the record.
 *
 * When not to use: this checks the placement decision and its execution, not the supervisor's
 * promise plumbing or the stores themselves (their own simulations do that).
 */
import type { Pid } from '../../actor/pid.ts';
import { samePid } from '../../actor/pid.ts';
import type { Decision, DecideInput } from '../../placement/decide.ts';
import { changes, decide as realDecide } from '../../placement/decide.ts';
import { PLACEMENT_DEFAULTS } from '../../placement/defaults.ts';
import {
  digestOf,
  type PidEntry,
  type PidsMessage,
  PidTable,
  sameDigest,
} from '../../placement/pid-table.ts';
import { rendezvous } from '../../placement/rendezvous.ts';
import { ResumeHold } from '../../placement/resume-hold.ts';
import type { PlacementRecord } from '../../placement/types.ts';
import { SimRandom, SimScheduler } from '../sim/index.ts';
import { ApModel, CpModel, type ModelStore, type StoreHost, type Versioned } from './stores.ts';

export type PlacementSimMode = 'cp' | 'ap';

export interface PlacementSimOptions {
  readonly seed: number;
  readonly mode: PlacementSimMode;
  /** Nodes; default from the seed, 3–5. */
  readonly nodes?: number;
  /** Children; default 20. */
  readonly keys?: number;
  /**
   * How long faults go on, ms. Default 12 000: room for a dozen faults, each long enough for the
   * failure detector (1.1–1.3 s) and the quorum-loss stop (1.5 s) to act.
   */
  readonly faultsMs?: number;
  /**
   * The longest pause, ms. Default 3 500: past the failure detector and the resume hold's stall
   * (1 s), so paused nodes are declared down and resume with a stale view.
   */
  readonly maxPauseMs?: number;
  /** The decision under test; default the real `decide` (a test swaps in a broken one). */
  readonly decide?: (input: DecideInput) => Decision;
  /**
   * CP: whether the full sweep sends each peer the digest of the node's list, as the supervisor
   * does. Default true; false (a test's) leaves a message lost to a cut unrepaired.
   */
  readonly pidDigests?: boolean;
  readonly trace?: (line: string) => void;
}

export interface PlacementSimStats {
  readonly nodes: number;
  readonly events: number;
  readonly faults: number;
  readonly writes: number;
  readonly fencedCommits: number;
  readonly sweepRepairs: number;
  /** CP: messages about pids lost to a cut (not to a closed connection). */
  readonly lostPids: number;
  /** CP: digests that differed from what the receiver held, so it asked for the sender's list. */
  readonly pidAsks: number;
}

export interface PlacementSimResult {
  readonly seed: number;
  readonly mode: PlacementSimMode;
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly stats: PlacementSimStats;
}

/** The supervisor's defaults, ms. */
// The supervisor's own defaults, so the model cannot drift from it.
const TICK_MS = PLACEMENT_DEFAULTS.reconcileIntervalMs;
const SWEEP_MS = PLACEMENT_DEFAULTS.fullSweepIntervalMs;
const GRACE_MS = PLACEMENT_DEFAULTS.unknownOwnerGraceMs;
const QUORUM_CHECK_MS = PLACEMENT_DEFAULTS.quorumCheckMs;
const QUORUM_LOSS_STOP_MS = PLACEMENT_DEFAULTS.quorumLossStopMs;
const ADOPT_WAIT_MS = PLACEMENT_DEFAULTS.adoptWaitMs;
const FENCED_WRITE_MS = 250;
/** After the faults everything heals and the cluster gets this long to settle, ms. */
const SETTLE_MS = 40_000;

interface Copy {
  readonly pid: Pid;
  readonly epoch: number;
}

/** CP: what a node tells a peer about pids (`PidsMessage` without the table's and sender's names). */
type PidsBody = Omit<PidsMessage, '$placementPids' | 'node'>;

/** CP: a `PidsBody` in flight. */
interface PidsNote {
  readonly body: PidsBody;
  /** When it reaches the receiver (lost if the link is cut then), ms. */
  readonly at: number;
  /** The connection it was sent on (`Link.conn`). */
  readonly conn: number;
}

/** One direction of a connection between two nodes: its messages in flight, oldest first. */
interface Link {
  readonly from: SimNode;
  readonly to: SimNode;
  /** Bumped when the connection closes (a node down in either view, a crash, restart or leave). */
  conn: number;
  readonly queue: PidsNote[];
  /** The head's delivery is scheduled. */
  armed: boolean;
}

interface SimNode {
  readonly name: string;
  up: boolean;
  /** Bumped by each restart: events of an earlier life are dropped. */
  inc: number;
  pausedUntil: number | undefined;
  /** While paused: I/O that arrived, read on resume. */
  pending: (() => void)[];
  left: boolean;
  leaving: boolean;
  side: number;
  view: Set<string>;
  seenUp: Set<string>;
  seenDown: Set<string>;
  hold: ResumeHold;
  holdTimer: number;
  startedAt: number;
  local: Map<string, Copy>;
  waiting: Map<string, number>;
  retry: Set<string>;
  deferred: Set<string>;
  /** Keys whose reconcile awaits its write; those asked for meanwhile run once more after. */
  busy: Set<string>;
  rerun: Set<string>;
  /** Keys with a reconcile queued; the value: only the sweep asked. */
  queued: Map<string, boolean>;
  unwritableSince: number | undefined;
  pids: number;
  /** CP: the pids of the peers' copies, as they announced them. */
  pidTable: PidTable;
}

export function runPlacementSimulation(options: PlacementSimOptions): PlacementSimResult {
  return new Simulation(options).run();
}

class Simulation {
  readonly #opts: PlacementSimOptions;
  readonly #rng: SimRandom;
  readonly #net: SimRandom;
  readonly #sched = new SimScheduler();
  readonly #nodes: SimNode[];
  readonly #byName = new Map<string, SimNode>();
  readonly #keys: string[];
  readonly #store: ModelStore;
  readonly #decide: (input: DecideInput) => Decision;
  readonly #failures: string[] = [];
  /** CP: the greatest epoch a fenced write of each key committed at. */
  readonly #fencedEpoch = new Map<string, number>();
  /** CP: the connections the pids travel on, by `from>to`. */
  readonly #links = new Map<string, Link>();
  readonly #faultsMs: number;
  #started = false;
  /** The reconcile running now was asked for by the sweep alone (and counts if it acts). */
  #sweeping = false;
  /** The reconcile running now wrote (it counts when the write commits). */
  #wrote = false;
  #events = 0;
  #faults = 0;
  #writes = 0;
  #fencedCommits = 0;
  #sweepRepairs = 0;
  #lostPids = 0;
  #pidAsks = 0;
  /** CP: the sweep sends the digests of the nodes' lists (`PlacementSimOptions.pidDigests`). */
  readonly #pidDigests: boolean;

  constructor(opts: PlacementSimOptions) {
    this.#opts = opts;
    this.#rng = new SimRandom(opts.seed);
    this.#net = this.#rng.fork();
    const n = opts.nodes ?? this.#rng.int(3, 6);
    this.#decide = opts.decide ?? realDecide;
    this.#faultsMs = opts.faultsMs ?? 12_000;
    this.#pidDigests = opts.pidDigests ?? true;
    this.#nodes = Array.from({ length: n }, (_, i) => this.#fresh(`n${i}@sim`));
    for (const node of this.#nodes) this.#byName.set(node.name, node);
    this.#keys = Array.from({ length: opts.keys ?? 20 }, (_, i) => `k${i}`);
    const initial: PlacementRecord[] = this.#keys.map((key) => ({
      key,
      kind: 'hero',
      args: null,
      strategy: 'rendezvous',
      owner: '',
      epoch: 0,
    }));
    const host: StoreHost = {
      rng: this.#net,
      now: () => this.#sched.now,
      names: this.#nodes.map((x) => x.name),
      reachable: (a, b) => this.#reachable(this.#node(a), this.#node(b)),
      inMajority: (name) => this.#inMajority(this.#node(name)),
      deliver: (name, delay, fn) => this.#io(this.#node(name), delay, fn),
      changed: (name, key) => {
        if (this.#started) this.#schedule(this.#node(name), key);
      },
      fail: (m) => this.#fail(m),
    };
    this.#store = opts.mode === 'cp' ? new CpModel(host, initial) : new ApModel(host, initial);
  }

  run(): PlacementSimResult {
    this.#started = true;
    for (const node of this.#nodes) {
      for (const peer of this.#nodes) if (peer !== node) node.view.add(peer.name);
      this.#boot(node);
    }
    this.#planFaults();
    const end = this.#faultsMs + SETTLE_MS;
    while (this.#failures.length === 0 && this.#sched.runNext(end)) this.#events++;
    if (this.#failures.length === 0) this.#checkSettled();
    return {
      seed: this.#opts.seed,
      mode: this.#opts.mode,
      ok: this.#failures.length === 0,
      failures: this.#failures,
      stats: {
        nodes: this.#nodes.length,
        events: this.#events,
        faults: this.#faults,
        writes: this.#writes,
        fencedCommits: this.#fencedCommits,
        sweepRepairs: this.#sweepRepairs,
        lostPids: this.#lostPids,
        pidAsks: this.#pidAsks,
      },
    };
  }

  // ---- nodes and their timers -------------------------------------------------------------

  #fresh(name: string): SimNode {
    return {
      name,
      up: true,
      inc: 0,
      pausedUntil: undefined,
      pending: [],
      left: false,
      leaving: false,
      side: 0,
      view: new Set(),
      seenUp: new Set(),
      seenDown: new Set(),
      hold: new ResumeHold(),
      holdTimer: 0,
      startedAt: 0,
      local: new Map(),
      waiting: new Map(),
      retry: new Set(),
      deferred: new Set(),
      queued: new Map(),
      busy: new Set(),
      rerun: new Set(),
      unwritableSince: undefined,
      pids: 0,
      pidTable: new PidTable(),
    };
  }

  #node(name: string): SimNode {
    return this.#byName.get(name)!;
  }

  #trace(line: string): void {
    this.#opts.trace?.(`${String(Math.round(this.#sched.now)).padStart(6)} ${line}`);
  }

  #fail(message: string): void {
    this.#trace(`FAIL ${message}`);
    this.#failures.push(`at ${Math.round(this.#sched.now)} ms: ${message}`);
  }

  /** The supervisor's `start`: timers, the grace, the first beat, every key reconciled. */
  #boot(node: SimNode): void {
    const now = this.#sched.now;
    node.startedAt = now;
    for (const peer of node.view) node.seenUp.add(peer);
    this.#every(node, TICK_MS, () => this.#tick(node));
    this.#every(node, SWEEP_MS, () => {
      this.#reconcileAll(node, true);
      this.#sendDigests(node);
    });
    this.#every(node, QUORUM_CHECK_MS, () => this.#checkQuorum(node));
    if (this.#store.ap) this.#every(node, TICK_MS, () => this.#store.tick(node.name));
    this.#every(node, FENCED_WRITE_MS, () => this.#fencedWrites(node));
    this.#timer(node, GRACE_MS + 10, () => this.#membershipChanged(node));
    node.hold.beat(now);
    this.#reconcileAll(node, false);
  }

  #alive(node: SimNode, inc: number): boolean {
    return node.up && node.inc === inc && !node.left;
  }

  /** I/O for `node` after `delay`: held while it is paused, dropped if it restarts meanwhile. */
  #io(node: SimNode, delay: number, fn: () => void): void {
    const inc = node.inc;
    this.#sched.after(delay, () => {
      if (!this.#alive(node, inc)) return;
      if (node.pausedUntil !== undefined) node.pending.push(fn);
      else fn();
    });
  }

  /** A one-shot timer; a paused node runs it on resume. */
  #timer(node: SimNode, delay: number, fn: () => void): void {
    this.#io(node, delay, fn);
  }

  /** `setInterval`: ticks missed while paused are skipped. */
  #every(node: SimNode, period: number, fn: () => void): void {
    const inc = node.inc;
    const step = (): void => {
      if (!this.#alive(node, inc)) return;
      if (node.pausedUntil === undefined) fn();
      this.#sched.after(period, step);
    };
    this.#sched.after(period, step);
  }

  // ---- the network and failure detection ------------------------------------------------------

  #reachable(a: SimNode, b: SimNode): boolean {
    const ok = (x: SimNode): boolean => x.up && !x.left && x.pausedUntil === undefined;
    return ok(a) && ok(b) && a.side === b.side;
  }

  #inMajority(node: SimNode): boolean {
    if (!node.up || node.left || node.pausedUntil !== undefined) return false;
    const running = this.#nodes.filter((x) => x.up && !x.left && x.pausedUntil === undefined);
    return running.filter((x) => x.side === node.side).length * 2 > this.#nodes.length;
  }

  /** After any change of who reaches whom: schedule the views' catching up. */
  #topologyChanged(): void {
    for (const a of this.#nodes) {
      if (!a.up || a.left) continue;
      for (const b of this.#nodes) {
        if (a === b) continue;
        const reach = this.#reachable(a, b);
        if (a.view.has(b.name) && !reach) {
          // A graceful leave closes its connections; anything else waits for the detector.
          const delay = b.left ? this.#net.int(5, 50) : this.#net.int(1100, 1300);
          this.#io(a, delay, () => {
            if (a.view.has(b.name) && !this.#reachable(a, b)) this.#nodeDown(a, b.name);
          });
        } else if (!a.view.has(b.name) && reach) {
          this.#io(a, this.#net.int(100, 300), () => {
            if (!a.view.has(b.name) && this.#reachable(a, b)) this.#nodeUp(a, b.name);
          });
        }
      }
    }
    this.#store.topologyChanged();
  }

  #nodeUp(node: SimNode, peer: string): void {
    this.#trace(`${node.name} sees ${peer} up`);
    node.view.add(peer);
    node.seenUp.add(peer);
    node.seenDown.delete(peer);
    node.hold.peerUp(peer);
    // A (new) connection: announcements sent before it may be lost, so the two swap their lists.
    if (!this.#store.ap) this.#sendList(node, this.#node(peer), true);
    this.#membershipChanged(node);
  }

  #nodeDown(node: SimNode, peer: string): void {
    this.#trace(`${node.name} sees ${peer} down`);
    this.#beat(node);
    node.view.delete(peer);
    node.hold.peerDown(peer, this.#sched.now);
    node.seenDown.add(peer);
    // Declaring a peer down closes the connection: what was in flight either way is lost.
    this.#closeLink(node, this.#node(peer));
    node.pidTable.dropNode(peer);
    this.#membershipChanged(node);
  }

  #beat(node: SimNode): void {
    const now = this.#sched.now;
    if (!node.hold.beat(now)) return;
    const until = node.hold.until() ?? now;
    this.#trace(`${node.name} was paused: holds until ${until}`);
    const timer = ++node.holdTimer;
    this.#timer(node, until - now + 10, () => {
      if (node.holdTimer === timer) this.#membershipChanged(node);
    });
  }

  // ---- faults ---------------------------------------------------------------------------------

  #planFaults(): void {
    const rng = this.#rng;
    let left = false;
    for (let t = rng.int(200, 1500); t < this.#faultsMs; t += rng.int(300, 2000)) {
      const roll = rng.next();
      const pick = rng.next();
      const extra = rng.next();
      this.#sched.at(t, () => {
        const up = this.#nodes.filter((x) => x.up && !x.left && x.pausedUntil === undefined);
        const choose = (xs: SimNode[]): SimNode | undefined => xs[Math.floor(pick * xs.length)];
        if (roll < 0.2) {
          const victim = up.length > 1 ? choose(up) : undefined;
          if (victim) this.#crash(victim);
        } else if (roll < 0.35) {
          const down = choose(this.#nodes.filter((x) => !x.up && !x.left));
          if (down) this.#restart(down);
        } else if (roll < 0.55) {
          this.#partition(pick);
        } else if (roll < 0.7) {
          this.#heal();
        } else if (roll < 0.9) {
          const victim = choose(up);
          const longest = this.#opts.maxPauseMs ?? 3500;
          if (victim) this.#pause(victim, 500 + Math.floor(extra * (longest - 500)));
        } else if (!left && up.length > 2) {
          left = true;
          const victim = choose(up);
          if (victim) this.#leave(victim);
        }
      });
    }
    this.#sched.at(this.#faultsMs, () => {
      this.#trace('final heal');
      for (const node of this.#nodes) if (node.pausedUntil !== undefined) this.#resume(node);
      this.#heal();
      for (const node of this.#nodes) if (!node.up && !node.left) this.#restart(node);
    });
  }

  #crash(node: SimNode): void {
    this.#faults++;
    this.#trace(`crash ${node.name}`);
    node.up = false;
    node.inc++;
    node.local.clear();
    node.pausedUntil = undefined;
    node.pending = [];
    this.#closeLinks(node);
    this.#topologyChanged();
  }

  #restart(node: SimNode): void {
    this.#faults++;
    const { name, pids, inc } = node;
    // A lost disk only while another running replica holds every record: losing them all would
    // lose the children, which no placement can bring back.
    const store = this.#store;
    const empty =
      this.#rng.chance(0.5) &&
      store instanceof ApModel &&
      this.#nodes.some((x) => x !== node && x.up && !x.left && store.holds(x.name) === this.#keys.length);
    this.#trace(`restart ${node.name}${empty && this.#store.ap ? ' with an empty replica' : ''}`);
    Object.assign(node, this.#fresh(name), { pids, inc: inc + 1, side: node.side });
    // The new incarnation connects anew: nothing sent to the dead one reaches it.
    this.#closeLinks(node);
    this.#store.restarted(name, empty);
    this.#boot(node);
    this.#topologyChanged();
  }

  #partition(pick: number): void {
    this.#faults++;
    const cut = 1 + Math.floor(pick * (this.#nodes.length - 1));
    const n = this.#nodes.length;
    const rotate = this.#rng.int(0, n);
    for (let i = 0; i < n; i++) this.#nodes[(i + rotate) % n]!.side = i < cut ? 1 : 2;
    this.#trace(`partition ${this.#nodes.map((x) => `${x.name}:${x.side}`).join(' ')}`);
    this.#topologyChanged();
  }

  #heal(): void {
    this.#faults++;
    this.#trace('heal');
    for (const node of this.#nodes) node.side = 0;
    this.#topologyChanged();
  }

  #pause(node: SimNode, ms: number): void {
    this.#faults++;
    this.#trace(`pause ${node.name} for ${ms} ms`);
    node.pausedUntil = this.#sched.now + ms;
    const inc = node.inc;
    this.#sched.after(ms, () => {
      if (node.inc === inc && node.pausedUntil !== undefined) this.#resume(node);
    });
    this.#topologyChanged();
  }

  /** The peers' closes are read first, then what arrived meanwhile, then the timers. */
  #resume(node: SimNode): void {
    this.#trace(`resume ${node.name}`);
    node.pausedUntil = undefined;
    for (const peer of [...node.view]) {
      const b = this.#node(peer);
      if (!this.#reachable(node, b) || !b.view.has(node.name)) this.#nodeDown(node, peer);
    }
    const pending = node.pending;
    node.pending = [];
    for (const fn of pending) fn();
    this.#topologyChanged();
  }

  /** `stop({ handOff: true })`: each copy handed to the next owner, then the node goes. */
  #leave(node: SimNode): void {
    this.#faults++;
    this.#trace(`leave ${node.name}`);
    node.leaving = true;
    const live = this.#liveNodes(node);
    for (const key of [...node.local.keys()]) {
      const v = this.#store.read(node.name, key);
      const next = v && rendezvous(key, live);
      if (v && next !== undefined && live.includes(next)) this.#handOff(node, key, v, next, true);
    }
    node.up = false;
    node.left = true;
    node.local.clear();
    this.#closeLinks(node);
    this.#topologyChanged();
  }

  // ---- the supervisor's reconcile, carried out against the model ------------------------------

  #liveNodes(node: SimNode): string[] {
    return [...(node.leaving ? [] : [node.name]), ...node.view].sort();
  }

  #isGone(node: SimNode, owner: string): boolean {
    if (node.seenDown.has(owner)) return !node.hold.held(owner, this.#sched.now);
    if (node.seenUp.has(owner)) return true;
    return this.#sched.now - node.startedAt > GRACE_MS;
  }

  #schedule(node: SimNode, key: string, sweep = false): void {
    if (node.busy.has(key)) {
      node.rerun.add(key);
      return;
    }
    const queued = node.queued.get(key);
    if (queued !== undefined) {
      node.queued.set(key, queued && sweep);
      return;
    }
    node.queued.set(key, sweep);
    this.#io(node, this.#net.int(0, 3), () => {
      const bySweep = node.queued.get(key) ?? false;
      node.queued.delete(key);
      this.#sweeping = bySweep && !node.retry.has(key) && !node.deferred.has(key);
      this.#wrote = false;
      if (this.#reconcile(node, key) && this.#sweeping && !this.#wrote) this.#repaired(node, key);
      this.#sweeping = false;
    });
  }

  /**
   * The sweep found work the events missed: a reconcile it asked for acted, as the supervisor
   * counts it — a decision that writes counts once its write commits (a failed one rejects).
   */
  #repaired(node: SimNode, key: string): void {
    this.#sweepRepairs++;
    this.#trace(`${node.name} ${key}: the full sweep found work the events missed`);
  }

  #reconcileAll(node: SimNode, sweep: boolean): void {
    for (const key of this.#keys) this.#schedule(node, key, sweep);
  }

  #membershipChanged(node: SimNode): void {
    const live = new Set(this.#liveNodes(node));
    for (const key of this.#keys) {
      const owner = this.#store.read(node.name, key)?.rec.owner;
      const affected = node.local.has(key) || owner === undefined || owner === node.name || !live.has(owner);
      if (affected) this.#schedule(node, key);
    }
  }

  #tick(node: SimNode): void {
    this.#checkQuorum(node);
    const keys = [...node.retry];
    node.retry.clear();
    for (const key of keys) this.#schedule(node, key);
  }

  #checkQuorum(node: SimNode): void {
    this.#beat(node);
    if (this.#store.writable(node.name)) {
      node.unwritableSince = undefined;
      const keys = [...node.deferred];
      node.deferred.clear();
      for (const key of keys) this.#schedule(node, key);
      return;
    }
    node.unwritableSince ??= this.#sched.now;
    if (this.#sched.now - node.unwritableSince > QUORUM_LOSS_STOP_MS && node.local.size > 0) {
      this.#trace(`${node.name} stops ${node.local.size} copies: no quorum`);
      for (const key of [...node.local.keys()]) {
        node.local.delete(key);
        node.deferred.add(key);
      }
    }
  }

  /** Returns whether it acted (`changes` of the decision). */
  #reconcile(node: SimNode, key: string): boolean {
    const self = node.name;
    const now = this.#sched.now;
    const v = this.#store.read(self, key);
    const rec = v?.rec;
    const version = v?.version ?? 0;
    const running = node.local.get(key);
    const waitingSince = node.waiting.get(key);
    node.waiting.delete(key);
    const live = rec === undefined ? [] : this.#liveNodes(node);
    const since = waitingSince ?? now;
    const d = this.#decide({
      self,
      record: rec,
      running,
      desired: rec === undefined ? undefined : rendezvous(rec.key, live),
      live,
      ap: this.#store.ap,
      writable: this.#store.writable(self),
      leaving: node.leaving,
      ownerGone: rec !== undefined && (rec.owner === '' || this.#isGone(node, rec.owner)),
      waitedMs: now - since,
      maxWaitMs: ADOPT_WAIT_MS,
    });
    if (d.kind !== 'idle' && d.kind !== 'wait') {
      const about = rec ? `${rec.owner || '-'}@${rec.epoch} v${version}` : 'none';
      this.#trace(`${self} ${key}: ${d.kind} (record ${about}, copy ${running ? `@${running.epoch}` : '-'})`);
    }
    switch (d.kind) {
      case 'idle':
        break;
      case 'stop':
        node.local.delete(key);
        break;
      case 'record-pid':
        this.#write(node, key, { ...rec!, pid: running!.pid }, version);
        break;
      case 'hand-off':
        this.#handOff(node, key, v!, d.to);
        break;
      case 'keep-given': {
        const { handoff: _h, ...rest } = rec!;
        node.local.set(key, { pid: running!.pid, epoch: rec!.epoch });
        this.#write(node, key, { ...rest, pid: running!.pid }, version, () => node.local.set(key, running!));
        break;
      }
      case 'start':
        if (d.stopFirst) node.local.delete(key);
        if (!this.#store.writable(self)) node.deferred.add(key);
        else this.#startLocal(node, key, rec!, version);
        break;
      case 'defer':
        if (d.stopFirst) node.local.delete(key);
        node.deferred.add(key);
        break;
      case 'wait':
        node.waiting.set(key, since);
        node.retry.add(key);
        break;
      case 'adopt': {
        const { pid: _p, handoff: _h, ...rest } = rec!;
        const epoch = rec!.epoch + 1;
        this.#run(node, key, { pid: running!.pid, epoch });
        const rewritten = { ...rest, owner: self, epoch, pid: running!.pid };
        this.#write(node, key, rewritten, version, () => node.local.set(key, running!));
        break;
      }
      case 'merge-away':
        node.local.delete(key);
        this.#schedule(node, key);
        break;
      case 'claim': {
        const { pid: _p, ...rest } = rec!;
        this.#write(node, key, { ...rest, owner: self, epoch: rec!.epoch + 1 }, version);
        break;
      }
      case 'remove':
        // Only a child that finished on its own is removed; the simulated children never finish
        // (`test/placement/finished-child.test.ts` covers that path on the real supervisor).
        throw new Error(`${self} ${key}: remove decided, but no simulated child finishes`);
    }
    return changes(d);
  }

  /**
   * A compare-and-set write; a failed one runs `onFail` and puts the key on the retry tick (a
   * `StoreError`). CP: the write commits 2–15 ms later (a Raft round), the condition checked then;
   * the key is busy meanwhile (a reconcile asked for it runs once more after), while other keys and
   * events go on. AP: the write applies to the local replica at once.
   */
  #write(
    node: SimNode,
    key: string,
    rec: PlacementRecord,
    version: number,
    onFail?: () => void,
    now = false,
  ): void {
    const counted = this.#sweeping;
    this.#wrote = true;
    const commit = (): void => {
      const r = this.#store.put(node.name, key, rec, version);
      if (r === 'ok') {
        this.#writes++;
        if (counted) this.#repaired(node, key);
      } else {
        this.#trace(`${node.name} ${key}: write ${r}`);
        onFail?.();
        node.retry.add(key);
      }
    };
    if (this.#store.ap || now) return commit();
    node.busy.add(key);
    this.#io(node, this.#net.int(2, 16), () => {
      node.busy.delete(key);
      commit();
      if (node.rerun.delete(key)) this.#schedule(node, key);
    });
  }

  /**
   * AP: the copy starts and its pid is written into the record. CP: no write — the record already
   * names this node at this epoch, and its hand-off stays there (the supervisor remembers which one
   * it consumed) — the connected peers are told the pid instead (`pid-table.ts`).
   */
  #startLocal(node: SimNode, key: string, rec: PlacementRecord, version: number): void {
    const pid: Pid = { node: node.name, inc: node.inc, id: ++node.pids };
    this.#run(node, key, { pid, epoch: rec.epoch });
    if (!this.#store.ap) {
      for (const peer of node.view)
        this.#sendPids(node, this.#node(peer), { entries: [{ key, epoch: rec.epoch, pid }] });
      return;
    }
    const { handoff: _h, ...rest } = rec;
    this.#write(node, key, { ...rest, pid }, version, () => this.#schedule(node, key));
  }

  /** `now`: the write commits at once (a leaving node's hand-offs, which it awaits before going). */
  #handOff(node: SimNode, key: string, v: Versioned, to: string, now = false): void {
    node.local.delete(key);
    const { pid: _p, ...rest } = v.rec;
    const given = { ...rest, owner: to, epoch: v.rec.epoch + 1, handoff: 'state' };
    this.#write(node, key, given, v.version, undefined, now);
  }

  /** A copy starts (or is re-labelled) at an epoch: CP allows no other copy at that epoch. */
  #run(node: SimNode, key: string, copy: Copy): void {
    node.local.set(key, copy);
    if (this.#store.ap) return;
    for (const other of this.#nodes) {
      if (other === node || !other.up) continue;
      const theirs = other.local.get(key);
      if (theirs?.epoch === copy.epoch) {
        this.#fail(`${key} runs on ${node.name} and ${other.name} at epoch ${copy.epoch}`);
      }
    }
  }

  /** CP: every copy tries a write fenced by its (owner, epoch), as `fencedTransaction` does. */
  #fencedWrites(node: SimNode): void {
    if (!(this.#store instanceof CpModel) || !this.#store.writable(node.name)) return;
    for (const [key, copy] of node.local) {
      const seen = this.#store.read(node.name, key);
      const current = this.#store.current(key);
      const names = (x: Versioned | undefined): boolean =>
        x !== undefined && x.rec.owner === node.name && x.rec.epoch === copy.epoch;
      // The node's copy of the record first; on a version conflict, a fresh read and once more.
      if (!names(seen)) continue;
      if (seen!.version !== current?.version && !names(current)) continue;
      this.#fencedCommits++;
      const newest = this.#fencedEpoch.get(key) ?? 0;
      if (copy.epoch < newest) {
        this.#fail(`${node.name}: a fenced write of ${key} at epoch ${copy.epoch} after one at ${newest}`);
      }
      this.#fencedEpoch.set(key, Math.max(newest, copy.epoch));
      for (const other of this.#nodes) {
        const theirs = other.up ? other.local.get(key) : undefined;
        if (other !== node && theirs !== undefined && theirs.epoch > copy.epoch) {
          this.#fail(
            `${node.name}: a fenced write of ${key} at epoch ${copy.epoch} while ${other.name} runs it at ${theirs.epoch}`,
          );
        }
      }
    }
  }

  // ---- the pids of copies, told to the peers (CP) ----------------------------------------------

  /**
   * A connection carries messages in order, each after a network delay. A cut drops what crosses
   * it, as the transport's fault injection does, while the connection stays open: a message sent
   * while it lasts is dropped by its sender, one that arrives while it lasts (in flight when it
   * began, or read by a receiver resuming from a pause) by its receiver. Once the connection
   * closes — a node down in either view, a crash, a restart, a leave — what was in flight is lost
   * too. The next connection's swap of lists makes up for a close; the digests of the sweep, for a
   * loss without one.
   */
  #sendPids(from: SimNode, to: SimNode, body: PidsBody): void {
    const link = this.#link(from, to);
    if (!this.#linked(from, to)) {
      // To a node down or gone there is no connection to send on.
      if (to.up && !to.left) this.#lost(link, body, 'sent');
      return;
    }
    link.queue.push({ body, at: this.#sched.now + this.#net.int(1, 40), conn: link.conn });
    this.#pump(link);
  }

  #link(from: SimNode, to: SimNode): Link {
    const id = `${from.name}>${to.name}`;
    let link = this.#links.get(id);
    if (link === undefined) {
      link = { from, to, conn: 0, queue: [], armed: false };
      this.#links.set(id, link);
    }
    return link;
  }

  /** Both ends run and no cut separates them (a paused receiver reads its messages on resume). */
  #linked(a: SimNode, b: SimNode): boolean {
    return a.up && !a.left && b.up && !b.left && a.side === b.side;
  }

  #lost(link: Link, body: PidsBody, when: string): void {
    this.#lostPids++;
    this.#trace(`${link.from.name} > ${link.to.name}: ${describeBody(body)} lost to the cut (${when})`);
  }

  #closeLink(a: SimNode, b: SimNode): void {
    for (const id of [`${a.name}>${b.name}`, `${b.name}>${a.name}`]) {
      const link = this.#links.get(id);
      if (link !== undefined) link.conn++;
    }
  }

  #closeLinks(node: SimNode): void {
    for (const other of this.#nodes) if (other !== node) this.#closeLink(node, other);
  }

  /** Delivers the oldest message of `link` when it is due, unless its connection closed. */
  #pump(link: Link): void {
    while (link.queue.length > 0 && link.queue[0]!.conn !== link.conn) link.queue.shift();
    const head = link.queue[0];
    if (head === undefined || link.armed) return;
    link.armed = true;
    this.#sched.at(head.at, () => {
      link.armed = false;
      if (link.queue[0] === head && head.conn === link.conn) {
        link.queue.shift();
        this.#receivePids(link, head);
      }
      this.#pump(link);
    });
  }

  /** The supervisor's `learnPids`. */
  #receivePids(link: Link, note: PidsNote): void {
    const { from, to } = link;
    const paused = to.pausedUntil !== undefined;
    const read = (): void => {
      // A paused receiver reads the close of the connection before what arrived on it.
      if (note.conn !== link.conn) return;
      if (!this.#linked(from, to)) return this.#lost(link, note.body, paused ? 'read on resume' : 'arrived');
      // A peer it does not count as connected (yet) is not listened to: their swap on coming up makes up.
      if (!to.view.has(from.name)) return;
      const { entries, replace, ask, digest } = note.body;
      if (replace === true) to.pidTable.dropNode(from.name);
      for (const e of entries) if (e.pid.node === from.name) to.pidTable.learn(e.key, e.epoch, e.pid);
      if (ask === true) this.#sendList(to, from, false);
      const held = digestOf(this.#current(to, to.pidTable.entriesOf(from.name), from.name));
      if (digest !== undefined && !sameDigest(digest, held)) {
        this.#pidAsks++;
        this.#trace(
          `${to.name} holds other pids of ${from.name}'s copies than its digest says: asks for its list`,
        );
        this.#sendPids(to, from, { entries: [], ask: true });
      }
    };
    if (paused) to.pending.push(read);
    else read();
  }

  /** The supervisor's `tellPids`: the pids of all of `from`'s copies, replacing what `to` holds. */
  #sendList(from: SimNode, to: SimNode, ask: boolean): void {
    const entries = this.#localEntries(from);
    this.#trace(
      `${from.name} tells ${to.name} the pids of its ${entries.length} copies${ask ? ', asks for its' : ''}`,
    );
    this.#sendPids(from, to, { entries, replace: true, ...(ask ? { ask: true } : {}) });
  }

  /** The supervisor's `current`: entries of `owner`'s copies that `node`'s copy of the records names. */
  *#current(node: SimNode, entries: Iterable<PidEntry>, owner: string): IterableIterator<PidEntry> {
    for (const e of entries) {
      const rec = this.#store.read(node.name, e.key)?.rec;
      if (rec?.owner === owner && rec.epoch === e.epoch) yield e;
    }
  }

  #localEntries(node: SimNode): PidEntry[] {
    return [...node.local].map(([key, c]) => ({ key, epoch: c.epoch, pid: c.pid }));
  }

  /** The supervisor's `sendPidDigests`, on each full sweep: the digest of the node's list to each peer. */
  #sendDigests(node: SimNode): void {
    if (this.#store.ap || !this.#pidDigests) return;
    const digest = digestOf(this.#current(node, this.#localEntries(node), node.name));
    for (const peer of node.view) this.#sendPids(node, this.#node(peer), { entries: [], digest });
  }

  /**
   * CP `whereis` at `node`: the record's owner (in the node's copy of it) is this node — its own
   * copy, if it runs at the record's epoch; a connected peer — the pid that peer announced for
   * that epoch.
   */
  #whereis(node: SimNode, key: string): Pid | undefined {
    const rec = this.#store.read(node.name, key)?.rec;
    if (rec === undefined) return undefined;
    if (rec.owner === node.name) {
      const copy = node.local.get(key);
      return copy?.epoch === rec.epoch ? copy.pid : undefined;
    }
    return node.view.has(rec.owner) ? node.pidTable.resolve(rec) : undefined;
  }

  // ---- the settled cluster --------------------------------------------------------------------

  #checkSettled(): void {
    const live = this.#nodes.filter((x) => x.up && !x.left);
    const names = live.map((x) => x.name).sort();
    for (const node of live) {
      const view = [...node.view].sort().join(',');
      const want = names.filter((x) => x !== node.name).join(',');
      if (view !== want) this.#fail(`settled: ${node.name} sees [${view}], not [${want}]`);
    }
    for (const key of this.#keys) {
      const want = rendezvous(key, names)!;
      const copies = live.flatMap((x) => {
        const c = x.local.get(key);
        return c ? [{ node: x.name, copy: c }] : [];
      });
      const where = copies.map((c) => `${c.node}@${c.copy.epoch}`).join(', ') || 'nowhere';
      if (copies.length !== 1 || copies[0]!.node !== want) {
        this.#fail(`settled: ${key} runs on ${where}, want ${want}`);
        continue;
      }
      const copy = copies[0]!.copy;
      if (this.#store instanceof CpModel) this.#checkResolves(key, want, copy, live);
      else this.#checkRecords(key, want, copy, names);
    }
  }

  /** AP: every replica's record names the copy: its owner, epoch and pid. */
  #checkRecords(key: string, want: string, copy: Copy, names: readonly string[]): void {
    for (const reader of names) {
      const rec = this.#store.read(reader, key)?.rec;
      const ok =
        rec !== undefined &&
        rec.owner === want &&
        rec.epoch === copy.epoch &&
        rec.pid !== undefined &&
        samePid(rec.pid, copy.pid);
      if (!ok) {
        const seen = rec ? `${rec.owner}@${rec.epoch} pid ${rec.pid ? rec.pid.id : '-'}` : 'none';
        this.#fail(
          `settled: ${key} record at ${reader} is ${seen}, the copy ${want}@${copy.epoch} pid ${copy.pid.id}`,
        );
      }
    }
  }

  /**
   * CP: the record names the copy's node and epoch (it holds no pid), and every live node resolves
   * the key to the copy's pid — the owner by its own copy, the others by the pids it announced.
   */
  #checkResolves(key: string, want: string, copy: Copy, live: readonly SimNode[]): void {
    const rec = (this.#store as CpModel).current(key)?.rec;
    if (rec === undefined || rec.owner !== want || rec.epoch !== copy.epoch) {
      const seen = rec ? `${rec.owner}@${rec.epoch}` : 'none';
      this.#fail(`settled: ${key} record is ${seen}, the copy ${want}@${copy.epoch}`);
      return;
    }
    for (const node of live) {
      const pid = this.#whereis(node, key);
      if (pid === undefined || !samePid(pid, copy.pid)) {
        const own = this.#store.read(node.name, key)?.rec;
        const told = pid ? `pid ${pid.id}.${pid.inc}` : 'nothing';
        this.#fail(
          `settled: ${key} resolves at ${node.name} to ${told} (its record ${own ? `${own.owner}@${own.epoch}` : 'none'}), the copy ${want}@${copy.epoch} pid ${copy.pid.id}.${copy.pid.inc}`,
        );
      }
    }
  }
}

/** A message about pids, for the trace. */
function describeBody(body: PidsBody): string {
  const parts = [`${body.entries.length} pids`];
  if (body.replace === true) parts.push('replace');
  if (body.ask === true) parts.push('ask');
  if (body.digest !== undefined) parts.push(`digest ${body.digest.count}/${body.digest.sum}`);
  return parts.join(', ');
}
