/**
 * The Raft state machine of one member (Ongaro's thesis, with etcd-io/raft's production
 * extensions): elections with pre-vote and check-quorum, pipelined log replication with flow
 * control, snapshots, single-server membership changes, leadership transfer and ReadIndex reads.
 *
 * It is synchronous and deterministic: inputs are `tick()`, `step(message)` and the local
 * requests; outputs accumulate in `msgs`, `readStates` and the log's unstable part, and are
 * collected by `RawNode.ready()`. It never reads a clock, a random source other than the injected
 * `rng`, or any I/O.
 *
 * Example: use {@link RawNode}; this class is its engine.
 *
 * When not to use: directly from applications. `RawNode` adds the Ready/advance protocol that
 * makes persistence ordering safe.
 */
import {
  applyConfChange,
  decodeConfEntry,
  encodeConfEntry,
  isMember,
  isVoter,
  quorumSize,
} from './conf-change.ts';
import type { RaftConfig } from './config.ts';
import { RaftInvariantError, RaftUsageError } from './errors.ts';
import { entryWireBytes, RaftLog } from './log.ts';
import { Progress } from './progress.ts';
import { ReadOnly, type ReadRequest } from './read-only.ts';
import type {
  AppendMessage,
  AppendResponse,
  ConfChange,
  ConfState,
  Entry,
  HeartbeatResponse,
  InitialState,
  Message,
  ProposeResult,
  ReadIndexResult,
  ReadState,
  Role,
  Snapshot,
  SnapshotMessage,
  TransferResult,
  VoteMessage,
} from './types.ts';

const EMPTY = new Uint8Array(0);

type Outgoing = Message extends infer M ? (M extends Message ? Omit<M, 'from'> : never) : never;

export class Raft {
  readonly id: string;
  readonly cfg: RaftConfig;
  term = 0;
  vote: string | null = null;
  lead: string | null = null;
  role: Role = 'follower';
  readonly log: RaftLog;
  conf: ConfState;
  /** Applied configurations by log index, oldest first; the first is the one at the log start. */
  private confHistory: { index: number; conf: ConfState }[];
  readonly progress = new Map<string, Progress>();
  private readonly votes = new Map<string, boolean>();
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout: number;
  leadTransferee: string | null = null;
  /** Index of the newest config entry the leader proposed; a new one waits until it is applied. */
  private pendingConfIndex = 0;
  private uncommittedBytes = 0;
  private readonly readOnly = new ReadOnly();
  /** ReadIndex requests that arrived before the leader committed an entry of its term. */
  private pendingReads: ReadRequest[] = [];
  /** Proposals appended since the last flush, to batch into one append per follower. */
  private needAppend = false;
  /** The commit index advanced since the last flush: tell followers even without new entries. */
  private needCommitBcast = false;
  /** A ReadIndex request is waiting for a heartbeat round. */
  private needReadHeartbeat = false;

  constructor(cfg: RaftConfig, initial: InitialState) {
    this.id = cfg.id;
    this.cfg = cfg;
    const { hardState, snapshot } = initial;
    this.log = RaftLog.restore(snapshot, initial.entries, hardState.commit);
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.conf = snapshot?.config ?? { voters: [], learners: [] };
    this.confHistory = [{ index: snapshot?.index ?? 0, conf: this.conf }];
    // Committed configurations are known to hold; take them now so a restarted member does not
    // act on an older membership while it re-applies its log.
    for (let i = this.log.firstIndex(); i <= this.log.committed; i++) {
      const e = this.log.entryAt(i)!;
      if (e.type === 'config') this.recordConf(e.index, decodeConfEntry(e.data).config);
    }
    this.randomizedElectionTimeout = this.randomTimeout();
  }

  /** Writes the initial configuration as entry 1 on a member that has never run. */
  bootstrap(voters: readonly string[]): void {
    if (this.term !== 0 || this.log.lastIndex() !== 0 || this.log.snapshot !== null) {
      throw new RaftUsageError('bootstrap needs an empty node (no term, log or snapshot)');
    }
    if (voters.length === 0 || new Set(voters).size !== voters.length) {
      throw new RaftUsageError('bootstrap needs a non-empty list of distinct voters');
    }
    const conf: ConfState = { voters: [...voters], learners: [] };
    this.term = 1;
    this.log.append([{ index: 1, term: 1, type: 'config', data: encodeConfEntry(null, conf) }]);
    this.log.commitTo(1);
    this.recordConf(1, conf);
  }

  // ---- local inputs ------------------------------------------------------------------------

  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  propose(data: Uint8Array): ProposeResult {
    const refused = this.refuseProposal();
    if (refused !== null) return refused;
    const bytes = data.byteLength;
    if (
      bytes > 0 &&
      this.uncommittedBytes > 0 &&
      this.uncommittedBytes + bytes > this.cfg.maxUncommittedBytes
    ) {
      return { ok: false, reason: 'overloaded', leader: this.id };
    }
    const index = this.appendEntry('normal', data);
    this.uncommittedBytes += bytes;
    return { ok: true, index, term: this.term };
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    const refused = this.refuseProposal();
    if (refused !== null) return refused;
    if (this.pendingConfIndex > this.log.applied) {
      return { ok: false, reason: 'conf-change-pending', leader: this.id };
    }
    const next = applyConfChange(this.conf, change);
    if (typeof next === 'string') return { ok: false, reason: 'invalid-conf-change', leader: this.id };
    const index = this.appendEntry('config', encodeConfEntry(change, next));
    this.pendingConfIndex = index;
    return { ok: true, index, term: this.term };
  }

  readIndex(ctx: string): ReadIndexResult {
    if (this.role === 'leader') {
      this.handleReadRequest({ index: 0, ctx, from: this.id });
      return { ok: true };
    }
    if (this.lead === null) return { ok: false, reason: 'no-leader', leader: null };
    this.send({ type: 'read-index', to: this.lead, term: 0, ctx });
    return { ok: true };
  }

  transferLeadership(to: string): TransferResult {
    if (this.role === 'leader') return this.handleTransfer(to);
    if (this.lead === null) return { ok: false, reason: 'no-leader', leader: null };
    if (!isVoter(this.conf, to)) return { ok: false, reason: 'not-voter', leader: this.lead };
    if (to === this.lead) return { ok: false, reason: 'already-leader', leader: this.lead };
    this.send({ type: 'transfer-leader', to: this.lead, term: 0, transferee: to });
    return { ok: true };
  }

  /** The driver lost its connection to `peer`. */
  reportUnreachable(peer: string): void {
    if (this.role === 'leader') {
      const pr = this.progress.get(peer);
      if (pr !== undefined && pr.state === 'replicate') pr.becomeProbe();
      return;
    }
    if (this.role === 'follower' && peer === this.lead && this.cfg.campaignOnLeaderLoss) {
      this.lead = null;
      this.hup();
    }
  }

  /** The driver knows whether a snapshot it sent to `peer` arrived. */
  reportSnapshot(peer: string, status: 'finished' | 'failed'): void {
    const pr = this.progress.get(peer);
    if (this.role !== 'leader' || pr === undefined || pr.state !== 'snapshot') return;
    if (status === 'failed') pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the next heartbeat answer before probing, as after any probe.
    pr.probeSent = true;
  }

  /** Starts an election now (pre-vote first when enabled). */
  campaignNow(): void {
    this.hup();
  }

  /** Records a snapshot taken by the application at `index` and compacts the in-memory log. */
  compact(index: number, data: Uint8Array): Snapshot {
    if (index > this.log.applied) {
      throw new RaftUsageError(`cannot snapshot at ${index}: only ${this.log.applied} applied`);
    }
    const current = this.log.snapshot;
    if (current !== null && index <= current.index) return current;
    const term = this.log.term(index);
    if (term === undefined) throw new RaftUsageError(`cannot snapshot at ${index}: entry is compacted`);
    const snap: Snapshot = { index, term, config: this.confAt(index), data };
    this.log.compact(snap, index - this.cfg.compactionTrailingEntries);
    const keepFrom = this.confHistory.findLastIndex((h) => h.index <= this.log.firstIndex() - 1);
    if (keepFrom > 0) this.confHistory = this.confHistory.slice(keepFrom);
    return snap;
  }

  // ---- persistence callbacks (from RawNode.advance) ----------------------------------------

  /** Entries up to the log's stable index are durable: the leader may count itself. */
  onStable(): void {
    if (this.role !== 'leader') return;
    const self = this.progress.get(this.id);
    if (self !== undefined && self.maybeUpdate(this.log.stableIndex)) this.maybeCommit();
  }

  /** A committed config entry has been applied by the driver. */
  applyConfEntry(e: Entry): void {
    const last = this.confHistory[this.confHistory.length - 1]!;
    if (e.index <= last.index) return;
    this.recordConf(e.index, decodeConfEntry(e.data).config);
    if (this.role !== 'leader') return;
    for (const id of [...this.conf.voters, ...this.conf.learners]) {
      const learner = !isVoter(this.conf, id);
      const pr = this.progress.get(id);
      if (pr === undefined) {
        const fresh = new Progress(this.log.lastIndex() + 1, learner);
        // A new member gets one election timeout to answer before check-quorum counts it.
        fresh.recentActive = true;
        this.progress.set(id, fresh);
        if (id !== this.id) this.needAppend = true;
      } else {
        pr.learner = learner;
      }
    }
    for (const id of [...this.progress.keys()]) {
      if (!isMember(this.conf, id)) {
        this.progress.delete(id);
        if (this.leadTransferee === id) this.leadTransferee = null;
      }
    }
    if (!isVoter(this.conf, this.id)) {
      // Removed (or demoted) leaders step down; the remaining voters elect a successor.
      this.becomeFollower(this.term, null);
      return;
    }
    this.maybeCommit();
    this.releaseReads();
  }

  committedBytesApplied(bytes: number): void {
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - bytes);
  }

  /** Sends the appends, commit updates and read heartbeats batched since the last call. */
  flush(): void {
    if (this.role !== 'leader') {
      this.needAppend = this.needCommitBcast = this.needReadHeartbeat = false;
      return;
    }
    if (this.needAppend || this.needCommitBcast) {
      const sendEmpty = this.needCommitBcast;
      this.needAppend = this.needCommitBcast = false;
      for (const id of this.progress.keys()) {
        if (id === this.id) continue;
        this.sendAppends(id, sendEmpty);
      }
    }
    if (this.needReadHeartbeat) {
      this.needReadHeartbeat = false;
      this.bcastHeartbeat();
    }
  }

  hasPendingFlush(): boolean {
    return this.role === 'leader' && (this.needAppend || this.needCommitBcast || this.needReadHeartbeat);
  }

  // ---- messages ----------------------------------------------------------------------------

  step(m: Message): void {
    if (m.to !== this.id) throw new RaftUsageError(`message for ${m.to} stepped into ${this.id}`);
    if (m.term === 0) {
      // Forwarded requests carry no term; only a leader acts on them.
    } else if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre-vote') {
        const inLease =
          this.cfg.checkQuorum && this.lead !== null && this.electionElapsed < this.cfg.electionTick;
        // Within the lease we heard from a live leader: ignore would-be disruptors.
        if (!m.force && inLease) return;
      }
      if (m.type === 'pre-vote') {
        // Never change term for a pre-vote.
      } else if (m.type === 'pre-vote-resp' && !m.reject) {
        // Granted pre-votes carry the term we would campaign at; not a newer leader.
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'app' || m.type === 'heartbeat')) {
        // A stale leader (e.g. back from a partition) learns our term and steps down.
        this.send({
          type: 'app-resp',
          to: m.from,
          term: this.term,
          index: 0,
          reject: false,
          hintIndex: 0,
          hintTerm: 0,
        });
      } else if (m.type === 'pre-vote') {
        this.send({ type: 'pre-vote-resp', to: m.from, term: this.term, reject: true });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'pre-vote') {
      this.handleVote(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        return;
      case 'candidate':
      case 'pre-candidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        this.stepFollower(m);
        return;
    }
  }

  private handleVote(m: VoteMessage): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.lead === null) ||
      (m.type === 'pre-vote' && m.term > this.term);
    const respType = m.type === 'vote' ? 'vote-resp' : 'pre-vote-resp';
    // Two members that lost the leader at the same moment (their connections dropped together)
    // would pre-vote for each other and then split the real vote. Between pre-candidates with
    // equally up-to-date logs the lower id goes first; the other grants it the real vote.
    const goFirst =
      m.type === 'pre-vote' &&
      this.role === 'pre-candidate' &&
      m.lastTerm === this.log.lastTerm() &&
      m.lastIndex === this.log.lastIndex() &&
      m.from > this.id;
    if (canVote && !goFirst && this.log.isUpToDate(m.lastIndex, m.lastTerm)) {
      this.send({ type: respType, to: m.from, term: m.term, reject: false });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      } else if (this.role === 'pre-candidate') {
        // We back another pre-candidate: stand aside rather than compete for the real vote. If
        // it fails, our own election timeout starts us again.
        this.becomeFollower(this.term, null);
      }
    } else {
      this.send({ type: respType, to: m.from, term: this.term, reject: true });
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'app-resp':
        this.handleAppendResponse(m);
        return;
      case 'heartbeat-resp':
        this.handleHeartbeatResponse(m);
        return;
      case 'read-index':
        this.handleReadRequest({ index: 0, ctx: m.ctx, from: m.from });
        return;
      case 'transfer-leader':
        this.handleTransfer(m.transferee);
        return;
      case 'app':
      case 'heartbeat':
      case 'snap':
      case 'vote':
      case 'pre-vote':
      case 'vote-resp':
      case 'pre-vote-resp':
      case 'timeout-now':
      case 'read-index-resp':
        return;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'app':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m.commit, m.from, m.readSeq);
        return;
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case 'vote-resp':
      case 'pre-vote-resp': {
        const mine = this.role === 'pre-candidate' ? 'pre-vote-resp' : 'vote-resp';
        if (m.type !== mine) return;
        const result = this.poll(m.from, !m.reject);
        if (result === 'won') {
          if (this.role === 'pre-candidate') this.campaign('election', false);
          else this.becomeLeader();
        } else if (result === 'lost') {
          this.becomeFollower(this.term, null);
        }
        return;
      }
      case 'app-resp':
      case 'heartbeat-resp':
      case 'vote':
      case 'pre-vote':
      case 'timeout-now':
      case 'transfer-leader':
      case 'read-index':
      case 'read-index-resp':
        return;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'app':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m.commit, m.from, m.readSeq);
        return;
      case 'snap':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'timeout-now':
        // Leadership transfer: campaign at once, without pre-vote, past the leader lease.
        if (this.promotable() && !this.hasUnappliedConfChange()) this.campaign('election', true);
        return;
      case 'transfer-leader':
        if (this.lead !== null)
          this.send({ type: 'transfer-leader', to: this.lead, term: 0, transferee: m.transferee });
        return;
      case 'read-index-resp':
        this.readStates.push({ index: m.index, ctx: m.ctx });
        return;
      case 'read-index':
      case 'app-resp':
      case 'heartbeat-resp':
      case 'vote':
      case 'pre-vote':
      case 'vote-resp':
      case 'pre-vote-resp':
        return;
    }
  }

  // ---- follower handlers -------------------------------------------------------------------

  private handleAppend(m: AppendMessage): void {
    if (m.prevIndex < this.log.committed) {
      this.replyAppend(m.from, this.log.committed);
      return;
    }
    const lastNew = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
    if (lastNew !== null) {
      this.replyAppend(m.from, lastNew);
      return;
    }
    const guess = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex()), m.prevTerm);
    this.send({
      type: 'app-resp',
      to: m.from,
      term: this.term,
      index: m.prevIndex,
      reject: true,
      hintIndex: guess,
      hintTerm: this.log.term(guess) ?? 0,
    });
  }

  private replyAppend(to: string, index: number): void {
    this.send({ type: 'app-resp', to, term: this.term, index, reject: false, hintIndex: 0, hintTerm: 0 });
  }

  private handleHeartbeat(commit: number, from: string, readSeq: number): void {
    // The leader sends min(match, commit): entries up to there match its log and are ours.
    this.log.commitTo(commit);
    this.send({ type: 'heartbeat-resp', to: from, term: this.term, readSeq });
  }

  private handleSnapshot(m: SnapshotMessage): void {
    const snap = m.snapshot;
    if (snap.index <= this.log.committed) {
      this.replyAppend(m.from, this.log.committed);
      return;
    }
    if (this.log.restoreSnapshot(snap) === 'restored') {
      this.conf = snap.config;
      this.confHistory = [{ index: snap.index, conf: snap.config }];
    }
    this.replyAppend(m.from, this.log.committed);
  }

  // ---- leader handlers ---------------------------------------------------------------------

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    if (m.reject) {
      let next = m.hintIndex;
      if (m.hintTerm > 0) next = this.log.findConflictByTerm(m.hintIndex, m.hintTerm);
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppends(m.from, false);
      }
      return;
    }
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === 'probe') {
        pr.becomeReplicate();
      } else if (pr.state === 'snapshot' && pr.match >= this.log.firstIndex() - 1) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === 'replicate') {
        pr.inflights.freeLE(m.index);
      }
      this.maybeCommit();
      this.sendAppends(m.from, false);
      if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index);
    }
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === 'replicate' && pr.isPaused(this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes)) {
      // The window is full: if every append in it was lost nothing would ever free it. An empty
      // append gets an answer either way (success frees the window, a reject resets to probe).
      this.sendEmptyAppend(m.from, pr);
    } else if (pr.match < this.log.lastIndex() || pr.state === 'probe') {
      // Also probe a caught-up follower in the probe state so it returns to replicate.
      this.sendAppends(m.from, true);
    }
    if (m.readSeq > 0) {
      this.readOnly.ack(m.from, m.readSeq);
      this.releaseReads();
    }
  }

  private handleReadRequest(req: ReadRequest): void {
    if (this.conf.voters.length === 1 && isVoter(this.conf, this.id)) {
      this.answerRead({ ...req, index: this.log.committed });
      return;
    }
    if (this.log.term(this.log.committed) !== this.term) {
      // Thesis 6.4: the commit index is only known to be current once an entry of this term
      // committed; park the read until the leader's no-op commits.
      this.pendingReads.push(req);
      return;
    }
    this.readOnly.add({ ...req, index: this.log.committed }, this.id);
    this.needReadHeartbeat = true;
  }

  private releaseReads(): void {
    const q = quorumSize(this.conf);
    const released = this.readOnly.release((acks) => {
      let n = 0;
      for (const id of acks) if (isVoter(this.conf, id)) n++;
      return n >= q;
    });
    for (const req of released) this.answerRead(req);
  }

  private answerRead(req: ReadRequest): void {
    if (req.from === this.id) this.readStates.push({ index: req.index, ctx: req.ctx });
    else
      this.send({ type: 'read-index-resp', to: req.from, term: this.term, ctx: req.ctx, index: req.index });
  }

  private handleTransfer(to: string): TransferResult {
    if (to === this.id) return { ok: false, reason: 'already-leader', leader: this.id };
    if (!isVoter(this.conf, to) || !this.progress.has(to))
      return { ok: false, reason: 'not-voter', leader: this.id };
    if (this.leadTransferee === to) return { ok: true };
    this.leadTransferee = to;
    // The transfer is abandoned if it has not finished within one election timeout.
    this.electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppends(to, false);
    return { ok: true };
  }

  private sendTimeoutNow(to: string): void {
    this.send({ type: 'timeout-now', to, term: this.term });
  }

  // ---- replication -------------------------------------------------------------------------

  /** Sends appends to `to` while its flow control allows and there is something to send. */
  private sendAppends(to: string, sendIfEmpty: boolean): void {
    let empty = sendIfEmpty;
    while (this.sendAppend(to, empty)) {
      empty = false;
      const pr = this.progress.get(to);
      if (pr === undefined || pr.state !== 'replicate' || pr.next > this.log.lastIndex()) return;
    }
  }

  private sendAppend(to: string, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || pr.isPaused(this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes)) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      this.sendSnapshot(to, pr);
      return false;
    }
    const entries =
      pr.next <= this.log.lastIndex()
        ? this.log.slice(pr.next, this.log.lastIndex() + 1, this.cfg.maxSizePerMsg)
        : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    let bytes = 0;
    for (const e of entries) bytes += entryWireBytes(e);
    this.send({ type: 'app', to, term: this.term, prevIndex, prevTerm, entries, commit: this.log.committed });
    pr.sentEntries(entries.length, prevIndex + entries.length, bytes);
    return true;
  }

  private sendEmptyAppend(to: string, pr: Progress): void {
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      // What was in flight has been compacted away meanwhile: start over with a snapshot.
      pr.becomeProbe();
      this.sendAppends(to, false);
      return;
    }
    this.send({
      type: 'app',
      to,
      term: this.term,
      prevIndex,
      prevTerm,
      entries: [],
      commit: this.log.committed,
    });
  }

  private sendSnapshot(to: string, pr: Progress): void {
    // A snapshot can be large: send it only to members that answered recently.
    if (!pr.recentActive) return;
    const snap = this.log.snapshot;
    if (snap === null) throw new RaftInvariantError(`log of ${this.id} is compacted but holds no snapshot`);
    this.send({ type: 'snap', to, term: this.term, snapshot: snap });
    pr.becomeSnapshot(snap.index);
  }

  private bcastHeartbeat(): void {
    const readSeq = this.readOnly.lastSeq();
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      this.send({
        type: 'heartbeat',
        to: id,
        term: this.term,
        commit: Math.min(pr.match, this.log.committed),
        readSeq,
      });
    }
  }

  private maybeCommit(): void {
    const matches: number[] = [];
    for (const v of this.conf.voters) matches.push(this.progress.get(v)?.match ?? 0);
    if (matches.length === 0) return;
    matches.sort((a, b) => b - a);
    const candidate = matches[quorumSize(this.conf) - 1]!;
    if (!this.log.maybeCommit(candidate, this.term)) return;
    this.needCommitBcast = true;
    if (this.pendingReads.length > 0 && this.log.term(this.log.committed) === this.term) {
      const reads = this.pendingReads;
      this.pendingReads = [];
      for (const r of reads) this.handleReadRequest(r);
    }
  }

  private appendEntry(type: Entry['type'], data: Uint8Array): number {
    const index = this.log.lastIndex() + 1;
    this.log.append([{ index, term: this.term, type, data }]);
    this.needAppend = true;
    return index;
  }

  private refuseProposal(): ProposeResult | null {
    if (this.role !== 'leader') {
      return { ok: false, reason: this.lead === null ? 'no-leader' : 'not-leader', leader: this.lead };
    }
    if (this.leadTransferee !== null) return { ok: false, reason: 'transferring', leader: this.id };
    return null;
  }

  // ---- elections ---------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup();
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, null);
        return;
      }
      this.leadTransferee = null;
    }
    for (const pr of this.progress.values()) {
      if (pr.state === 'snapshot' && ++pr.snapshotElapsed >= this.cfg.snapshotTimeoutTicks) pr.becomeProbe();
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  /** Check-quorum: did a quorum of voters talk to us during the last election timeout? */
  private quorumActive(): boolean {
    let active = 0;
    for (const v of this.conf.voters) {
      const pr = this.progress.get(v);
      if (v === this.id || pr?.recentActive === true) active++;
    }
    for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = false;
    return active >= quorumSize(this.conf);
  }

  private promotable(): boolean {
    return isVoter(this.conf, this.id);
  }

  private hasUnappliedConfChange(): boolean {
    for (let i = this.log.applied + 1; i <= this.log.committed; i++) {
      if (this.log.entryAt(i)?.type === 'config') return true;
    }
    return false;
  }

  private hup(): void {
    if (this.role === 'leader' || !this.promotable()) return;
    // A committed but unapplied membership change could make us count votes with an old config.
    if (this.hasUnappliedConfChange()) return;
    this.campaign(this.cfg.preVote ? 'pre-vote' : 'election', false);
  }

  private campaign(kind: 'pre-vote' | 'election', force: boolean): void {
    if (!this.promotable()) return;
    let term: number;
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      if (kind === 'pre-vote') this.campaign('election', false);
      else this.becomeLeader();
      return;
    }
    const type = kind === 'pre-vote' ? 'pre-vote' : 'vote';
    for (const v of this.conf.voters) {
      if (v === this.id) continue;
      this.send({ type, to: v, term, lastIndex: this.log.lastIndex(), lastTerm: this.log.lastTerm(), force });
    }
  }

  private poll(from: string, granted: boolean): 'won' | 'lost' | 'pending' {
    // A grant counts even after a refusal from the same peer: the refusal may answer an older
    // request of ours (a replayed one, or one from an earlier pre-vote round at this term), and a
    // grant is a peer's considered answer (for a real vote, its one vote of the term, so counting it
    // is always safe). A refusal never overrides a grant.
    if (granted) this.votes.set(from, true);
    else if (!this.votes.has(from)) this.votes.set(from, false);
    let yes = 0;
    let no = 0;
    for (const v of this.conf.voters) {
      const vote = this.votes.get(v);
      if (vote === true) yes++;
      else if (vote === false) no++;
    }
    const q = quorumSize(this.conf);
    if (yes >= q) return 'won';
    if (no > this.conf.voters.length - q) return 'lost';
    return 'pending';
  }

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.randomTimeout();
    this.leadTransferee = null;
    this.votes.clear();
    this.progress.clear();
    this.readOnly.reset();
    this.pendingReads = [];
    this.needAppend = this.needCommitBcast = this.needReadHeartbeat = false;
  }

  becomeFollower(term: number, lead: string | null): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    // Pre-vote keeps the term and vote: it only asks whether an election could be won.
    this.votes.clear();
    this.lead = null;
    this.role = 'pre-candidate';
    this.electionElapsed = 0;
    this.randomizedElectionTimeout = this.randomTimeout();
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    const next = this.log.lastIndex() + 1;
    for (const id of [...this.conf.voters, ...this.conf.learners]) {
      this.progress.set(id, new Progress(next, !isVoter(this.conf, id)));
    }
    const self = this.progress.get(this.id)!;
    self.match = this.log.stableIndex;
    self.becomeReplicate();
    self.recentActive = true;
    // Config entries already in the log may not be applied yet: no new change until they are.
    this.pendingConfIndex = this.log.lastIndex();
    // The no-op lets the leader commit (and learn the commit index) in its own term.
    this.appendEntry('normal', EMPTY);
  }

  private randomTimeout(): number {
    const r = this.cfg.rng();
    return this.cfg.electionTick + Math.floor(Math.min(Math.max(r, 0), 0.999999) * this.cfg.electionTick);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private send(m: Outgoing): void {
    this.msgs.push({ ...m, from: this.id } as Message);
  }

  private recordConf(index: number, conf: ConfState): void {
    this.conf = conf;
    this.confHistory.push({ index, conf });
  }

  /** Membership in effect after applying the entry at `index`. */
  private confAt(index: number): ConfState {
    for (let i = this.confHistory.length - 1; i >= 0; i--) {
      const h = this.confHistory[i]!;
      if (h.index <= index) return h.conf;
    }
    return this.confHistory[0]!.conf;
  }
}
