/**
 * One simulated cluster member: the pure Raft core driven the way a real driver drives it
 * (persist each Ready on the simulated disk, send its messages only once that write is durable,
 * then apply), a `SimKv` state machine, and the server side of the client protocol: writes are
 * proposed on the leader and answered when applied; reads use ReadIndex on any member and are
 * answered once the member has applied up to the read index.
 *
 * Example: created and wired by `runRaftSimulation`; not used on its own.
 *
 * When not to use: real clusters; the real driver lives in `raft/`.
 */
import type { RaftOptions } from '../../raft/core/config.ts';
import { RawNode } from '../../raft/core/raw-node.ts';
import type { Message, Ready } from '../../raft/core/types.ts';
import type { KvOutput } from '../linearizability/index.ts';
import type { SimDisk } from './disk.ts';
import type { SafetyMonitor } from './invariants.ts';
import { decodeCommand, encodeCommand, SimKv, type KvCommand } from './kv.ts';
import type { SimRandom, SimScheduler } from '../sim/index.ts';

export interface ClientRequest {
  readonly reqId: number;
  readonly client: number;
  readonly cmd: KvCommand;
}

export type ClientReply =
  | { readonly reqId: number; readonly kind: 'ok'; readonly output: KvOutput }
  | { readonly reqId: number; readonly kind: 'redirect'; readonly leader: string | null }
  | { readonly reqId: number; readonly kind: 'retry' };

export interface NodeEnv {
  readonly queue: SimScheduler;
  readonly monitor: SafetyMonitor;
  send(m: Message): void;
  reply(req: ClientRequest, r: ClientReply): void;
  /** Take a snapshot once this many entries were applied since the last one. */
  readonly compactEvery: number;
  /** Called after a Ready was fully handled (fault injection hooks in here). */
  afterReady(node: SimNode, rd: Ready): void;
}

export class SimNode {
  readonly id: string;
  incarnation = 0;
  alive = true;
  /** Permanently stopped (removed from the cluster). */
  retired = false;
  raw: RawNode;
  kv = new SimKv();
  readonly disk: SimDisk;
  private readonly env: NodeEnv;
  private readonly options: Omit<RaftOptions, 'id'>;
  private readonly tickMs: number;
  private persisting = false;
  private proposals = new Map<number, { term: number; req: ClientRequest }>();
  private reads = new Map<string, ClientRequest>();
  private waitingReads: { index: number; req: ClientRequest }[] = [];
  private readSeq = 0;

  constructor(id: string, env: NodeEnv, disk: SimDisk, options: Omit<RaftOptions, 'id'>, tickMs: number) {
    this.id = id;
    this.env = env;
    this.disk = disk;
    this.options = options;
    this.tickMs = tickMs;
    this.raw = new RawNode({ ...options, id }, disk.durable.initialState());
  }

  /** Starts ticking; `voters` bootstraps a founding member. */
  start(voters: readonly string[] | null): void {
    if (voters !== null) this.raw.bootstrap(voters);
    this.scheduleTick();
    this.pump();
  }

  crash(rng: SimRandom, torn: boolean): void {
    if (!this.alive) return;
    this.alive = false;
    this.incarnation++;
    this.persisting = false;
    this.disk.crash(rng, torn);
    this.proposals.clear();
    this.reads.clear();
    this.waitingReads = [];
  }

  restart(): void {
    if (this.alive || this.retired) return;
    this.alive = true;
    this.raw = new RawNode({ ...this.options, id: this.id }, this.disk.durable.initialState());
    const snap = this.disk.durable.snapshot();
    this.kv = snap === null ? new SimKv() : SimKv.restore(snap.data);
    this.scheduleTick();
    this.pump();
  }

  receive(m: Message): void {
    if (!this.alive) return;
    this.raw.step(m);
    this.pump();
  }

  reportUnreachable(peer: string): void {
    if (!this.alive) return;
    this.raw.reportUnreachable(peer);
    this.pump();
  }

  handle(req: ClientRequest): void {
    if (!this.alive) return;
    if (req.cmd.op === 'get') {
      const ctx = `${this.id}/${this.incarnation}/${++this.readSeq}`;
      const r = this.raw.readIndex(ctx);
      if (!r.ok) {
        this.env.reply(req, { reqId: req.reqId, kind: 'redirect', leader: null });
        return;
      }
      this.reads.set(ctx, req);
    } else {
      const r = this.raw.propose(encodeCommand(req.cmd));
      if (!r.ok) {
        this.env.reply(req, { reqId: req.reqId, kind: 'redirect', leader: r.leader });
        return;
      }
      this.proposals.set(r.index, { term: r.term, req });
    }
    this.pump();
  }

  private scheduleTick(): void {
    const inc = this.incarnation;
    this.env.queue.after(this.tickMs, () => {
      if (!this.alive || inc !== this.incarnation) return;
      this.raw.tick();
      this.pump();
      this.scheduleTick();
    });
  }

  /** Processes Readies one at a time: persist, then send, apply, advance. */
  pump(): void {
    while (this.alive && !this.persisting && this.raw.hasReady()) {
      const rd = this.raw.ready();
      if (rd.entries.length === 0 && rd.snapshot === undefined && rd.hardState === undefined) {
        this.finish(rd);
        continue;
      }
      this.persisting = true;
      const inc = this.incarnation;
      this.disk.write({ snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState }, () => {
        if (inc !== this.incarnation || !this.alive) return;
        this.persisting = false;
        this.finish(rd);
        this.pump();
      });
    }
  }

  private finish(rd: Ready): void {
    // Obligation: messages leave only after this Ready's writes are durable.
    for (const m of rd.messages) this.env.send(m);
    if (rd.snapshot !== undefined) this.restore(rd.snapshot.index, rd.snapshot.data);
    let applied = -1;
    for (const e of rd.committedEntries) {
      this.env.monitor.onApply(this.id, e);
      applied = e.index;
      if (e.type !== 'normal' || e.data.byteLength === 0) {
        this.answerLost(e.index);
        continue;
      }
      const cmd = decodeCommand(e.data);
      const result = this.kv.apply(cmd);
      const p = this.proposals.get(e.index);
      if (p !== undefined) {
        this.proposals.delete(e.index);
        if (p.term !== e.term) this.env.reply(p.req, { reqId: p.req.reqId, kind: 'retry' });
        else if (result !== null) this.env.reply(p.req, { reqId: p.req.reqId, kind: 'ok', output: result });
      }
    }
    for (const rs of rd.readStates) {
      const req = this.reads.get(rs.ctx);
      if (req === undefined) continue;
      this.reads.delete(rs.ctx);
      this.waitingReads.push({ index: rs.index, req });
    }
    this.raw.advance(rd);
    if (applied >= 0 || rd.snapshot !== undefined) {
      this.env.monitor.onState(this.id, this.raw.appliedIndex, this.kv.fingerprint());
    }
    this.serveReads();
    this.env.monitor.checkNode(this.id, this.incarnation, this.raw);
    this.maybeCompact();
    this.env.afterReady(this, rd);
  }

  private answerLost(index: number): void {
    const p = this.proposals.get(index);
    if (p === undefined) return;
    this.proposals.delete(index);
    this.env.reply(p.req, { reqId: p.req.reqId, kind: 'retry' });
  }

  private restore(index: number, data: Uint8Array): void {
    this.kv = SimKv.restore(data);
    for (const [i, p] of this.proposals) {
      if (i > index) continue;
      this.proposals.delete(i);
      // The entry is inside the snapshot (applied) or was replaced; the session knows which.
      const s = this.kv.sessions.get(p.req.cmd.client);
      if (s !== undefined && s.seq === p.req.cmd.seq) {
        this.env.reply(p.req, { reqId: p.req.reqId, kind: 'ok', output: s.result });
      } else if (s === undefined || s.seq < p.req.cmd.seq) {
        this.env.reply(p.req, { reqId: p.req.reqId, kind: 'retry' });
      }
    }
  }

  private serveReads(): void {
    if (this.waitingReads.length === 0) return;
    const applied = this.raw.appliedIndex;
    const still: { index: number; req: ClientRequest }[] = [];
    for (const w of this.waitingReads) {
      if (w.index > applied) {
        still.push(w);
        continue;
      }
      this.env.reply(w.req, {
        reqId: w.req.reqId,
        kind: 'ok',
        output: { ok: true, value: this.kv.get(w.req.cmd.key) },
      });
    }
    this.waitingReads = still;
  }

  private maybeCompact(): void {
    const applied = this.raw.appliedIndex;
    const last = this.raw.snapshot()?.index ?? 0;
    if (applied - last < this.env.compactEvery) return;
    const snap = this.raw.compact(applied, this.kv.snapshot());
    this.disk.write({ snapshot: snap }, () => undefined);
    this.disk.compact(Math.min(snap.index, this.raw.firstIndex() - 1));
  }
}
