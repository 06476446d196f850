/**
 * A seeded, deterministic whole-cluster Raft simulation (FoundationDB/VOPR style): 3 or 5 members
 * running the pure Raft core on a simulated clock, network and disk, a client workload on a small
 * replicated key-value machine, and a nemesis that injects faults. Safety invariants are checked
 * while it runs and the client history is checked for linearizability at the end.
 *
 * Example:
 * ```ts
 * const r = runRaftSimulation({ seed: 42 });
 * if (!r.ok) console.log(`RAFT_SIM_SEED=${r.seed}`, r.failures, r.profile);
 * ```
 *
 * Faults (each seed enables a random mix, "swarm testing"): message drop, duplication, delay and
 * reordering; partitions (any split, and one-way links) and heal; crashes that lose unsynced
 * writes (optionally keeping a torn prefix) and restarts from the durable image; timer skew (each
 * member ticks at its own rate); leadership transfers; membership changes (add learner, promote,
 * remove voter); drivers reporting dropped connections (fast failover); log compaction with
 * snapshot installs. After the fault phase everything heals and the cluster must make progress.
 *
 * API: `runRaftSimulation(options) → RaftSimResult`. Same seed, same run, byte for byte.
 *
 * The folder (`raft-sim/`, public surface in `index.ts`): this file drives the run; `node.ts` is
 * one member (a `RawNode` and its Ready loop), `disk.ts` its simulated disk, `kv.ts` the replicated
 * key-value machine, `clients.ts` the workload that records the history, `invariants.ts` the
 * `SafetyMonitor`; `script.ts` is `ScriptedCluster`, the same core driven step by step for
 * scenario tests. Randomness and the clock come from `../sim/`.
 *
 * When not to use: performance measurements (time is virtual) or testing real I/O.
 */
import {
  checkOperations,
  kvModel,
  type KvInput,
  type KvOutput,
  type Operation,
} from '../linearizability/index.ts';
import { SimClients } from './clients.ts';
import { SimDisk } from './disk.ts';
import { SafetyMonitor } from './invariants.ts';
import { SimNode, type ClientReply, type ClientRequest } from './node.ts';
import { SimRandom, SimScheduler } from '../sim/index.ts';
import type { Message, Ready } from '../../raft/core/types.ts';

export interface RaftSimOptions {
  readonly seed: number;
  /** Founding members; default: 3 or 5, drawn from the seed. */
  readonly nodes?: 3 | 5;
  /** Virtual milliseconds of faults. Default 1200. */
  readonly faultMs?: number;
  /** Virtual milliseconds after healing, in which the cluster must serve clients. Default 600. */
  readonly healMs?: number;
  /** Concurrent clients. Default 3. */
  readonly clients?: number;
  /** Wall-clock budget of the linearizability check, ms. Default 10000. */
  readonly checkTimeoutMs?: number;
  /** Receives a line per fault and a status line per member every 100 virtual ms (debugging). */
  readonly trace?: (line: string) => void;
}

/** The fault mix of one run, drawn from its seed. */
export interface FaultProfile {
  readonly nodes: number;
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly maxSkew: number;
  readonly diskLatency: number;
  readonly compactEvery: number;
  readonly trailing: number;
  readonly partitions: boolean;
  readonly oneWay: boolean;
  readonly crashes: boolean;
  readonly torn: boolean;
  readonly transfers: boolean;
  readonly membership: boolean;
  readonly reportUnreachable: boolean;
  readonly nemesisEvery: number;
  /**
   * Crash members right after they persisted a vote or entries and restart them almost at once:
   * the moments where a forgotten write would do the most damage.
   */
  readonly buggify: boolean;
}

export interface RaftSimStats {
  events: number;
  messages: number;
  dropped: number;
  crashes: number;
  partitions: number;
  transfers: number;
  confChanges: number;
  maxTerm: number;
  /** Install-snapshot messages sent. */
  snapshots: number;
  ops: number;
  successes: number;
  unknown: number;
}

export interface RaftSimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly profile: FaultProfile;
  readonly stats: RaftSimStats;
  /** The client history that was checked (virtual-time stamps). */
  readonly history: readonly Operation<KvInput, KvOutput>[];
}

const TICK_MS = 10;

function drawProfile(rng: SimRandom, nodes: number | undefined): FaultProfile {
  return {
    nodes: nodes ?? (rng.chance(0.5) ? 3 : 5),
    drop: rng.pick([0, 0, 0.01, 0.05, 0.15]),
    duplicate: rng.pick([0, 0, 0.02, 0.1]),
    reorder: rng.pick([0, 0.05, 0.3]),
    maxSkew: rng.pick([0, 0.1, 0.3]),
    diskLatency: rng.pick([0, 1, 4, 15]),
    compactEvery: rng.pick([6, 15, 40]),
    trailing: rng.pick([0, 3, 20]),
    partitions: rng.chance(0.6),
    oneWay: rng.chance(0.3),
    crashes: rng.chance(0.6),
    torn: rng.chance(0.5),
    transfers: rng.chance(0.4),
    membership: rng.chance(0.4),
    reportUnreachable: rng.chance(0.5),
    nemesisEvery: rng.pick([40, 100, 250]),
    buggify: rng.chance(0.3),
  };
}

class World {
  readonly queue = new SimScheduler();
  readonly monitor = new SafetyMonitor();
  readonly nodes = new Map<string, SimNode>();
  readonly profile: FaultProfile;
  readonly stats: RaftSimStats = {
    events: 0,
    messages: 0,
    dropped: 0,
    crashes: 0,
    partitions: 0,
    transfers: 0,
    confChanges: 0,
    maxTerm: 0,
    snapshots: 0,
    ops: 0,
    successes: 0,
    unknown: 0,
  };
  readonly clients: SimClients;
  private readonly net: SimRandom;
  private readonly faults: SimRandom;
  private readonly raftRng: SimRandom;
  private readonly blocked = new Set<string>();
  private drop: number;
  private duplicate: number;
  private reorder: number;
  private nextId: number;
  private readonly removing = new Set<string>();
  healed = false;
  failures: string[] = [];

  constructor(seed: number, opts: RaftSimOptions) {
    const root = new SimRandom(seed);
    this.profile = drawProfile(root.fork(), opts.nodes);
    this.net = root.fork();
    this.faults = root.fork();
    this.raftRng = root.fork();
    this.drop = this.profile.drop;
    this.duplicate = this.profile.duplicate;
    this.reorder = this.profile.reorder;
    const clientRng = root.fork();
    this.clients = new SimClients(
      {
        queue: this.queue,
        rng: clientRng,
        members: () => [...this.nodes.values()].filter((n) => !n.retired).map((n) => n.id),
        send: (to, req) => this.clientSend(to, req),
      },
      { keys: ['a', 'b', 'c'], opTimeout: 400, attemptTimeout: 60, thinkTime: 10 },
      opts.clients ?? 3,
    );
    const founders: string[] = [];
    for (let i = 1; i <= this.profile.nodes; i++) founders.push(`n${i}`);
    this.nextId = this.profile.nodes + 1;
    for (const id of founders) this.addNode(id).start(founders);
  }

  addNode(id: string): SimNode {
    const skew = 1 + (this.faults.next() * 2 - 1) * this.profile.maxSkew;
    const diskRng = this.faults.fork();
    const disk = new SimDisk(this.queue, () => diskRng.int(0, this.profile.diskLatency + 1));
    const node = new SimNode(
      id,
      {
        queue: this.queue,
        monitor: this.monitor,
        compactEvery: this.profile.compactEvery,
        send: (m) => this.send(m),
        reply: (req, r) => this.clientReply(req, r),
        afterReady: (n, rd) => this.afterReady(n, rd),
      },
      disk,
      {
        rng: this.raftRng.fork().fn(),
        electionTick: 10,
        heartbeatTick: 1,
        maxSizePerMsg: 512,
        maxInflightMsgs: 8,
        compactionTrailingEntries: this.profile.trailing,
        snapshotTimeoutTicks: 20,
      },
      Math.max(1, Math.round(TICK_MS * skew)),
    );
    this.nodes.set(id, node);
    return node;
  }

  private linkUp(from: string, to: string): boolean {
    return !this.blocked.has(`${from}>${to}`);
  }

  send(m: Message): void {
    this.stats.messages++;
    if (m.type === 'snap') this.stats.snapshots++;
    if (!this.linkUp(m.from, m.to) || this.net.chance(this.drop)) {
      this.stats.dropped++;
      return;
    }
    const copies = this.net.chance(this.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delay = this.net.int(1, 4);
      if (this.net.chance(this.reorder)) delay += this.net.int(5, 40);
      this.queue.after(delay, () => {
        if (!this.linkUp(m.from, m.to)) return;
        this.nodes.get(m.to)?.receive(m);
      });
    }
  }

  private clientSend(to: string, req: ClientRequest): void {
    if (this.net.chance(this.drop / 2)) return;
    this.queue.after(this.net.int(1, 4), () => this.nodes.get(to)?.handle(req));
  }

  private clientReply(req: ClientRequest, r: ClientReply): void {
    if (this.net.chance(this.drop / 2)) return;
    this.queue.after(this.net.int(1, 4), () => this.clients.onReply(req.client, r));
  }

  private alive(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }

  private leader(): SimNode | null {
    let best: SimNode | null = null;
    for (const n of this.nodes.values()) {
      if (n.alive && n.raw.role === 'leader' && (best === null || n.raw.term > best.raw.term)) best = n;
    }
    return best;
  }

  private afterReady(n: SimNode, rd: Ready): void {
    if (!this.profile.buggify || this.healed) return;
    const voted = rd.hardState !== undefined && rd.hardState.vote !== null;
    if (!(voted || rd.entries.length > 0) || !this.faults.chance(0.05)) return;
    this.queue.after(0, () => {
      n.crash(this.faults, this.profile.torn);
      this.stats.crashes++;
      this.queue.after(this.faults.int(1, 30), () => n.restart());
    });
  }

  /** Connections between `a` and `b` dropped: drivers report it after a short delay. */
  private reportCut(a: string, b: string): void {
    if (!this.profile.reportUnreachable) return;
    this.queue.after(this.faults.int(1, 30), () => this.nodes.get(a)?.reportUnreachable(b));
  }

  nemesis(until: number): void {
    const tick = (): void => {
      if (this.queue.now >= until) return;
      this.faultStep();
      this.queue.after(this.faults.int(this.profile.nemesisEvery / 2, this.profile.nemesisEvery * 2), tick);
    };
    this.queue.after(this.faults.int(20, this.profile.nemesisEvery), tick);
  }

  private faultStep(): void {
    const p = this.profile;
    const actions: (() => void)[] = [];
    if (p.partitions)
      actions.push(
        () => this.partition(),
        () => this.healLinks(),
      );
    if (p.oneWay) actions.push(() => this.oneWay());
    if (p.crashes) actions.push(() => this.crashOne());
    if (p.transfers) actions.push(() => this.transfer());
    if (p.membership) actions.push(() => this.changeMembership());
    if (actions.length > 0) this.faults.pick(actions)();
  }

  private partition(): void {
    this.blocked.clear();
    const ids = [...this.nodes.keys()];
    const side = new Set(ids.filter(() => this.faults.chance(0.5)));
    if (side.size === 0 || side.size === ids.length) side.add(this.faults.pick(ids));
    for (const a of ids) {
      for (const b of ids) {
        if (a !== b && side.has(a) !== side.has(b)) {
          this.blocked.add(`${a}>${b}`);
          this.reportCut(a, b);
        }
      }
    }
    this.stats.partitions++;
  }

  private oneWay(): void {
    const ids = [...this.nodes.keys()];
    const a = this.faults.pick(ids);
    const b = this.faults.pick(ids);
    if (a !== b) this.blocked.add(`${a}>${b}`);
  }

  private healLinks(): void {
    this.blocked.clear();
  }

  private crashOne(): void {
    const candidates = this.alive().filter((n) => !n.retired);
    if (candidates.length === 0) return;
    const l = this.leader();
    // Leaders are where most of the interesting state is in flight: crash them more often.
    const n = l !== null && this.faults.chance(0.5) ? l : this.faults.pick(candidates);
    n.crash(this.faults, this.profile.torn && this.faults.chance(0.5));
    this.stats.crashes++;
    for (const other of this.nodes.keys()) if (other !== n.id) this.reportCut(other, n.id);
    this.queue.after(this.faults.int(20, 400), () => n.restart());
  }

  private transfer(): void {
    const l = this.leader();
    if (l === null) return;
    const voters = l.raw.status().config.voters.filter((v) => v !== l.id);
    if (voters.length === 0) return;
    l.raw.transferLeadership(this.faults.pick(voters));
    l.pump();
    this.stats.transfers++;
  }

  private changeMembership(): void {
    const l = this.leader();
    if (l === null) return;
    const conf = l.raw.status().config;
    let ok: boolean;
    const learner = conf.learners[0];
    if (learner !== undefined) {
      ok = l.raw.proposeConfChange({ type: 'promote', node: learner }).ok;
    } else if (conf.voters.length <= 3 || (conf.voters.length < 5 && this.faults.chance(0.5))) {
      const id = `n${this.nextId++}`;
      ok = l.raw.proposeConfChange({ type: 'add-learner', node: id }).ok;
      // The new member exists before the leader's first message to it can leave.
      if (ok) this.addNode(id).start(null);
    } else {
      const victim = this.faults.pick(conf.voters);
      ok = l.raw.proposeConfChange({ type: 'remove', node: victim }).ok;
      if (ok) this.removing.add(victim);
    }
    if (ok) this.stats.confChanges++;
    l.pump();
  }

  /** Stops members once the leader's applied configuration no longer has them. */
  janitor(): void {
    const l = this.leader();
    if (l === null || this.removing.size === 0) return;
    const conf = l.raw.status().config;
    for (const id of [...this.removing]) {
      if (conf.voters.includes(id) || conf.learners.includes(id)) continue;
      this.removing.delete(id);
      const n = this.nodes.get(id)!;
      n.crash(this.faults, false);
      n.retired = true;
    }
  }

  heal(): void {
    this.healed = true;
    this.blocked.clear();
    this.drop = this.duplicate = this.reorder = 0;
    for (const n of this.nodes.values()) n.restart();
  }

  /** Live members of the current configuration that have not applied up to `index`. */
  laggingMembers(index: number): string[] {
    const l = this.leader();
    if (l === null) return ['(no leader)'];
    const conf = l.raw.status().config;
    const out: string[] = [];
    for (const id of [...conf.voters, ...conf.learners]) {
      const n = this.nodes.get(id);
      if (n !== undefined && n.alive && n.raw.appliedIndex < index)
        out.push(`${id} (applied ${n.raw.appliedIndex})`);
    }
    return out;
  }

  checkLogs(): void {
    this.monitor.checkLogMatching(this.alive());
    for (const n of this.nodes.values()) this.stats.maxTerm = Math.max(this.stats.maxTerm, n.raw.term);
  }
}

/** Runs one seeded schedule and checks it; never throws for a failed check (see `failures`). */
export function runRaftSimulation(opts: RaftSimOptions): RaftSimResult {
  const faultMs = opts.faultMs ?? 1200;
  const healMs = opts.healMs ?? 600;
  const end = faultMs + healMs;
  const w = new World(opts.seed, opts);
  const failures: string[] = [];
  w.clients.start();
  w.nemesis(faultMs);
  w.queue.at(faultMs, () => w.heal());
  const periodic = (): void => {
    w.janitor();
    w.checkLogs();
    if (opts.trace !== undefined) {
      const parts = [...w.nodes.values()].map((n) => {
        if (!n.alive) return `${n.id}:down`;
        const r = n.raw;
        return `${n.id}:${r.role[0]}${r.term} c${r.commitIndex} a${r.appliedIndex} l${String(r.leader)}`;
      });
      opts.trace(`${w.queue.now} ${parts.join(' | ')} ok=${w.clients.successes}`);
    }
    if (w.queue.now + 100 < end) w.queue.after(100, periodic);
  };
  w.queue.after(100, periodic);
  w.clients.stopIssuingAt(end - 150);
  // Liveness: what was committed well before the end must reach every live member by the end.
  let catchUpTarget = 0;
  w.queue.at(end - 300, () => {
    for (const n of w.nodes.values()) if (n.alive) catchUpTarget = Math.max(catchUpTarget, n.raw.commitIndex);
  });
  try {
    while (w.queue.runNext(end)) {
      w.stats.events++;
      if (w.monitor.violations.length > 0) break;
    }
  } catch (err) {
    failures.push(`exception: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  w.clients.finish();
  w.checkLogs();
  failures.push(...w.monitor.violations);
  const history = w.clients.history;
  w.stats.ops = history.length;
  w.stats.successes = w.clients.successes;
  w.stats.unknown = history.filter((o) => o.output === undefined).length;
  if (failures.length === 0) {
    if (w.clients.lastSuccess < faultMs) {
      failures.push(`liveness: no client operation completed in the ${healMs} ms after healing`);
    }
    for (const lagging of w.laggingMembers(catchUpTarget)) {
      failures.push(
        `liveness: ${lagging} did not catch up to index ${catchUpTarget} within 300 ms after healing`,
      );
    }
    const verdict = checkOperations(kvModel, history, { timeoutMs: opts.checkTimeoutMs ?? 10_000 });
    if (verdict.result !== 'ok') failures.push(`linearizability: ${JSON.stringify(verdict)}`);
  }
  return {
    seed: opts.seed,
    ok: failures.length === 0,
    failures,
    profile: w.profile,
    stats: w.stats,
    history,
  };
}
