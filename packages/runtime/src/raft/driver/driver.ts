/**
 * The Raft driver: runs one member of a Raft group on a cluster node. It owns the I/O the pure
 * core (`RawNode`) leaves out — timers, the log on disk, the mesh — and feeds committed entries to
 * a deterministic state machine (the table machine in practice).
 *
 * Example:
 * ```ts
 * const driver = await RaftDriver.start({
 *   node, voters: [a.name, b.name, c.name], machine: new TableMachine(), dataDir: '/var/lib/gotham/raft',
 * });
 * const result = await driver.submit(encodeCommand(cmd)); // committed and applied
 * await driver.linearizableRead();                        // then read the machine
 * await driver.close();
 * ```
 *
 * API: `RaftDriver.start(options)`, `submit(data, timeoutMs?)`, `linearizableRead(timeoutMs?)`,
 * `addMember(name)`, `promote(name)`, `removeMember(name)`, `transferLeadership(to)`, `role()`,
 * `leader()`, `writable()`, `status()`, `close()`. Hooks `onApplied` and `onRestore` observe the
 * state machine.
 *
 * The Ready loop (one Ready at a time): persist entries, snapshot and term/vote with one group
 * commit (one `O_DSYNC` write: by default synchronous while leading and on the thread pool while
 * following, `logWrites`), send the messages once that is durable, apply, then `advance`.
 * Refinements: a leader sends its appends before its own write (thesis 10.2.1; it counts itself
 * only after the write); committed entries — durable on a majority already — are applied and
 * answered while this member's own write is in flight, and as soon as a message moves the commit
 * index (`applyEarly`), not one Ready later; a Ready that changes only the commit index is not
 * written at all (a restarted member re-learns it from the leader). So a write costs one disk flush
 * per member on its path, as in etcd. A follower given entries writes them in the same turn; a
 * leader sends a new commit index at the end of the turn, after the answers, with whatever the
 * answers made the clients propose (see `onRaft`) — unless the message committed its whole log,
 * when the commit index leaves before the answers (`commitFirst`).
 *
 * Bootstrap is idempotent: a member whose storage is empty and whose name is in `voters`
 * bootstraps with that list (sorted, so every founder writes the same entry 1); a member with
 * state on disk restarts from it and ignores `voters`; a member not in `voters` starts empty and
 * waits to be added (`addMember` on any member, then `promote`). State on disk from another group
 * — neither this member nor any of `voters` is a member there, as when a node's address changed —
 * is refused with `ForeignRaftDataError` rather than left waiting for a quorum that cannot form.
 * With `voters` empty the founders are decided later (`bootstrap(voters)`, see
 * `raft/formation/`): the member starts empty, votes and takes a leader's log meanwhile; its
 * state on disk is foreign when its configuration names this node at another address (a member
 * removed from the group, and so absent from it, restarts and is added again).
 *
 * Failover: a closed connection to the leader makes followers campaign at once (and replay vote
 * requests they ignored while the leader seemed alive, `vote-replay.ts`); a silent leader is
 * replaced after an election timeout (`tickMs * electionTicks`, randomised up to twice that).
 *
 * Snapshots: the machine is snapshotted and the log compacted once the entries applied since the
 * last snapshot hold as many bytes as it or are as many as the records it held (at least
 * `snapshotMinEntries` of them), and in any case after `snapshotEntries` (`snapshot-policy.ts`); so
 * a restart replays little over a small state, and over a large one no more than loading a fresh
 * snapshot would cost, while the snapshots cost a few microseconds per entry written. A large
 * state is encoded in slices across turns of the event loop (`snapshotInSlicesFrom`), so the member
 * never stalls for it. Lagging members get the snapshot in chunks (`snapshot-transfer.ts`).
 *
 * When not to use: applications use the store built on it (`startRaftStore`); the driver is for
 * other replicated state machines.
 */
import type { Logger } from 'pino';
import pino from 'pino';
import type { ClusterNode, NodeDownReason } from '../../cluster/node.ts';
import { ClusterMessageType } from '../../cluster/message-types.ts';
import { isVoter } from '../core/conf-change.ts';
import { RawNode } from '../core/raw-node.ts';
import { snapshotDue } from './snapshot-policy.ts';
import type { ConfChange, ConfState, Entry, HardState, Message, Ready, Snapshot } from '../core/types.ts';
import { FileLogStorage } from '../storage/file-log-storage.ts';
import type { LogStorage } from '../storage/log-storage.ts';
import { MemoryLogStorage } from '../storage/memory-log-storage.ts';
import { decodeClientPayload } from './client-wire.ts';
import { CommandTooLargeError, DriverClosedError, ForeignRaftDataError } from './errors.ts';
import { IndexWaiters } from './index-waiters.ts';
import { attachMember } from './mesh.ts';
import { resolveDriverOptions, type ResolvedDriverOptions } from './options.ts';
import { proposeCommand, proposeMembership } from './proposals.ts';
import { QuorumWatch } from './quorum-watch.ts';
import { ReadBarrier } from './read-barrier.ts';
import { RequestRouter, type ProposeOutcome } from './requests.ts';
import { SnapshotReceiver, SnapshotSender } from './snapshot-transfer.ts';
import type { DriverStatus, MemberRole, RaftDriverOptions, RaftStateMachine } from './types.ts';
import { VoteReplay } from './vote-replay.ts';
import { decodeRaftPayload, encodeRaftMessage } from './wire.ts';
import { every, type Periodic } from '../../cluster/transport/ticker.ts';

const RESOLVED = Promise.resolve();

/** A snapshot captured at `index` and being encoded; `data` once done (null if it failed). */
interface SnapshotJob {
  readonly index: number;
  /** `bytesSinceSnapshot` at the capture: what was applied after it counts toward the next one. */
  readonly bytesAtCapture: number;
  readonly started: number;
  data: Uint8Array | null;
  settled: boolean;
}
/** Message types logged one line each (info): the whole story of an election. */
const ELECTION_MESSAGES: ReadonlySet<Message['type']> = new Set([
  'pre-vote',
  'pre-vote-resp',
  'vote',
  'vote-resp',
  'timeout-now',
]);
const CLOSED: ProposeOutcome = { ok: false, reason: 'closed', leader: null, message: 'member closed' };

export class RaftDriver<O extends { readonly result: unknown }> {
  readonly id: string;
  readonly options: ResolvedDriverOptions;
  private readonly node: ClusterNode;
  private readonly raw: RawNode;
  private readonly storage: LogStorage;
  private readonly machine: RaftStateMachine<O>;
  private readonly log: Logger;
  private readonly hooks: Pick<RaftDriverOptions<O>, 'onApplied' | 'onRestore' | 'onFatal'>;
  private readonly waiters = new IndexWaiters();
  private readonly router: RequestRouter;
  private readonly reads: ReadBarrier;
  private readonly sender: SnapshotSender;
  private readonly receiver = new SnapshotReceiver();
  /** A snapshot is due but the machine ran ahead of the core's applied index (`applyEarly`). */
  private snapshotDue = false;
  private readonly votes: VoteReplay;
  private readonly quorum: QuorumWatch;
  private conf: ConfState;
  private savedHs: HardState;
  private latestHs: HardState;
  private state: 'running' | 'closing' | 'closed' | 'failed' = 'running';
  private scheduled = false;
  private pumping: Promise<void> | null = null;
  private timer: Periodic | null = null;
  private detach: () => void = () => {};
  private prevLeader: string | null = null;
  private lastSnapshotIndex: number;
  /** The last snapshot's size, and the command bytes applied since (the snapshot policy's inputs). */
  private lastSnapshotBytes: number;
  /** Records held by the last snapshot (undefined when the machine does not count them). */
  private lastSnapshotRecords: number | undefined;
  /** A snapshot being encoded across turns (`snapshotLater`); the Ready loop installs it when done. */
  private snapshotJob: SnapshotJob | null = null;
  private bytesSinceSnapshot = 0;
  private bootCampaignDone = false;
  /** A config entry was applied or a snapshot restored in the last `advance`: refresh `conf`. */
  private confDirty = true;
  /** (index, term, result) triples applied by the current Ready, answered after `advance`. */
  private appliedBatch: unknown[] = [];
  /** A snapshot replaced entries up to here in the current Ready (0: none). */
  private skipTo = 0;
  /** Last entry applied to the machine; may run ahead of the core's applied index until `advance`. */
  private machineIndex: number;

  private constructor(
    options: RaftDriverOptions<O>,
    resolved: ResolvedDriverOptions,
    raw: RawNode,
    storage: LogStorage,
  ) {
    this.id = options.node.name;
    this.options = resolved;
    this.node = options.node;
    this.raw = raw;
    this.storage = storage;
    this.machine = options.machine;
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ raft: options.node.shortName });
    this.hooks = options;
    const status = raw.status();
    this.conf = status.config;
    this.savedHs = storage.hardState();
    this.latestHs = this.savedHs;
    this.lastSnapshotIndex = raw.snapshot()?.index ?? 0;
    this.lastSnapshotBytes = raw.snapshot()?.data.byteLength ?? 0;
    this.lastSnapshotRecords = options.machine.records?.();
    this.machineIndex = raw.appliedIndex;
    this.votes = new VoteReplay(resolved.electionTimeoutMs);
    this.quorum = new QuorumWatch(
      this.id,
      resolved.electionTimeoutMs,
      (peer) => this.node.isConnected(peer),
      performance.now(),
    );
    this.router = new RequestRouter({
      self: this.id,
      tickMs: resolved.tickMs,
      electionTimeoutMs: resolved.electionTimeoutMs,
      waiters: this.waiters,
      leader: () => this.raw.leader,
      isConnected: (peer) => this.node.isConnected(peer),
      propose: (data) => this.propose(data),
      proposeConf: (change) => this.proposeConf(change),
      sendClient: (peer, payload) => this.node.sendTo(peer, ClusterMessageType.RaftClient, payload),
      now: () => performance.now(),
      noQuorumForMs: () => this.noQuorumForMs(),
      noQuorumReason: () => this.noQuorumReason(),
    });
    this.reads = new ReadBarrier({
      electionTimeoutMs: resolved.electionTimeoutMs,
      now: () => performance.now(),
      readIndex: (ctx) => this.raw.readIndex(ctx).ok,
      applied: () => this.machineIndex,
      noQuorumForMs: () => this.noQuorumForMs(),
      noQuorumReason: () => this.noQuorumReason(),
    });
    this.sender = new SnapshotSender({
      chunkBytes: resolved.snapshotChunkBytes,
      window: resolved.snapshotWindow,
      send: (chunk) => this.node.sendTo(chunk.to, ClusterMessageType.Raft, chunk),
      now: () => performance.now(),
      stallMs: resolved.electionTimeoutMs,
      failed: (peer) => {
        this.raw.reportSnapshot(peer, 'failed');
        this.kick();
      },
    });
  }

  /** Opens (or creates) the member's storage, bootstraps if it is a new founder, and starts it. */
  static async start<O extends { readonly result: unknown }>(
    options: RaftDriverOptions<O>,
  ): Promise<RaftDriver<O>> {
    const resolved = resolveDriverOptions(options);
    const self = options.node.name;
    const voters = [...new Set(options.voters)].sort();
    const storage: LogStorage =
      options.dataDir === undefined
        ? new MemoryLogStorage()
        : await FileLogStorage.open(options.dataDir, {
            fsync: resolved.fsync,
            writes: resolved.logWrites === 'inline' ? 'inline' : 'threadpool',
          });
    const initial = storage.initialState();
    const empty = initial.hardState.term === 0 && initial.entries.length === 0 && initial.snapshot === null;
    const raw = new RawNode(
      {
        ...options.raft,
        id: self,
        rng: Math.random,
        electionTick: resolved.electionTicks,
        heartbeatTick: resolved.heartbeatTicks,
      },
      initial,
    );
    // The membership the stored state committed to (the core takes it in at construction).
    const stored = raw.status().config;
    const known = [...stored.voters, ...stored.learners];
    const short = (full: string): string => full.slice(0, full.indexOf('@'));
    if (
      stored.voters.length > 0 &&
      !known.includes(self) &&
      (voters.length > 0
        ? !stored.voters.some((v) => voters.includes(v))
        : // Founders decided later: the same name at another address is this node moved.
          known.some((v) => short(v) === short(self)))
    ) {
      await storage.close();
      throw new ForeignRaftDataError(options.dataDir ?? 'memory', self, stored.voters);
    }
    if (initial.snapshot !== null) options.machine.restore(initial.snapshot.data);
    if (empty && voters.includes(self)) raw.bootstrap(voters);
    const driver = new RaftDriver(options, resolved, raw, storage);
    driver.log.info(
      {
        bootstrapped: empty && voters.includes(self),
        restored: !empty,
        snapshot: initial.snapshot?.index ?? 0,
      },
      empty
        ? voters.includes(self)
          ? 'raft member bootstrapped'
          : 'raft member waiting to be added'
        : 'raft member restarted',
    );
    try {
      driver.detach = attachMember(options.node, {
        raft: (peer, payload) => driver.onRaft(peer, payload),
        client: (peer, payload) => driver.onClient(peer, payload),
        up: (peer) => driver.onUp(peer),
        down: (peer, reason) => driver.onDown(peer, reason),
      });
    } catch (err) {
      await storage.close();
      throw err;
    }
    driver.timer = every(resolved.tickMs, () => driver.onTick());
    driver.observe();
    driver.bootCampaign();
    driver.kick();
    return driver;
  }

  // ---- client API ------------------------------------------------------------------------------

  /** Proposes `data` and resolves with the machine's result once it is committed and applied. */
  submit(data: Uint8Array, timeoutMs = this.options.requestTimeoutMs): Promise<O['result']> {
    if (this.state !== 'running') return Promise.reject(this.closedError());
    if (data.byteLength > this.options.maxCommandBytes) {
      return Promise.reject(
        new CommandTooLargeError(
          `command of ${data.byteLength} bytes exceeds the limit of ${this.options.maxCommandBytes} bytes`,
        ),
      );
    }
    const p = this.router.submit(data, timeoutMs) as Promise<O['result']>;
    this.kick();
    return p;
  }

  /** Resolves once the local machine reflects every write acknowledged before this call. */
  linearizableRead(timeoutMs = this.options.requestTimeoutMs): Promise<void> {
    if (this.state !== 'running') return Promise.reject(this.closedError());
    const p = this.reads.wait(timeoutMs);
    this.kick();
    return p;
  }

  /**
   * Writes the founding configuration on a member that started with empty storage and no
   * `voters` (formation decided the founders later). False, and nothing written, once the member
   * has any state: a term, an entry or a snapshot, say from a leader that reached it first.
   */
  bootstrap(voters: readonly string[]): boolean {
    if (this.state !== 'running' || this.hasState()) return false;
    this.raw.bootstrap([...new Set(voters)].sort());
    this.confDirty = true;
    this.log.info({ voters }, 'raft member bootstrapped by formation');
    this.observe();
    this.bootCampaign();
    this.kick();
    return true;
  }

  /** Whether this member has any Raft state: a term, a log entry, a snapshot or a configuration. */
  hasState(): boolean {
    const s = this.raw.status();
    return s.term > 0 || s.lastIndex > 0 || s.config.voters.length > 0 || s.config.learners.length > 0;
  }

  /** Adds `name` as a learner (receives the log, does not vote). Idempotent. */
  addMember(name: string, timeoutMs = this.options.requestTimeoutMs): Promise<void> {
    return this.changeMembership({ type: 'add-learner', node: name }, timeoutMs);
  }

  /** Makes learner `name` a voter once it has caught up with the leader's log. Idempotent. */
  promote(name: string, timeoutMs = this.options.requestTimeoutMs): Promise<void> {
    return this.changeMembership({ type: 'promote', node: name }, timeoutMs);
  }

  /** Removes `name` from the group. Idempotent. A removed leader steps down. */
  removeMember(name: string, timeoutMs = this.options.requestTimeoutMs): Promise<void> {
    return this.changeMembership({ type: 'remove', node: name }, timeoutMs);
  }

  changeMembership(change: ConfChange, timeoutMs = this.options.requestTimeoutMs): Promise<void> {
    if (this.state !== 'running') return Promise.reject(this.closedError());
    const p = this.router.change(change, timeoutMs);
    this.kick();
    return p;
  }

  /** Asks the leader to hand leadership to voter `to`; false if that cannot start now. */
  transferLeadership(to: string): boolean {
    const r = this.raw.transferLeadership(to);
    this.kick();
    return r.ok;
  }

  leader(): string | null {
    return this.raw.leader;
  }

  role(): MemberRole {
    const role = this.raw.role;
    if (role === 'leader') return 'leader';
    if (!isVoter(this.conf, this.id)) return this.conf.learners.includes(this.id) ? 'learner' : 'none';
    return role === 'follower' ? 'follower' : 'candidate';
  }

  /**
   * Whether a write started now can commit soon: on the leader, a majority of voters answered
   * within an election timeout; elsewhere, a leader is known and was heard from within one.
   */
  writable(): boolean {
    return this.state === 'running' && this.quorum.writable(this.raw.leader, this.conf, performance.now());
  }

  /** Index of the last entry applied to the state machine (or of the snapshot it was restored from). */
  get appliedIndex(): number {
    return this.machineIndex;
  }

  status(): DriverStatus {
    const s = this.raw.status();
    let progress: Record<string, number> | null = null;
    if (s.progress !== null) {
      progress = {};
      for (const [id, p] of Object.entries(s.progress)) progress[id] = p.match;
    }
    return {
      id: this.id,
      role: this.role(),
      term: s.term,
      leader: s.leader,
      commit: s.commit,
      applied: s.applied,
      firstIndex: s.firstIndex,
      lastIndex: s.lastIndex,
      snapshotIndex: this.lastSnapshotIndex,
      voters: s.config.voters,
      learners: s.config.learners,
      writable: this.writable(),
      pendingWrites: this.router.size,
      pendingReads: this.reads.size,
      progress,
    };
  }

  /**
   * Stops the member: hands leadership to the most caught-up voter first (unless `transfer` is
   * false) so the others need not wait for an election, fails pending requests with
   * `DriverClosedError`, finishes the current write and closes the log.
   */
  async close(options: { transfer?: boolean } = {}): Promise<void> {
    if (this.state !== 'running') {
      while (this.pumping !== null) await this.pumping;
      return;
    }
    if ((options.transfer ?? true) && this.raw.role === 'leader') await this.handOff();
    this.state = 'closing';
    this.stopTimers();
    const err = new DriverClosedError('raft member closed');
    this.router.failAll(err);
    this.reads.failAll(err);
    // Members waiting on requests they forwarded here learn they were not answered and retry
    // with the next leader (client sessions keep that safe).
    this.waiters.skipTo(Number.MAX_SAFE_INTEGER);
    while (this.pumping !== null) await this.pumping;
    try {
      if (this.latestHs.commit !== this.savedHs.commit) await this.storage.save({ hardState: this.latestHs });
    } finally {
      await this.storage.close();
      this.state = 'closed';
    }
  }

  // ---- inputs --------------------------------------------------------------------------------

  private onTick(): void {
    if (this.state !== 'running') return;
    this.raw.tick();
    this.observe();
    this.router.tick();
    this.reads.tick();
    this.kick();
  }

  private onRaft(peer: string, payload: unknown): void {
    if (this.state !== 'running') return;
    this.quorum.heard(peer, performance.now());
    const m = decodeRaftPayload(peer, this.id, payload);
    if (typeof m === 'string') {
      this.log.debug({ peer, reason: m }, 'dropped raft message');
      return;
    }
    if (m.type === 'snap-chunk') {
      const r = this.receiver.receive(m);
      if (r === null) return;
      this.node.sendTo(peer, ClusterMessageType.Raft, r.ack);
      if (r.complete !== null) this.step(r.complete);
    } else if (m.type === 'snap-ack') {
      this.sender.ack(m);
      return;
    } else {
      const leader = this.raw.leader;
      // A vote request while our leader's connection is already gone: we lost it too, but may not
      // have seen the close yet. Forget it now so the lease does not make us ignore the request.
      if (ELECTION_MESSAGES.has(m.type)) this.logElection('received', m);
      if (m.type === 'pre-vote' || m.type === 'vote') {
        if (leader !== null && leader !== this.id && !this.node.isConnected(leader)) {
          this.raw.reportUnreachable(leader);
        }
        this.votes.record(peer, m, performance.now());
      }
      const commitBefore = this.raw.commitIndex;
      this.step(m);
      if (this.commitFirst(commitBefore)) this.sendCommitNow();
    }
    this.applyEarly();
    this.observe();
    // A follower given new entries takes the next Ready now, in this turn, when the loop is idle:
    // its write, and so the leader's commit, starts at once. Everything else waits for the end of
    // this turn (`kick`), including a leader's new commit index: the writers' answers leave
    // first (they are on the clients' critical path; the followers' change feeds are not), and
    // under load the proposals those answers trigger in this turn ride in the same appends as the
    // commit index, instead of an empty append to every follower (and its acknowledgement) per
    // commit. With nothing new to send, the followers get empty appends at the end of the turn.
    if (m.type === 'app' && m.entries.length > 0 && this.pumping === null) this.pumpNow();
    else this.kick();
  }

  /**
   * Whether a leader should tell the followers its new commit index before answering the writers:
   * when this message committed everything in its log. Nothing else is in flight then (a single
   * writer, a quiet moment), so the appends that carry it cost no extra message over the ones the
   * end of the turn would send, and a change feed on a follower fires as the writer learns of its
   * write instead of a wake-up later. Under load (entries still uncommitted) the commit index waits
   * for the end of the turn and rides with the new entries, as before.
   */
  private commitFirst(commitBefore: number): boolean {
    const commit = this.raw.commitIndex;
    return commit > commitBefore && commit === this.raw.lastIndex() && this.raw.role === 'leader';
  }

  /**
   * Sends the leader's new commit index now. The appends leave before the answers: they are handed
   * to the mesh synchronously, and the mesh writes them in a microtask queued ahead of the writers'
   * continuations. With no Ready in progress the next Ready is taken at once; while one is (the
   * leader's own write in flight) the core hands over its messages without waiting for it.
   */
  private sendCommitNow(): void {
    if (this.pumping === null) this.pumpNow();
    else this.sendAll(this.raw.leaderMessagesNow());
  }

  private onClient(peer: string, payload: unknown): void {
    if (this.state !== 'running') return;
    const p = decodeClientPayload(payload);
    if (p === null) {
      this.log.debug({ peer }, 'dropped malformed raft client message');
      return;
    }
    this.router.receive(peer, p);
    this.kick();
  }

  private onUp(_peer: string): void {
    if (this.state !== 'running') return;
    this.observe();
    this.bootCampaign();
    this.kick();
  }

  /**
   * A voter that just started campaigns as soon as a majority is connected instead of waiting
   * out a full election timeout; pre-vote keeps this from disturbing a live leader.
   */
  private bootCampaign(): void {
    if (this.bootCampaignDone || this.raw.leader !== null || !isVoter(this.conf, this.id)) return;
    if (!this.quorum.quorumVisible) return;
    this.raw.campaign();
    // Refused while the bootstrap configuration is not applied yet; the Ready loop asks again.
    this.bootCampaignDone = this.raw.role !== 'follower';
  }

  private onDown(peer: string, _reason: NodeDownReason): void {
    if (this.state !== 'running') return;
    const wasLeader = this.raw.leader === peer && peer !== this.id;
    this.raw.reportUnreachable(peer);
    if (wasLeader) for (const m of this.votes.take(peer, this.raw.term, performance.now())) this.step(m);
    this.sender.peerDown(peer);
    this.receiver.peerDown(peer);
    this.observe();
    this.router.onPeerDown(peer);
    this.kick();
  }

  private step(m: Message): void {
    try {
      this.raw.step(m);
    } catch (err) {
      this.fatal(err);
    }
  }

  private propose(data: Uint8Array): ProposeOutcome {
    if (this.state !== 'running') return CLOSED;
    this.kick();
    return proposeCommand(this.raw, data);
  }

  private proposeConf(change: ConfChange): ProposeOutcome {
    if (this.state !== 'running') return CLOSED;
    this.kick();
    return proposeMembership(this.raw, change);
  }

  // ---- the Ready loop ----------------------------------------------------------------------

  private kick(): void {
    if (this.scheduled || this.state === 'closed' || this.state === 'failed') return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pumpNow();
    });
  }

  private pumpNow(): void {
    if (this.pumping === null) this.pumping = this.pump().finally(() => (this.pumping = null));
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        if (this.state === 'closed' || this.state === 'failed') return;
        if (this.state === 'running') this.reads.issue();
        if (this.snapshotJob?.settled === true && this.state === 'running') {
          await this.installSnapshotJob();
          // What was applied while it was encoded may already make the next one due.
          await this.maybeSnapshot();
        }
        if (!this.raw.hasReady()) return;
        const rd = this.raw.ready();
        const deferred = await this.handleReady(rd);
        this.raw.advance(rd);
        // The core takes a new configuration in `advance`; read it only now.
        if (deferred) this.confDirty = true;
        this.observe();
        this.bootCampaign();
        if (deferred) {
          this.answerApplied();
          this.reads.applied(this.machineIndex);
        }
        await this.maybeSnapshot();
      }
    } catch (err) {
      this.fatal(err);
    }
  }

  /** Carries out one Ready up to `advance`; true when proposal answers must wait for it. */
  private async handleReady(rd: Ready): Promise<boolean> {
    const hs = rd.hardState;
    if (hs !== undefined) this.latestHs = hs;
    const termOrVote = hs !== undefined && (hs.term !== this.savedHs.term || hs.vote !== this.savedHs.vote);
    // Obligation: messages leave only after term, vote and earlier entries are durable. A leader's
    // appends may leave while its own copy is written (it counts itself only after `advance`).
    const early = !termOrVote && rd.snapshot === undefined && this.raw.role === 'leader';
    if (early) {
      this.sendAll(rd.messages);
      // The mesh hands queued frames to the socket in a microtask; let that run before an inline
      // log write holds this thread for the flush, so the followers start theirs meanwhile.
      await RESOLVED;
    }
    let deferred = false;
    if (rd.snapshot === undefined) {
      // Committed entries are durable on a majority already: apply them, and answer their
      // proposers and readers, while this member's own write is in progress. Membership changes
      // are answered after `advance`, once the core uses the new configuration.
      for (const e of rd.committedEntries) this.apply(e);
      deferred = rd.committedEntries.some((e) => e.type === 'config');
      for (const rs of rd.readStates) this.reads.answer(rs.ctx, rs.index);
      if (!deferred) {
        this.answerApplied();
        this.reads.applied(this.machineIndex);
      }
    }
    if (rd.entries.length > 0 || rd.snapshot !== undefined || termOrVote) {
      const hardState = this.latestHs;
      const inline = this.options.logWrites === 'leader-inline' ? this.raw.role === 'leader' : undefined;
      await this.storage.save({ entries: rd.entries, snapshot: rd.snapshot, hardState, inline });
      this.savedHs = hardState;
    }
    if (!early) this.sendAll(rd.messages);
    if (rd.snapshot !== undefined) {
      this.restore(rd.snapshot);
      for (const e of rd.committedEntries) this.apply(e);
      for (const rs of rd.readStates) this.reads.answer(rs.ctx, rs.index);
      deferred = true;
    }
    return deferred;
  }

  private sendAll(messages: readonly Message[]): void {
    for (const m of messages) {
      if (ELECTION_MESSAGES.has(m.type)) this.logElection('sent', m);
      try {
        if (m.type === 'snap') this.sender.start(m);
        else this.node.sendTo(m.to, ClusterMessageType.Raft, encodeRaftMessage(m));
      } catch (err) {
        // A message that cannot be encoded is lost like any other; Raft retries what matters.
        this.log.warn({ err, to: m.to, type: m.type }, 'raft message not sent');
      }
    }
  }

  /** Elections are rare and hard to reconstruct afterwards: each of their messages is one line. */
  private logElection(direction: 'sent' | 'received', m: Message): void {
    const reject = 'reject' in m ? m.reject : undefined;
    this.log.info(
      { type: m.type, from: m.from, to: m.to, term: m.term, ...(reject === undefined ? {} : { reject }) },
      `raft ${m.type} ${direction}`,
    );
  }

  private apply(e: Entry): void {
    // Already applied ahead of its Ready by `applyEarly`.
    if (e.index <= this.machineIndex) return;
    let result: unknown;
    if (e.type === 'normal' && e.data.byteLength > 0) {
      this.bytesSinceSnapshot += e.data.byteLength;
      const outcome = this.machine.apply(e.index, e.data);
      result = outcome.result;
      this.hooks.onApplied?.(e.index, outcome);
    }
    this.machineIndex = e.index;
    this.appliedBatch.push(e.index, e.term, result);
  }

  /**
   * Answers the proposals applied by the last Ready. Runs after `advance`, so whoever learns of
   * an applied membership change sees the core already using it.
   */
  private answerApplied(): void {
    if (this.skipTo > 0) {
      this.waiters.skipTo(this.skipTo);
      this.skipTo = 0;
    }
    const batch = this.appliedBatch;
    if (batch.length === 0) return;
    this.appliedBatch = [];
    for (let i = 0; i < batch.length; i += 3) {
      this.waiters.applied(batch[i] as number, batch[i + 1] as number, batch[i + 2]);
    }
  }

  private restore(snap: Snapshot): void {
    this.hooks.onRestore?.('before', snap.index);
    this.machine.restore(snap.data);
    this.machineIndex = snap.index;
    this.snapshotAt(snap);
    this.skipTo = snap.index;
    this.hooks.onRestore?.('after', snap.index);
  }

  /**
   * Applies entries as soon as the core knows them committed, without waiting for the Ready loop
   * (which may be waiting for this member's own disk write): committed entries are final, so the
   * proposer, readers and the change feed learn of them one write earlier. The next Ready hands
   * the same entries out again; `apply` skips them. Membership changes still wait for their Ready
   * (they are answered after `advance`), and so does everything while a snapshot is due or being
   * installed.
   */
  private applyEarly(): boolean {
    if (this.state !== 'running' || this.snapshotDue || this.appliedBatch.length > 0) return false;
    const commit = this.raw.commitIndex;
    const lo = this.machineIndex + 1;
    if (commit < lo || lo < this.raw.firstIndex()) return false;
    const hi = Math.min(commit, this.raw.lastIndex());
    let any = false;
    for (const e of this.raw.entries(lo, hi + 1)) {
      if (e.type === 'config') break;
      this.apply(e);
      any = true;
    }
    if (!any) return false;
    this.answerApplied();
    this.reads.applied(this.machineIndex);
    return true;
  }

  /** The machine's latest snapshot is now `snap` (taken here or restored): the policy counts from it. */
  private snapshotAt(snap: Snapshot): void {
    this.lastSnapshotIndex = snap.index;
    this.lastSnapshotBytes = snap.data.byteLength;
    this.lastSnapshotRecords = this.machine.records?.();
    this.bytesSinceSnapshot = 0;
  }

  private async maybeSnapshot(): Promise<void> {
    if (this.snapshotJob !== null) return;
    const applied = this.raw.appliedIndex;
    const due = snapshotDue(
      { entries: applied - this.lastSnapshotIndex, bytes: this.bytesSinceSnapshot },
      {
        lastSnapshotBytes: this.lastSnapshotBytes,
        lastSnapshotRecords: this.lastSnapshotRecords,
        minEntries: this.options.snapshotMinEntries,
        maxEntries: this.options.snapshotEntries,
      },
    );
    if (!due) return;
    // The snapshot must show the machine exactly at the core's applied index: stop applying ahead
    // until the Ready loop has caught up with the machine.
    this.snapshotDue = this.machineIndex !== applied;
    if (this.snapshotDue) return;
    const started = performance.now();
    const records = this.machine.records?.() ?? Infinity;
    if (this.machine.snapshotLater !== undefined && records >= this.options.snapshotInSlicesFrom) {
      // Captured now, encoded across turns: the member keeps answering meanwhile.
      const job: SnapshotJob = {
        index: applied,
        bytesAtCapture: this.bytesSinceSnapshot,
        started,
        data: null,
        settled: false,
      };
      this.snapshotJob = job;
      this.machine
        .snapshotLater()
        .then(
          (data) => (job.data = data),
          (err: unknown) => this.log.warn({ err, index: applied }, 'snapshot not taken'),
        )
        .finally(() => {
          job.settled = true;
          this.kick();
        });
      return;
    }
    const snap = this.raw.compact(applied, this.machine.snapshot());
    this.snapshotAt(snap);
    await this.persistSnapshot(snap, started);
  }

  /** Takes a finished `snapshotLater` encoding as the snapshot at the index it was captured at. */
  private async installSnapshotJob(): Promise<void> {
    const job = this.snapshotJob as SnapshotJob;
    this.snapshotJob = null;
    // A snapshot installed from the leader meanwhile is newer than this one.
    if (job.data === null || job.index <= this.lastSnapshotIndex) return;
    const snap = this.raw.compact(job.index, job.data);
    if (snap.index !== job.index) return;
    const bytesSince = this.bytesSinceSnapshot - job.bytesAtCapture;
    this.snapshotAt(snap);
    this.bytesSinceSnapshot = Math.max(0, bytesSince);
    await this.persistSnapshot(snap, job.started);
  }

  private async persistSnapshot(snap: Snapshot, started: number): Promise<void> {
    await this.storage.save({ snapshot: snap });
    // The core keeps a tail of entries for slightly lagging followers; storage keeps the same.
    const to = Math.min(this.raw.firstIndex() - 1, snap.index);
    if (to >= this.storage.firstIndex()) await this.storage.compact(to);
    this.log.debug(
      { index: snap.index, bytes: snap.data.byteLength, ms: Math.round(performance.now() - started) },
      'snapshot taken',
    );
  }

  // ---- bookkeeping ---------------------------------------------------------------------------

  /** Tracks leader and quorum visibility, and tells waiting requests about a new leader. */
  private observe(): void {
    if (this.confDirty) {
      this.conf = this.raw.status().config;
      this.confDirty = false;
    }
    this.trackQuorum();
    const leader = this.raw.leader;
    if (leader !== this.prevLeader) {
      this.log.info({ leader, term: this.raw.term }, leader === null ? 'leader lost' : 'leader elected');
      this.prevLeader = leader;
      this.router.onLeaderChange();
      this.reads.onLeaderChange();
    }
  }

  private trackQuorum(): void {
    this.quorum.update(this.raw.leader, this.conf, performance.now());
  }

  private noQuorumForMs(): number {
    this.trackQuorum();
    return this.quorum.noQuorumForMs(performance.now());
  }

  private noQuorumReason(): string {
    return this.quorum.reason(this.conf, performance.now());
  }

  private async handOff(): Promise<void> {
    const progress = this.raw.status().progress ?? {};
    let best: string | null = null;
    let bestMatch = -1;
    for (const v of this.conf.voters) {
      const p = progress[v];
      if (v === this.id || p === undefined || !this.node.isConnected(v)) continue;
      if (p.match > bestMatch) {
        best = v;
        bestMatch = p.match;
      }
    }
    if (best === null || !this.raw.transferLeadership(best).ok) return;
    this.kick();
    const until = performance.now() + this.options.electionTimeoutMs;
    while (this.raw.leader === this.id && performance.now() < until) {
      await new Promise((r) => setTimeout(r, this.options.tickMs / 5));
    }
  }

  private stopTimers(): void {
    this.timer?.cancel();
    this.timer = null;
    this.sender.clear();
    this.detach();
  }

  private closedError(): Error {
    return new DriverClosedError(this.state === 'failed' ? 'raft member failed' : 'raft member closed');
  }

  private fatal(cause: unknown): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    const err = cause instanceof Error ? cause : new Error(String(cause));
    this.log.error({ err }, 'raft member stopped on an unrecoverable error');
    this.state = 'failed';
    this.stopTimers();
    const closed = new DriverClosedError('raft member failed', { cause: err });
    this.router.failAll(closed);
    this.reads.failAll(closed);
    this.waiters.clear();
    this.storage.close().catch(() => {});
    this.hooks.onFatal?.(err);
  }
}
