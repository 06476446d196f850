/**
 * The distributed supervisor and registry: children started from any node run on the node their
 * placement strategy picks among live members, are found from any node (lookups served locally),
 * move with their state when placement changes, and restart on survivors when their node is lost.
 *
 * ```ts
 * const heroes = await startDistributedSupervisor({ node, store, kinds: { hero: heroBehaviour } });
 * await heroes.startChild({ key: id, kind: 'hero', args: { name } });
 * await node.system.call({ via: heroes, key: id }, { type: 'status' });
 * ```
 *
 * How it stays correct: each child has a record in the store (`placement` table) naming its owner
 * and an epoch. A node starts a child only after it has written itself as owner with
 * compare-and-set, so in a CP store exactly one node wins each change of owner, and a node that
 * cannot reach a quorum stops its children (the majority side restarts them). A graceful move asks
 * the running actor for its state (`{ $placement: 'handoff' }`), stops it, and gives the record with
 * that state to the next owner in one compare-and-set write, which that node starts it from: there is
 * no moment with two running copies, and one store write in turn per move. In an AP store both
 * sides of a partition may run a child; after the heal the records converge on one owner and the
 * other copy hands its state over (`{ $placement: 'merge', state }`) and stops — unless it runs on
 * the node the strategy wants: that copy is kept and the record given to it (`adopt.ts`).
 *
 * Placed actors receive `PlacedInit` in `init`; they should answer the `$placement` calls.
 *
 * A node that was paused itself (SIGSTOP, a long GC) finds on resuming that every peer closed its
 * connection; it does not claim their children on that news for a short hold (`resume-hold.ts`),
 * by which time the peers are connected again. Its own outdated copies stop when the newer records
 * arrive, and a record released meanwhile is claimed at once (a merge away is followed by a rerun).
 *
 * A node takes children only once it is ready (`readiness.ts`): its store open and, for a store
 * whose local reads can lag the cluster (Raft: `Store.barrier`), caught up with it. Until then it
 * starts nothing from its own outdated records, and its peers keep what they run instead of handing
 * it over to be left unhosted while the node catches up; it announces itself when ready.
 *
 * Work is incremental: a key is reconciled when something that can change its placement happens —
 * its record changed (the store's change feed), its local child exited, or the membership changed
 * (then only the keys a membership change can move: those owned by this node, by no node, or by a
 * node that is not live). Keys that failed are retried on the next tick, keys that waited for a
 * writable store when it is writable again; a full sweep of every key every `fullSweepIntervalMs`
 * is the safety net for anything a missed event left behind.
 *
 * Epoch fencing (CP mode, a store with transactions such as the Raft store): the owner and epoch
 * in the record are the fence. `init.fenced` (or `fenced(key, epoch)`) writes only while this node
 * still owns the child at that epoch, and `fence(key, epoch)` gives the condition to add to a
 * transaction of one's own; a copy that was cut off and replaced gets
 * `PlacementError('stale_epoch')` instead of overwriting its successor's state. See `fence.ts`.
 */
import type { AnyBehaviour, NameResolver, Pid } from '../actor/index.ts';
import { isExit, isNormalExit, pidKey } from '../actor/index.ts';
import type { Behaviour } from '../actor/index.ts';
import type { ClusterNode } from '../cluster/node.ts';
import type { Condition } from '../store/ops.ts';
import type { Store, Table } from '../store/types.ts';
import { StoreError } from '../store/types.ts';
import { changes, decide } from './decide.ts';
import { PLACEMENT_DEFAULTS } from './defaults.ts';
import { PlacementError } from './errors.ts';
import type { FenceHost, FencedWriter } from './fence.ts';
import { fenceCondition, fencedWriter, isTransactional } from './fence.ts';
import type { Local } from './indexes.ts';
import { KeysByOwner, LocalChildren } from './indexes.ts';
import type { PidEntry, PidsMessage } from './pid-table.ts';
import type { PidDigest } from './pid-table.ts';
import { digestOf, isPidsMessage, PidTable, sameDigest } from './pid-table.ts';

/** Entries per message of pids: a list of 100,000 children goes in chunks of a few hundred KB. */
const PIDS_PER_MESSAGE = 4096;

/** `entries` in messages of at most `PIDS_PER_MESSAGE`; one (empty) for no entries. */
function* chunks(entries: readonly PidEntry[]): Generator<readonly PidEntry[]> {
  let i = 0;
  do {
    yield entries.slice(i, i + PIDS_PER_MESSAGE);
    i += PIDS_PER_MESSAGE;
  } while (i < entries.length);
}
import { isReadyMessage, PeerReadiness, type ReadyMessage } from './readiness.ts';
import { rendezvous } from './rendezvous.ts';
import { ResumeHold } from './resume-hold.ts';
import type { PlacedChildSpec, PlacedInit, PlacementRecord, PlacementStrategy } from './types.ts';
import { every, type Periodic } from '../cluster/transport/ticker.ts';

export interface DistributedSupervisorOptions {
  readonly node: ClusterNode;
  readonly store: Store;
  /** Behaviours by kind; the same on every node. */
  readonly kinds: Readonly<Record<string, AnyBehaviour>>;
  /** Extra strategies by name; `rendezvous` is built in and the default. */
  readonly strategies?: Readonly<Record<string, PlacementStrategy>>;
  /** Which nodes may host children (e.g. not dispatch-only nodes). Default: all. */
  readonly eligible?: (node: string) => boolean;
  /** Store table of the records. Default `placement`. */
  readonly table?: string;
  /**
   * Retry tick, ms. Default 1 000: keys whose reconcile failed (a store error, a child that failed
   * to start) run again on the next tick, the pace the old full reconcile retried them at.
   */
  readonly reconcileIntervalMs?: number;
  /**
   * Full sweep of every key, ms. Default 15 000: the safety net behind the event-driven path (a
   * missed change or membership event). Each sweep costs one reconcile per key, so at 10 000
   * children it is kept well apart; events, not the sweep, carry failover and handoff.
   */
  readonly fullSweepIntervalMs?: number;
  /** How long to wait for a record's owner we have never seen before taking its children, ms. Default 3 000. */
  readonly unknownOwnerGraceMs?: number;
  /** Stop local children after the store has been unwritable this long, ms. Default 1 500. */
  readonly quorumLossStopMs?: number;
  /**
   * AP mode: how long a copy running on the node the strategy wants is kept while the record names
   * another owner that should hand it over, ms (`adopt.ts`). Default 3 000: a release crosses the
   * cluster in well under a second; past that the owner evidently disagrees, and the copy merges
   * away as it would without the wait.
   */
  readonly adoptWaitMs?: number;
}

/** How often writability is checked for the quorum-loss stop, ms. */

export class DistributedSupervisor implements NameResolver {
  private readonly node: ClusterNode;
  private readonly store: Store;
  private readonly table: Table<PlacementRecord>;
  private readonly options: DistributedSupervisorOptions;
  private readonly records = new Map<string, PlacementRecord>();
  private readonly versions = new Map<string, number>();
  /** Keys of the records by owner: what a membership change can affect. */
  private readonly owners = new KeysByOwner();
  private readonly local = new LocalChildren();
  private readonly busy = new Map<string, Promise<void>>();
  /**
   * Keys asked for while their reconcile ran: they run once more when it ends. The value: only the
   * sweep asked (what the rerun does then counts as a sweep repair).
   */
  private readonly rerun = new Map<string, boolean>();
  /** Keys whose rerun waits for the next turn of the event loop; the value as in `rerun`. */
  private readonly queued = new Map<string, boolean>();
  /** Keys whose reconcile failed: run again on the next tick. */
  private readonly retry = new Set<string>();
  /** Keys that need a writable store (claim, start): run again once it is writable. */
  private readonly deferred = new Set<string>();
  /** `startChild` callers waiting for a key to resolve, woken by the events that can resolve it. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly strategies: Record<string, PlacementStrategy>;
  private host: Pid | undefined;
  private timer: Periodic | undefined;
  private sweepTimer: Periodic | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private quorumTimer: Periodic | undefined;
  private unwritableSince: number | undefined;
  private stopped = false;
  private leaving = false;
  private startedAt = 0;
  private readonly seenUp = new Set<string>();
  private readonly seenDown = new Set<string>();
  /** Peers this node saw go down only because it was paused itself: not claimed from yet. */
  private readonly hold = new ResumeHold();
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners: ((key: string, running: boolean) => void)[] = [];
  private readonly fenceHost: FenceHost | undefined;
  /** Keys the full sweep found something to do for: what the events missed. */
  private sweepRepairs = 0;
  /** AP: local copies kept while their record's owner should hand them over, since when (ms). */
  private readonly waiting = new Map<string, number>();
  /** This node can host children: store open and caught up (`readiness.ts`). */
  private ready = false;
  private readonly readiness = new PeerReadiness();
  private readonly readyTimers = new Set<ReturnType<typeof setTimeout>>();
  /** CP: the pids of the copies peers run, as they announced them (`pid-table.ts`). */
  private readonly pids = new PidTable();
  /** CP: copies started here not yet announced to the peers (sent together, once per turn). */
  private unannounced: PidEntry[] = [];
  /** CP: keys whose record a copy here gave away in its own transaction (`withArgs`), by epoch. */
  private readonly given = new Map<string, number>();
  /** The epoch whose handed-over state a copy here has started from (not given again on a restart). */
  private readonly consumed = new Map<string, number>();
  /**
   * Keys whose copy here finished on its own (a normal exit), by the epoch it ran at, until their
   * record's removal is seen: a sweep or an event meanwhile must not start the child again.
   */
  private readonly finished = new Map<string, number>();

  constructor(options: DistributedSupervisorOptions) {
    this.options = options;
    this.node = options.node;
    this.store = options.store;
    this.table = options.store.table<PlacementRecord>(options.table ?? 'placement');
    this.strategies = {
      rendezvous: (rec, live) => rendezvous(rec.key, live),
      ...options.strategies,
    };
    const store = options.store;
    this.fenceHost = isTransactional(store)
      ? {
          store,
          table: this.table,
          self: this.node.name,
          local: (key) => {
            const value = this.records.get(key);
            return value && { key, value, version: this.versions.get(key) ?? 0 };
          },
          target: (record) => {
            const to = this.pick(record, this.hostNodes());
            return to !== undefined && to !== this.node.name ? to : undefined;
          },
          gave: (key, epoch) => {
            this.given.set(key, epoch);
          },
        }
      : undefined;
  }

  /** Starts the local host actor, loads the records and begins reconciling. */
  async start(): Promise<void> {
    const host: Behaviour<null, void> = {
      name: 'placement-host',
      init: (_a, ctx) => (ctx.trapExits(true), null),
      handleInfo: (msg, state) => {
        if (isExit(msg)) this.childExited(msg.from, msg.reason);
        else if (isReadyMessage(msg) && msg.$placementReady === this.table.name) this.peerReady(msg);
        else if (isPidsMessage(msg) && msg.$placementPids === this.table.name) this.learnPids(msg);
        return state;
      },
    };
    this.host = await this.node.system.spawn(host, undefined, { name: `placement_${this.table.name}` });
    this.table.subscribe((change) => {
      if (change.value === undefined) this.forget(change.key);
      else this.remember(change.key, change.value, change.version);
      // Until ready (the store caught up), nothing runs here and nothing starts: becoming ready
      // reconciles every key, so the thousands of changes a restarted member replays cost no
      // reconcile each.
      if (this.ready) this.schedule(change.key);
      this.wake(change.key);
    });
    for (const v of await this.table.list({ stale: true })) this.remember(v.key, v.value, v.version);
    this.startedAt = Date.now();
    for (const peer of this.node.nodes()) {
      this.seenUp.add(peer);
      this.readiness.up(peer, this.startedAt);
      this.tellPids(peer, true);
    }
    this.node.onNodeUp((peer) => {
      this.tellPids(peer, true);
      this.seenUp.add(peer);
      this.readiness.up(peer, Date.now());
      if (this.ready) this.announce(peer, false);
      this.afterGrace(); // a peer that never announces itself counts as ready then
      this.seenDown.delete(peer);
      this.hold.peerUp(peer);
      this.membershipChanged();
      for (const key of [...this.waiters.keys()]) this.wake(key); // whereis needs the owner connected
    });
    this.node.onNodeDown((peer) => {
      // Before acting on it: after our own pause, the peers' closes are read before any timer runs.
      this.beat();
      this.hold.peerDown(peer, Date.now());
      this.seenDown.add(peer);
      this.pids.dropNode(peer);
      this.readiness.down(peer);
      this.membershipChanged();
    });
    this.timer = every(this.options.reconcileIntervalMs ?? PLACEMENT_DEFAULTS.reconcileIntervalMs, () =>
      this.tick(),
    );
    this.sweepTimer = every(this.options.fullSweepIntervalMs ?? PLACEMENT_DEFAULTS.fullSweepIntervalMs, () =>
      this.sweep(),
    );
    // Owners never seen become replaceable once the grace has passed: no event says so.
    this.graceTimer = setTimeout(() => this.membershipChanged(), this.graceMs() + 10);
    this.graceTimer.unref();
    // Checked apart from the (heavier) reconcile, so the stop follows quorum loss within ~100 ms.
    this.hold.beat(Date.now());
    this.quorumTimer = every(PLACEMENT_DEFAULTS.quorumCheckMs, () => this.checkQuorum());
    this.reconcileAll();
    if (this.store.barrier === undefined) this.becomeReady();
    else void this.catchUp();
  }

  /** Whether this node can host children now (store open and caught up with the cluster). */
  isReady(): boolean {
    return this.ready;
  }

  /**
   * The nodes this node places children on now: live, eligible and ready (this one once it is
   * ready; a peer once it announced itself, or `unknownOwnerGraceMs` after it came up).
   */
  hosts(): string[] {
    return this.hostNodes();
  }

  /**
   * Raft: waits until this node's copy of the records includes every write acknowledged before
   * (a read barrier), retrying each tick while there is no quorum, then becomes ready.
   */
  private async catchUp(): Promise<void> {
    const tick = this.options.reconcileIntervalMs ?? PLACEMENT_DEFAULTS.reconcileIntervalMs;
    while (!this.stopped) {
      try {
        await this.store.barrier!(Math.max(tick, 2000));
        break;
      } catch (err) {
        if (!(err instanceof StoreError))
          this.node.log.warn({ err }, 'placement: catching up with the store failed');
        await new Promise((resolve) => setTimeout(resolve, tick).unref());
      }
    }
    this.becomeReady();
  }

  private becomeReady(): void {
    if (this.stopped || this.ready) return;
    this.ready = true;
    for (const peer of this.node.nodes()) this.announce(peer, true);
    this.reconcileAll();
  }

  private announce(peer: string, reply: boolean): void {
    const msg: ReadyMessage = { $placementReady: this.table.name, node: this.node.name, reply };
    this.node.system.send({ name: `placement_${this.table.name}`, node: peer }, msg);
  }

  private peerReady(msg: ReadyMessage): void {
    if (this.stopped || !this.node.isConnected(msg.node)) return;
    if (msg.reply && this.ready) this.announce(msg.node, false);
    if (this.readiness.announced(msg.node)) this.membershipChanged();
  }

  private afterGrace(): void {
    const timer = setTimeout(() => {
      this.readyTimers.delete(timer);
      this.membershipChanged();
    }, this.graceMs() + 10);
    timer.unref();
    this.readyTimers.add(timer);
  }

  /**
   * The nodes children may be placed on: live, eligible, and ready to host (`readiness.ts`).
   * `live`: `liveNodes()`, when the caller has it already.
   */
  private hostNodes(live: readonly string[] = this.liveNodes()): string[] {
    const now = Date.now();
    const grace = this.graceMs();
    return live.filter((n) => (n === this.node.name ? this.ready : this.readiness.ready(n, now, grace)));
  }

  /** The node `record`'s strategy picks among `hosts` (rendezvous for a strategy unknown here). */
  private pick(record: PlacementRecord, hosts: readonly string[]): string | undefined {
    return (this.strategies[record.strategy] ?? this.strategies.rendezvous!)(record, hosts);
  }

  /** The store takes writes and this node is caught up with it. */
  private writable(): boolean {
    return this.ready && this.store.writable();
  }

  /** Start a child somewhere in the cluster; resolves with its pid once it runs. */
  async startChild(spec: PlacedChildSpec, timeoutMs = 10_000): Promise<Pid> {
    if (typeof spec?.key !== 'string' || spec.key === '')
      throw new PlacementError('bad_spec', 'a child needs a non-empty string key');
    if (!(spec.kind in this.options.kinds))
      throw new PlacementError('bad_spec', `unknown child kind ${String(spec.kind)}`);
    const strategy = spec.strategy ?? 'rendezvous';
    if (!(strategy in this.strategies))
      throw new PlacementError('bad_spec', `unknown placement strategy ${strategy}`);
    const record: PlacementRecord = {
      key: spec.key,
      kind: spec.kind,
      args: spec.args ?? null,
      strategy,
      owner: '',
      epoch: 0,
    };
    try {
      await this.table.put(spec.key, record, { expectVersion: 0 });
    } catch (err) {
      if (err instanceof StoreError && err.code === 'conflict') {
        throw new PlacementError('already_started', `a child with key ${spec.key} already exists`);
      }
      throw err;
    }
    return this.awaitRunning(spec.key, timeoutMs);
  }

  /** Stop a child for good, wherever it runs. */
  async stopChild(key: string): Promise<void> {
    if (!this.records.has(key)) throw new PlacementError('not_found', `no child with key ${key}`);
    await this.table.delete(key);
  }

  /**
   * The pid of a child, from this node's copy of the records: in AP mode the pid the record names;
   * in CP mode this node's own copy, or the one its owner announced (`pid-table.ts`), at the
   * record's epoch.
   */
  whereis(key: string): Pid | undefined {
    const rec = this.records.get(key);
    if (rec === undefined || rec.owner === '') return undefined;
    if (this.fenceHost !== undefined) {
      if (rec.owner === this.node.name) {
        const l = this.local.get(key);
        return l !== undefined && l.epoch === rec.epoch ? l.pid : undefined;
      }
      return this.node.isConnected(rec.owner) ? this.pids.resolve(rec) : undefined;
    }
    if (!rec.pid) return undefined;
    if (rec.owner !== this.node.name && !this.node.isConnected(rec.owner)) return undefined;
    return rec.pid;
  }

  describe(key: string): string {
    return `{placed, ${key}}`;
  }

  keys(): string[] {
    return [...this.records.keys()];
  }

  /** Keys of the children running on this node. */
  localKeys(): string[] {
    return [...this.local.keys()];
  }

  /** How many children run on this node (`localKeys().length`, without the copy). */
  localCount(): number {
    return this.local.size;
  }

  ownerOf(key: string): string | undefined {
    return this.records.get(key)?.owner || undefined;
  }

  /** Whether placed children get a fenced writer (`init.fenced`): the store has transactions (CP). */
  get fencing(): boolean {
    return this.fenceHost !== undefined;
  }

  /**
   * Writes fenced by `epoch` for the child `key` running on this node (what `init.fenced` is).
   * Throws `PlacementError('unsupported')` when the store has no transactions (AP mode).
   */
  fenced(key: string, epoch: number): FencedWriter {
    return fencedWriter(this.requireFence(), key, epoch);
  }

  /**
   * The condition to add to a transaction of one's own (`Store.transaction`) so that it commits
   * only while this node owns `key` at `epoch`. From this node's copy of the record: a rewrite of
   * the record that kept owner and epoch fails it as a `conflict` too (then ask again, or use
   * `fenced`, which retries). Throws `PlacementError('stale_epoch')` when the copy already names
   * another owner or epoch, `unsupported` in AP mode.
   */
  fence(key: string, epoch: number): Condition {
    return fenceCondition(this.requireFence(), key, epoch);
  }

  private requireFence(): FenceHost {
    if (!this.fenceHost)
      throw new PlacementError(
        'unsupported',
        `epoch fencing needs a store with transactions, not ${this.store.mode}`,
      );
    return this.fenceHost;
  }

  /**
   * Counters for the node's metrics. `sweepRepairs`: keys the periodic full sweep found work for
   * (a start, a stop, a claim, a write) — work the event-driven path missed; 0 in a healthy run.
   */
  stats(): { readonly sweepRepairs: number } {
    return { sweepRepairs: this.sweepRepairs };
  }

  onLocalChange(listener: (key: string, running: boolean) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Resolves once `whereis(key)` does. No polling: `whereis` changes only with the record (change
   * feed), a local start or stop, or a node coming up, and each of those wakes the key's waiters.
   */
  private awaitRunning(key: string, timeoutMs: number): Promise<Pid> {
    const now = this.whereis(key);
    if (now) return Promise.resolve(now);
    return new Promise<Pid>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        const set = this.waiters.get(key);
        set?.delete(check);
        if (set?.size === 0) this.waiters.delete(key);
      };
      const check = (): void => {
        const pid = this.whereis(key);
        if (pid) {
          done();
          resolve(pid);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new PlacementError('timeout', `child ${key} did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      set.add(check);
    });
  }

  private wake(key: string): void {
    const set = this.waiters.get(key);
    if (set) for (const check of [...set]) check();
  }

  private remember(key: string, value: PlacementRecord, version: number): void {
    this.records.set(key, value);
    this.versions.set(key, version);
    this.owners.set(key, value.owner);
  }

  private forget(key: string): void {
    this.records.delete(key);
    this.versions.delete(key);
    this.owners.delete(key);
    this.pids.forget(key);
    this.given.delete(key);
    this.consumed.delete(key);
  }

  /**
   * CP: tells `peer` the pid of every copy running here; with `ask`, asks for its list in return
   * (after a connection, and at start, so both sides learn what they missed while apart).
   */
  private tellPids(peer: string, ask: boolean): void {
    if (this.fenceHost === undefined) return;
    // The first chunk replaces what the peer holds from this node (sent even when empty).
    let first = true;
    for (const entries of chunks(this.localEntries())) {
      this.sendPids(peer, { entries, ...(first ? { replace: true, ...(ask ? { ask: true } : {}) } : {}) });
      first = false;
    }
  }

  private localEntries(): PidEntry[] {
    return [...this.local.entries()].map(([key, l]) => ({ key, epoch: l.epoch, pid: l.pid }));
  }

  private sendPids(peer: string, body: Omit<PidsMessage, '$placementPids' | 'node'>): void {
    const msg: PidsMessage = { $placementPids: this.table.name, node: this.node.name, ...body };
    this.node.system.send({ name: `placement_${this.table.name}`, node: peer }, msg);
  }

  /**
   * CP, on each full sweep: each peer gets the digest of this node's list, to ask for it if it
   * differs. Both sides count only the entries their copy of the records agrees with (owner and
   * epoch): an entry left behind by a copy that stopped or moved (no message says so) is not
   * worth a whole list, a missing one is.
   */
  private sendPidDigests(): void {
    if (this.fenceHost === undefined) return;
    const digest = digestOf(this.current(this.localEntries(), this.node.name));
    for (const peer of this.node.nodes()) this.sendPids(peer, { entries: [], digest });
  }

  /** The entries of copies run by `owner` that this node's copy of the records names. */
  private *current(entries: Iterable<PidEntry>, owner: string): IterableIterator<PidEntry> {
    for (const e of entries) {
      const rec = this.records.get(e.key);
      if (rec?.owner === owner && rec.epoch === e.epoch) yield e;
    }
  }

  /** CP: a copy started here; its pid goes to every peer with the others of this turn. */
  private announceStart(entry: PidEntry): void {
    if (this.fenceHost === undefined) return;
    this.unannounced.push(entry);
    if (this.unannounced.length > 1) return;
    setImmediate(() => {
      const all = this.unannounced;
      this.unannounced = [];
      for (const entries of chunks(all))
        for (const peer of this.node.nodes()) this.sendPids(peer, { entries });
    });
  }

  private learnPids(msg: PidsMessage): void {
    if (this.stopped || !this.node.isConnected(msg.node)) return;
    if (msg.replace === true) this.pids.dropNode(msg.node);
    for (const e of msg.entries) {
      if (e.pid.node !== msg.node) continue; // a node speaks for its own copies only
      this.pids.learn(e.key, e.epoch, e.pid);
      this.wake(e.key);
    }
    if (msg.ask === true) this.tellPids(msg.node, false);
    const held = (): PidDigest => digestOf(this.current(this.pids.entriesOf(msg.node), msg.node));
    if (msg.digest !== undefined && !sameDigest(msg.digest, held())) {
      this.sendPids(msg.node, { entries: [], ask: true }); // something was lost: its whole list
    }
  }

  private graceMs(): number {
    return this.options.unknownOwnerGraceMs ?? PLACEMENT_DEFAULTS.unknownOwnerGraceMs;
  }

  /**
   * Whether an owner that is not connected may be replaced: yes once we have seen it go down
   * (unless it went down only in our eyes, because we were paused ourselves: `ResumeHold`), or
   * when we have never seen it at all and `unknownOwnerGraceMs` has passed since we started (it may
   * simply not have connected to us yet).
   */
  private isGone(owner: string): boolean {
    if (this.seenDown.has(owner)) return !this.hold.held(owner, Date.now());
    if (this.seenUp.has(owner)) return true;
    return Date.now() - this.startedAt > this.graceMs();
  }

  private liveNodes(): string[] {
    const eligible = this.options.eligible ?? (() => true);
    const self = this.leaving ? [] : [this.node.name];
    return [...self, ...this.node.nodes()].filter(eligible).sort();
  }

  /** Change a child's arguments (its placement may follow them, e.g. a hero's location). */
  async updateChild(key: string, args: unknown): Promise<void> {
    const rec = this.records.get(key);
    if (!rec) throw new PlacementError('not_found', `no child with key ${key}`);
    await this.table.put(key, { ...rec, args }, { expectVersion: this.versions.get(key) ?? 0 });
  }

  private tick(): void {
    if (this.stopped) return;
    this.checkQuorum();
    if (this.retry.size === 0) return;
    const keys = [...this.retry];
    this.retry.clear();
    for (const key of keys) this.schedule(key);
  }

  /** The supervisor's own beat: a gap in it was a pause of this node (see `ResumeHold`). */
  private beat(): void {
    const now = Date.now();
    if (!this.hold.beat(now)) return;
    const until = this.hold.until() ?? now;
    this.node.log.warn(
      { holdMs: until - now },
      'placement: this node was paused; peers that went down meanwhile are not claimed from yet',
    );
    if (this.holdTimer) clearTimeout(this.holdTimer);
    // The hold has ended: whoever is still down is gone.
    this.holdTimer = setTimeout(() => this.membershipChanged(), until - now + 10);
    this.holdTimer.unref();
  }

  /** Stops the local children once the store has been unwritable for `quorumLossStopMs`. */
  private checkQuorum(): void {
    if (this.stopped) return;
    this.beat();
    if (this.store.writable()) {
      this.unwritableSince = undefined;
      if (this.ready && this.deferred.size > 0) {
        const keys = [...this.deferred];
        this.deferred.clear();
        for (const key of keys) this.schedule(key);
      }
    } else {
      this.unwritableSince ??= Date.now();
      if (
        Date.now() - this.unwritableSince >
          (this.options.quorumLossStopMs ?? PLACEMENT_DEFAULTS.quorumLossStopMs) &&
        this.local.size > 0
      ) {
        this.node.log.warn(
          { children: this.local.size },
          'store unwritable (no quorum): stopping local children',
        );
        for (const [key, l] of [...this.local.entries()]) {
          this.local.delete(key);
          this.notify(key, false);
          this.deferred.add(key); // restarted here if this node still owns it once writable
          void this.node.system.stop(l.pid, 'shutdown', 2000);
        }
      }
    }
  }

  /** Every key, whatever the events said: at start, and as the periodic safety net (`sweep`). */
  private reconcileAll(sweep = false): void {
    if (this.stopped) return;
    const keys = new Set(this.records.keys());
    for (const key of this.local.keys()) keys.add(key);
    for (const key of keys) this.schedule(key, sweep);
  }

  private sweep(): void {
    this.reconcileAll(true);
    this.sendPidDigests();
  }

  /**
   * After a node went up or down (or the unknown-owner grace ran out): the keys whose placement a
   * membership change can move — running here, owned by this node (a joiner may take them), owned
   * by no node, or owned by a node that is not live (a survivor claims them). Keys owned by another
   * live node are that node's business and stay untouched.
   */
  private membershipChanged(): void {
    if (this.stopped) return;
    const live = new Set(this.liveNodes());
    const keys = new Set(this.local.keys());
    for (const owner of this.owners.owners()) {
      if (owner !== this.node.name && live.has(owner)) continue;
      for (const key of this.owners.keysOf(owner)) keys.add(key);
    }
    // Collected first: a reconcile may write, and a store's change feed may answer synchronously.
    for (const key of keys) this.schedule(key);
  }

  /**
   * Reconciles one key at a time: a request for a busy key runs once more when the current run
   * ends. `sweep`: asked for by the periodic sweep, so work it finds is counted as a repair —
   * unless an event already has the key in hand (running, about to run again, or waiting for the
   * retry tick or a writable store).
   */
  private schedule(key: string, sweep = false): void {
    if (this.stopped) return;
    const queued = this.queued.get(key);
    if (queued !== undefined) {
      // Runs on the next turn anyway, on the records as they are then.
      this.queued.set(key, queued && sweep);
      return;
    }
    if (this.busy.has(key)) {
      this.rerun.set(key, (this.rerun.get(key) ?? true) && sweep);
      return;
    }
    const counted = sweep && !this.retry.has(key) && !this.deferred.has(key);
    const run = this.reconcile(key)
      .then((acted) => {
        if (!counted || acted === undefined) return;
        this.sweepRepairs++;
        const rec = this.records.get(key);
        this.node.log.warn(
          { key, action: acted, owner: rec?.owner, epoch: rec?.epoch, running: this.local.has(key) },
          'placement: the full sweep repaired a key the events missed',
        );
      })
      .catch((err: unknown) => {
        if (!(err instanceof StoreError)) this.node.log.error({ err, key }, 'placement reconcile failed');
        // The event that asked for this run is spent: the next tick tries again.
        this.retry.add(key);
      })
      .finally(() => {
        this.busy.delete(key);
        const again = this.rerun.get(key);
        if (again === undefined) return;
        this.rerun.delete(key);
        // Yield to I/O before the rerun: two nodes reacting to each other's writes must not starve
        // the event loop (and with it the membership that settles their disagreement).
        this.queued.set(key, again);
        setImmediate(() => {
          const sweep = this.queued.get(key) ?? false;
          this.queued.delete(key);
          this.schedule(key, sweep);
        });
      });
    this.busy.set(key, run);
  }

  /**
   * Brings one key's local state in line with its record: gathers its inputs, asks `decide` (the
   * pure core) and carries the decision out. Resolves with the decision's kind when it acted
   * (started, stopped, claimed, released or rewrote the record), undefined when there was nothing
   * to do here or the work waits for a writable store.
   */
  private async reconcile(key: string): Promise<string | undefined> {
    const self = this.node.name;
    const rec = this.records.get(key);
    const running = this.local.get(key);
    const waitingSince = this.waiting.get(key);
    this.waiting.delete(key);
    const finishedAt = this.finished.get(key);
    if (finishedAt !== undefined && (rec?.owner !== self || rec.epoch !== finishedAt))
      this.finished.delete(key);
    const version = this.versions.get(key) ?? 0;
    const live = rec === undefined ? [] : this.liveNodes();
    const hosts = rec === undefined ? [] : this.hostNodes(live);
    const now = Date.now();
    const since = waitingSince ?? now;
    const d = decide({
      self,
      record: rec,
      running,
      desired: rec === undefined ? undefined : this.pick(rec, hosts),
      live,
      ap: this.fenceHost === undefined,
      writable: this.writable(),
      leaving: this.leaving,
      ownerGone: rec !== undefined && (rec.owner === '' || this.isGone(rec.owner)),
      waitedMs: now - since,
      maxWaitMs: this.options.adoptWaitMs ?? PLACEMENT_DEFAULTS.adoptWaitMs,
      finished: this.finished.has(key),
    });
    switch (d.kind) {
      case 'idle':
        break;
      case 'stop':
        await this.stopLocal(key, running!);
        break;
      case 'record-pid':
        await this.table.put(key, { ...rec!, pid: running!.pid }, { expectVersion: version });
        break;
      case 'hand-off':
        await this.handOff(rec!, version, running!, d.to);
        break;
      case 'keep-given':
        // AP: a copy of ours already runs (through a partition or a pause) and the record was given
        // to us: keep it, with the state handed over, rather than stop and start it again.
        await this.keepGiven(rec!, version, running!);
        break;
      case 'start':
        if (d.stopFirst) await this.stopLocal(key, running!);
        // The store may have stopped taking writes while the old copy stopped.
        if (!this.writable()) {
          this.deferred.add(key);
          break;
        }
        await this.startLocal(rec!, version);
        break;
      case 'defer':
        if (d.stopFirst) await this.stopLocal(key, running!);
        this.deferred.add(key);
        break;
      case 'wait':
        this.waiting.set(key, since);
        this.retry.add(key); // looked at again each tick, until released or the wait is over
        break;
      case 'adopt':
        await this.adopt(rec!, version, running!);
        break;
      case 'merge-away':
        if (this.given.get(key) === running!.epoch) {
          // This copy gave the record away with its state in its own transaction: just stop.
          this.given.delete(key);
          await this.stopLocal(key, running!);
          break;
        }
        await this.mergeAway(rec!, running!);
        // No event follows: a record that names no owner (released while we ran an outdated copy)
        // may be ours to claim; decide on the current copy of it.
        this.rerun.set(key, false);
        break;
      case 'remove':
        // The child finished here; its record goes (if it changed meanwhile, the next run decides).
        await this.table.delete(key, { expectVersion: version });
        break;
      case 'claim': {
        const { pid: _pid, ...rest } = rec!;
        await this.table.put(
          key,
          { ...rest, owner: self, epoch: rec!.epoch + 1 },
          { expectVersion: version },
        );
        break;
      }
    }
    return changes(d) ? d.kind : undefined;
  }

  private async startLocal(rec: PlacementRecord, version: number): Promise<void> {
    const behaviour = this.options.kinds[rec.kind];
    if (!behaviour) throw new PlacementError('bad_spec', `unknown child kind ${rec.kind}`);
    // A hand-off is for the first copy at its epoch; one restarted after a crash starts afresh.
    const handoff = this.consumed.get(rec.key) === rec.epoch ? undefined : rec.handoff;
    const init: PlacedInit = {
      key: rec.key,
      args: rec.args,
      epoch: rec.epoch,
      version,
      ...(handoff !== undefined ? { handoff } : {}),
      ...(this.fenceHost ? { fenced: fencedWriter(this.fenceHost, rec.key, rec.epoch) } : {}),
    };
    let pid: Pid;
    try {
      pid = await this.node.system.spawn(behaviour, init, { link: this.host as Pid });
    } catch (err) {
      this.node.log.error({ err, key: rec.key }, 'placed child failed to start');
      this.retry.add(rec.key);
      return;
    }
    this.local.set(rec.key, { pid, epoch: rec.epoch });
    if (handoff !== undefined) this.consumed.set(rec.key, rec.epoch);
    this.notify(rec.key, true);
    if (this.fenceHost !== undefined) {
      // CP: no write; the peers learn the pid from this node (`pid-table.ts`).
      this.announceStart({ key: rec.key, epoch: rec.epoch, pid });
      return;
    }
    const { handoff: _h, ...rest } = rec;
    try {
      await this.table.put(rec.key, { ...rest, pid }, { expectVersion: version });
    } catch (err) {
      // Lost the record meanwhile (deleted or taken over): the next reconcile stops this copy.
      this.schedule(rec.key);
      throw err;
    }
  }

  /**
   * Moves a child away: its state asked for, the actor stopped, then — in one write — the record
   * given to `next` (owner `next`, next epoch, the state in `handoff`): `next` starts it as soon as
   * it reads that write, with no claim of its own in between (one store write in turn per move, not
   * two). Without a `next`, the record is released (owner '') for whoever the strategy picks.
   */
  private async handOff(rec: PlacementRecord, version: number, running: Local, next?: string): Promise<void> {
    let state: unknown;
    try {
      state = await this.node.system.call(running.pid, { $placement: 'handoff' }, 5000);
    } catch {
      state = undefined;
    }
    this.local.delete(rec.key);
    await this.node.system.stop(running.pid, 'shutdown', 5000);
    this.notify(rec.key, false);
    const { pid: _pid, ...rest } = rec;
    const to = next === undefined ? { owner: '' } : { owner: next, epoch: rec.epoch + 1 };
    await this.table.put(
      rec.key,
      { ...rest, ...to, ...(state !== undefined ? { handoff: state } : {}) },
      { expectVersion: version },
    );
  }

  /** AP: the record names this node at another epoch than the copy running here: keep the copy. */
  private async keepGiven(rec: PlacementRecord, version: number, running: Local): Promise<void> {
    const { handoff, ...rest } = rec;
    this.local.set(rec.key, { pid: running.pid, epoch: rec.epoch });
    try {
      await this.table.put(rec.key, { ...rest, pid: running.pid }, { expectVersion: version });
    } catch (err) {
      this.local.set(rec.key, running);
      throw err;
    }
    if (handoff !== undefined) await this.mergeInto(rec.key, running.pid, handoff);
  }

  private async mergeInto(key: string, pid: Pid, state: unknown): Promise<void> {
    try {
      await this.node.system.call(pid, { $placement: 'merge', state }, 5000);
    } catch (err) {
      this.node.log.warn({ err: String(err), key }, 'merge of the handed-over state failed');
    }
  }

  /**
   * AP: claims the record for the copy already running here, with the state the last owner handed
   * over merged into it — no stop, no start.
   */
  private async adopt(rec: PlacementRecord, version: number, running: Local): Promise<void> {
    const { pid: _pid, handoff, ...rest } = rec;
    const epoch = rec.epoch + 1;
    this.local.set(rec.key, { pid: running.pid, epoch });
    try {
      await this.table.put(
        rec.key,
        { ...rest, owner: this.node.name, epoch, pid: running.pid },
        { expectVersion: version },
      );
    } catch (err) {
      this.local.set(rec.key, running);
      throw err;
    }
    if (handoff !== undefined) await this.mergeInto(rec.key, running.pid, handoff);
  }

  private async mergeAway(rec: PlacementRecord, running: Local): Promise<void> {
    this.local.delete(rec.key);
    let state: unknown;
    try {
      state = await this.node.system.call(running.pid, { $placement: 'handoff' }, 2000);
    } catch {
      state = undefined;
    }
    await this.node.system.stop(running.pid, 'shutdown', 5000);
    this.notify(rec.key, false);
    const owner = this.fenceHost === undefined ? rec.pid : this.pids.resolve(rec);
    if (owner && state !== undefined) {
      try {
        await this.node.system.call(owner, { $placement: 'merge', state }, 5000);
      } catch (err) {
        this.node.log.warn({ err: String(err), key: rec.key }, 'merge into the surviving copy failed');
      }
    }
  }

  private async stopLocal(key: string, running: Local): Promise<void> {
    this.local.delete(key);
    await this.node.system.stop(running.pid, 'shutdown', 5000);
    this.notify(key, false);
  }

  /** O(1): the pid index names the key; exits of children no longer ours are ignored. */
  private childExited(pid: Pid, reason: unknown): void {
    const key = this.local.keyOf(pid);
    if (key === undefined) return;
    const epoch = this.local.get(key)!.epoch;
    this.local.delete(key);
    this.notify(key, false);
    if (isNormalExit(reason)) {
      // Finished on its own: the child is done for good. Its record is removed by the reconcile
      // (retried like any write until it applies); until then nothing starts it again here.
      this.finished.set(key, epoch);
      this.schedule(key);
    } else {
      this.node.log.warn({ key, pid: pidKey(pid) }, 'placed child crashed; restarting');
      this.schedule(key);
    }
  }

  private notify(key: string, running: boolean): void {
    for (const l of this.listeners) l(key, running);
    this.wake(key);
  }

  /** Stop reconciling; with `handOff`, move every local child to its next owner first (graceful leave). */
  async stop(options: { handOff?: boolean } = {}): Promise<void> {
    this.leaving = true;
    if (options.handOff) {
      const live = this.hostNodes(); // without this node, now that it is leaving
      const moves = [...this.local.entries()].flatMap(([key, l]) => {
        const rec = this.records.get(key);
        const next = rec && this.pick(rec, live);
        return rec && next !== undefined && live.includes(next) ? [{ key, rec, l, next }] : [];
      });
      // All at once: a CP store commits writes proposed together in one round (one append).
      await Promise.all(
        moves.map(({ key, rec, l, next }) =>
          this.handOff(rec, this.versions.get(key) ?? 0, l, next).catch((err: unknown) =>
            this.node.log.warn({ err: String(err), key }, 'handoff failed'),
          ),
        ),
      );
    }
    this.stopped = true;
    this.timer?.cancel();
    this.sweepTimer?.cancel();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.quorumTimer?.cancel();
    for (const t of this.readyTimers) clearTimeout(t);
    this.readyTimers.clear();
    await Promise.all([...this.busy.values()]);
  }
}

export async function startDistributedSupervisor(
  options: DistributedSupervisorOptions,
): Promise<DistributedSupervisor> {
  const sup = new DistributedSupervisor(options);
  await sup.start();
  return sup;
}
