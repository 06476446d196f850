/**
 * `ScriptedCluster`: a whole Raft cluster in one process, driven step by step, for tests written
 * as readable scenarios ("isolate c, tick the leader past an election timeout, heal, stabilize").
 * Persistence is instant (a `MemoryLogStorage` per node); the network is a queue that delivers only
 * when asked, with cuts, isolation and message-type filters (after etcd-io/raft's test network).
 *
 * Each node's state machine records the text of every applied normal entry, so tests can compare
 * what replicas applied; snapshots carry that list.
 *
 * Example:
 * ```ts
 * const c = new ScriptedCluster(['a', 'b', 'c']);
 * c.elect('a');
 * c.propose('a', 'x');
 * c.stabilize();
 * c.node('b').machine; // ['x']
 * ```
 *
 * API: `node(id)`, `process(id)`, `deliver()`, `deliverOnly(pred)`, `dropWhere(pred)`,
 * `stabilize()`, `tick(id, n)`, `tickAll(n)`,
 * `elect(id)`, `propose(id, text)`, `cut(a, b)`, `isolate(id)`, `heal()`, `ignore(type)`,
 * `crash(id)`, `restart(id)`, `addNode(id)`, `leaders()`, `sent` (every message sent).
 *
 * When not to use: randomized fault schedules; `runRaftSimulation` (simulation.ts) does those.
 */
import type { RaftOptions } from '../../raft/core/config.ts';
import { RawNode } from '../../raft/core/raw-node.ts';
import type { Entry, Message, MessageType, ReadState, Snapshot } from '../../raft/core/types.ts';
import { MemoryLogStorage } from '../../raft/storage/memory-log-storage.ts';
import { SimRandom } from '../sim/index.ts';

type Tuning = Partial<Omit<RaftOptions, 'id' | 'rng'>>;

export interface ScriptedNode {
  readonly id: string;
  raw: RawNode;
  readonly storage: MemoryLogStorage;
  /** Text of applied normal entries, in order (the state machine). */
  machine: string[];
  /** Every committed entry applied since the last (re)start, in order. */
  applied: Entry[];
  readStates: ReadState[];
  /** Snapshots received from a leader and restored. */
  restored: Snapshot[];
  alive: boolean;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class ScriptedCluster {
  readonly nodes = new Map<string, ScriptedNode>();
  /** Messages sent and not yet delivered or dropped. */
  inflight: Message[] = [];
  /** Every message sent, in order, for assertions. */
  sent: Message[] = [];
  private readonly blocked = new Set<string>();
  private readonly ignored = new Set<MessageType>();
  /** Optional extra filter: return false to drop a message at delivery. */
  filter: ((m: Message) => boolean) | null = null;
  private readonly rng: SimRandom;
  private readonly tuning: Tuning;

  constructor(ids: readonly string[], opts: { seed?: number; raft?: Tuning; bootstrap?: boolean } = {}) {
    this.rng = new SimRandom(opts.seed ?? 1);
    this.tuning = opts.raft ?? {};
    for (const id of ids) {
      const node = this.makeNode(id, new MemoryLogStorage());
      if (opts.bootstrap !== false) node.raw.bootstrap(ids);
      this.nodes.set(id, node);
    }
    for (const id of ids) this.process(id);
  }

  node(id: string): ScriptedNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new RangeError(`no node ${id}`);
    return n;
  }

  /** A new, empty member (to be added through a membership change). */
  addNode(id: string): ScriptedNode {
    const node = this.makeNode(id, new MemoryLogStorage());
    this.nodes.set(id, node);
    return node;
  }

  /** Handles every Ready of `id`: persist, send, restore, apply, advance. */
  process(id: string): void {
    const n = this.node(id);
    if (!n.alive) return;
    while (n.raw.hasReady()) {
      const rd = n.raw.ready();
      n.storage.applyBatch({ snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState });
      for (const m of rd.messages) {
        this.sent.push(m);
        this.inflight.push(m);
      }
      if (rd.snapshot !== undefined) {
        n.machine = JSON.parse(dec.decode(rd.snapshot.data)) as string[];
        n.restored.push(rd.snapshot);
      }
      for (const e of rd.committedEntries) {
        n.applied.push(e);
        if (e.type === 'normal' && e.data.byteLength > 0) n.machine.push(dec.decode(e.data));
      }
      for (const r of rd.readStates) n.readStates.push(r);
      n.raw.advance(rd);
    }
  }

  processAll(): void {
    for (const id of this.nodes.keys()) this.process(id);
  }

  /** Delivers every message in flight once (dropping blocked ones); returns how many arrived. */
  deliver(): number {
    const batch = this.inflight;
    this.inflight = [];
    return this.stepAll(batch);
  }

  /** Delivers only the in-flight messages matching `pred` (in order); the rest stay in flight. */
  deliverOnly(pred: (m: Message) => boolean): number {
    const chosen = this.inflight.filter(pred);
    this.inflight = this.inflight.filter((m) => !pred(m));
    return this.stepAll(chosen);
  }

  /** Steps each message into its live recipient (unless blocked) and handles its Ready. */
  private stepAll(batch: readonly Message[]): number {
    let n = 0;
    for (const m of batch) {
      if (!this.passes(m)) continue;
      const to = this.nodes.get(m.to);
      if (to === undefined || !to.alive) continue;
      to.raw.step(m);
      n++;
      this.process(m.to);
    }
    return n;
  }

  /** Drops the in-flight messages matching `pred`; returns how many. */
  dropWhere(pred: (m: Message) => boolean): number {
    const before = this.inflight.length;
    this.inflight = this.inflight.filter((m) => !pred(m));
    return before - this.inflight.length;
  }

  /** Delivers messages until none are left; throws if that takes more than `maxRounds`. */
  stabilize(maxRounds = 1000): void {
    this.processAll();
    for (let i = 0; i < maxRounds; i++) {
      if (this.inflight.length === 0) return;
      this.deliver();
    }
    throw new Error(`cluster did not stabilize in ${maxRounds} rounds`);
  }

  tick(id: string, n = 1): void {
    const node = this.node(id);
    for (let i = 0; i < n && node.alive; i++) {
      node.raw.tick();
      this.process(id);
    }
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) for (const id of this.nodes.keys()) this.tick(id);
  }

  /** Makes `id` campaign and stabilizes; throws unless it became the leader. */
  elect(id: string): void {
    this.node(id).raw.campaign();
    this.process(id);
    this.stabilize();
    const s = this.node(id).raw.status();
    if (s.role !== 'leader')
      throw new Error(`${id} did not win the election (role ${s.role}, term ${s.term})`);
  }

  propose(id: string, text: string): ReturnType<RawNode['propose']> {
    const r = this.node(id).raw.propose(enc.encode(text));
    this.process(id);
    return r;
  }

  /** Alive nodes that believe they are leader. */
  leaders(): string[] {
    return [...this.nodes.values()]
      .filter((n) => n.alive && n.raw.status().role === 'leader')
      .map((n) => n.id);
  }

  cut(a: string, b: string): void {
    this.blocked.add(`${a}>${b}`);
    this.blocked.add(`${b}>${a}`);
  }

  isolate(id: string): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cut(id, other);
  }

  heal(): void {
    this.blocked.clear();
    this.ignored.clear();
    this.filter = null;
  }

  ignore(type: MessageType): void {
    this.ignored.add(type);
  }

  /** Stops a node: in-memory state is lost, storage (instantly durable here) is kept. */
  crash(id: string): void {
    this.node(id).alive = false;
  }

  restart(id: string): void {
    const old = this.node(id);
    const node = this.makeNode(id, old.storage);
    const snap = old.storage.snapshot();
    if (snap !== null) node.machine = JSON.parse(dec.decode(snap.data)) as string[];
    this.nodes.set(id, node);
    this.process(id);
  }

  /** Takes a snapshot of `id`'s machine at its applied index and compacts its log. */
  compact(id: string): Snapshot {
    const n = this.node(id);
    const applied = n.raw.status().applied;
    const snap = n.raw.compact(applied, enc.encode(JSON.stringify(n.machine)));
    n.storage.applyBatch({ snapshot: snap });
    n.storage.compactSync(Math.min(snap.index, n.raw.firstIndex() - 1));
    return snap;
  }

  private passes(m: Message): boolean {
    if (this.blocked.has(`${m.from}>${m.to}`)) return false;
    if (this.ignored.has(m.type)) return false;
    return this.filter === null || this.filter(m);
  }

  private makeNode(id: string, storage: MemoryLogStorage): ScriptedNode {
    const raw = new RawNode({ ...this.tuning, id, rng: this.rng.fork().fn() }, storage.initialState());
    return { id, raw, storage, machine: [], applied: [], readStates: [], restored: [], alive: true };
  }
}
