/**
 * RawNode: the driver-facing API of the pure Raft core, after etcd-io/raft's RawNode. It does no
 * I/O and reads no clock; the driver feeds it ticks and messages and carries out its Readies.
 *
 * Example (one driver loop iteration):
 * ```ts
 * const node = new RawNode({ id: 'a', rng: () => prng.next() }, storage.initialState());
 * node.tick();                       // every 100 ms
 * node.step(messageFromPeer);        // on every message received
 * if (node.hasReady()) {
 *   const rd = node.ready();
 *   await storage.save({ entries: rd.entries, hardState: rd.hardState, snapshot: rd.snapshot });
 *   for (const m of rd.messages) transport.send(m);   // only after the save resolved
 *   if (rd.snapshot) machine.restore(rd.snapshot.data);
 *   for (const e of rd.committedEntries) machine.apply(e);
 *   node.advance(rd);
 * }
 * ```
 *
 * API: `bootstrap(voters)`, `tick()`, `step(msg)`, `propose(data)`, `proposeConfChange(change)`,
 * `readIndex(ctx)`, `transferLeadership(to)`, `reportUnreachable(peer)`, `reportSnapshot(peer, s)`,
 * `campaign()`, `compact(index, data)`, `hasReady()`, `ready()`, `advance(ready)`,
 * `leaderMessagesNow()`, `status()`,
 * and read access to the in-memory log (`term`, `entries`, `firstIndex`, `lastIndex`).
 *
 * Obligations of the driver: one Ready at a time (`ready` again only after `advance`); persist
 * before sending; apply committed entries in order; ticks at a steady interval. Messages may be
 * stepped in while a Ready is being persisted. Persisting `compact`'s snapshot is the driver's job.
 *
 * When not to use: applications should use the cluster's Raft driver, not this core directly.
 */
import { resolveConfig, type RaftOptions } from './config.ts';
import { RaftUsageError } from './errors.ts';
import { entryBytes } from './log.ts';
import { Raft } from './raft.ts';
import type {
  ConfChange,
  Entry,
  HardState,
  InitialState,
  Message,
  ProgressStatus,
  ProposeResult,
  Ready,
  ReadIndexResult,
  Snapshot,
  SoftState,
  Status,
  TransferResult,
} from './types.ts';

export const EMPTY_STATE: InitialState = {
  hardState: { term: 0, vote: null, commit: 0 },
  snapshot: null,
  entries: [],
};

export class RawNode {
  private readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding: Ready | null = null;
  /** The outstanding Ready changes term, vote or snapshot: nothing may leave before it is durable. */
  private outstandingDurableFirst = false;

  /** A member restarted from `initial` (what storage recovered), or a new empty member. */
  constructor(options: RaftOptions, initial: InitialState = EMPTY_STATE) {
    this.raft = new Raft(resolveConfig(options), initial);
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  get id(): string {
    return this.raft.id;
  }

  /**
   * Writes the cluster's initial membership as entry 1 (term 1) on a member that has never run.
   * Every founding member bootstraps with the same list; members added later start empty.
   */
  bootstrap(voters: readonly string[]): void {
    this.raft.bootstrap(voters);
  }

  /** Advances logical time by one tick (elections, heartbeats, check-quorum). */
  tick(): void {
    this.raft.tick();
  }

  /** Feeds a message from a peer. Messages for other nodes are a driver bug and throw. */
  step(msg: Message): void {
    this.raft.step(msg);
  }

  /** Appends `data` to the leader's log. Not-leader and overload are values, not throws. */
  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose(data);
  }

  /** Proposes one membership change; refused while an earlier one is not yet applied. */
  proposeConfChange(change: ConfChange): ProposeResult {
    return this.raft.proposeConfChange(change);
  }

  /** Asks for a linearizable read point; the answer arrives as a `ReadState` with this `ctx`. */
  readIndex(ctx: string): ReadIndexResult {
    return this.raft.readIndex(ctx);
  }

  /** Hands leadership to voter `to` once it has caught up (forwarded when called on a follower). */
  transferLeadership(to: string): TransferResult {
    return this.raft.transferLeadership(to);
  }

  /** The connection to `peer` dropped. On a follower that lost its leader: campaign now. */
  reportUnreachable(peer: string): void {
    this.raft.reportUnreachable(peer);
  }

  reportSnapshot(peer: string, status: 'finished' | 'failed'): void {
    this.raft.reportSnapshot(peer, status);
  }

  /** Starts an election at once (pre-vote first when enabled); no-op on leaders and learners. */
  campaign(): void {
    this.raft.campaignNow();
  }

  /**
   * Records an application snapshot covering entries up to `index` (<= applied) and drops older
   * entries from memory, keeping `compactionTrailingEntries`. Returns the snapshot for the driver
   * to persist (`storage.save({ snapshot })`, then `storage.compact(...)`).
   */
  compact(index: number, data: Uint8Array): Snapshot {
    return this.raft.compact(index, data);
  }

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    const r = this.raft;
    if (r.hasPendingFlush()) return true;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (r.log.hasUnstable() || r.log.pendingSnapshot !== null) return true;
    if (!sameSoft(this.softState(), this.prevSoft) || !sameHard(this.hardState(), this.prevHard)) return true;
    return r.log.committed > r.log.applied;
  }

  /** Collects everything to persist, send and apply. Call `advance` before the next `ready`. */
  ready(): Ready {
    if (this.outstanding !== null) throw new RaftUsageError('ready() called again before advance()');
    const r = this.raft;
    r.flush();
    const entries = r.log.takeUnstable();
    const snapshot = r.log.pendingSnapshot;
    r.log.pendingSnapshot = null;
    const applyFrom = snapshot !== null ? snapshot.index : r.log.applied;
    const committedEntries = r.log.committedAfter(applyFrom, r.cfg.maxCommittedBytesPerReady);
    const hard = this.hardState();
    const soft = this.softState();
    const hardChanged = !sameHard(hard, this.prevHard);
    const softChanged = !sameSoft(soft, this.prevSoft);
    const mustSync =
      entries.length > 0 ||
      snapshot !== null ||
      hard.term !== this.prevHard.term ||
      hard.vote !== this.prevHard.vote;
    const rd: Ready = {
      ...(softChanged ? { softState: soft } : {}),
      ...(hardChanged ? { hardState: hard } : {}),
      entries,
      ...(snapshot !== null ? { snapshot } : {}),
      committedEntries,
      messages: r.msgs,
      readStates: r.readStates,
      mustSync,
    };
    r.msgs = [];
    r.readStates = [];
    this.outstandingDurableFirst =
      snapshot !== null || hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote;
    if (hardChanged) this.prevHard = hard;
    if (softChanged) this.prevSoft = soft;
    this.outstanding = rd;
    return rd;
  }

  /**
   * A leader's appends, commit-index updates and read heartbeats batched since the last Ready, to
   * send now, while that Ready is still being persisted, instead of with the next one. A leader's
   * messages depend on nothing unpersisted but its own new entries, which it counts only once
   * `advance` reports them durable (thesis 10.2.1) — so a new commit index (durable on a majority)
   * can reach the followers while the leader's own write is still in progress. Empty on any other
   * role, and while the outstanding Ready changes term, vote or snapshot (those must be durable
   * before anything leaves). The messages are not repeated in the next Ready.
   */
  leaderMessagesNow(): Message[] {
    const r = this.raft;
    if (r.role !== 'leader' || (this.outstanding !== null && this.outstandingDurableFirst)) return [];
    r.flush();
    const out = r.msgs;
    r.msgs = [];
    return out;
  }

  /** The driver persisted, sent and applied `rd`. */
  advance(rd: Ready): void {
    if (rd !== this.outstanding)
      throw new RaftUsageError('advance() needs the Ready returned by the last ready()');
    this.outstanding = null;
    const r = this.raft;
    if (rd.snapshot !== undefined) {
      r.log.snapshotPersisted(rd.snapshot);
      r.log.applied = Math.max(r.log.applied, rd.snapshot.index);
    }
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) r.log.stableTo(last.index, last.term);
    let bytes = 0;
    for (const e of rd.committedEntries) {
      if (e.index <= r.log.applied) continue;
      r.log.applied = e.index;
      bytes += entryBytes(e);
      if (e.type === 'config') r.applyConfEntry(e);
    }
    r.committedBytesApplied(bytes);
    r.onStable();
  }

  /** Current role, term, leader, commit and applied index, without allocating a full status. */
  get role(): Status['role'] {
    return this.raft.role;
  }

  get term(): number {
    return this.raft.term;
  }

  get leader(): string | null {
    return this.raft.lead;
  }

  get commitIndex(): number {
    return this.raft.log.committed;
  }

  get appliedIndex(): number {
    return this.raft.log.applied;
  }

  status(): Status {
    const r = this.raft;
    let progress: Record<string, ProgressStatus> | null = null;
    if (r.role === 'leader') {
      progress = {};
      for (const [id, pr] of r.progress) {
        progress[id] = { match: pr.match, next: pr.next, state: pr.state, learner: pr.learner };
      }
    }
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      leader: r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      config: r.conf,
      leadTransferee: r.leadTransferee,
      progress,
    };
  }

  /** Term of the in-memory entry at `index`, or undefined if compacted or absent. */
  termAt(index: number): number | undefined {
    return this.raft.log.term(index);
  }

  /** In-memory entries in [lo, hi); `lo` must be >= firstIndex(). */
  entries(lo: number, hi: number): Entry[] {
    if (hi <= lo) return [];
    return this.raft.log.slice(lo, hi);
  }

  firstIndex(): number {
    return this.raft.log.firstIndex();
  }

  lastIndex(): number {
    return this.raft.log.lastIndex();
  }

  /** The newest snapshot held in memory (local or received), or null. */
  snapshot(): Snapshot | null {
    return this.raft.log.snapshot;
  }

  private softState(): SoftState {
    return { leader: this.raft.lead, role: this.raft.role };
  }

  private hardState(): HardState {
    return { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed };
  }
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
