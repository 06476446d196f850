/**
 * The CP store: tables replicated with Raft across the cluster's members — the Mnesia (and ra)
 * analogue, with linearizable reads, compare-and-set, multi-key transactions and a change feed.
 *
 * Example:
 * ```ts
 * const store = await startRaftStore({
 *   node, voters: ['gotham@10.0.0.1:4370', 'metropolis@10.0.0.2:4370', 'capitol@10.0.0.3:4370'],
 *   dataDir: './data/gotham/raft',
 * });
 * const heroes = store.table<Hero>('heroes');
 * const v = await heroes.put(hero.id, hero);                   // committed on a majority
 * await heroes.put(hero.id, next, { expectVersion: v });      // compare-and-set
 * await store.transaction(
 *   [{ op: 'put', table: 'heroes', key: a.id, value: a }, { op: 'delete', table: 'heroes', key: b.id }],
 *   [{ table: 'heroes', key: b.id, version: vb }],
 * );
 * heroes.subscribe((c) => render(c));                          // this member's applied changes
 * await store.close();
 * ```
 *
 * API: `startRaftStore(options)` → `RaftStore` (`Store`): `table(name)`, `transaction(ops,
 * conditions)` (`ops.ts`), `subscribe`/`subscribeFrom` (all tables), `role()`, `writable()`,
 * `leader()`, `waitForLeader(ms)`, `barrier()`, membership (`addMember`, `promote`,
 * `removeMember`, `members()`), `consensusGroup()`, `notReady()`, `status()`, `close()`.
 *
 * Admission (`admission` option): the member forms the group and admits new nodes by itself —
 * founders agree at run time (`expect`) or are named (`named`); while it leads, a node that
 * appears joins as a learner and is promoted once caught up, and a voter unreachable for
 * `graceMs` is replaced (`raft/formation/`). `notReady()` says why this node cannot be written
 * through yet. Without the option, membership changes only by `addMember`/`promote`/`removeMember`.
 *
 * Guarantees: writes commit on a majority of voters before they resolve; `get`/`list` are
 * linearizable (ReadIndex) unless `{ stale: true }`; a transaction's conditions are checked and its
 * ops applied atomically in one log entry; every write carries a client session, so a write
 * retried after a leader change applies once. Without a majority, writes and linearizable reads
 * fail with `StoreError('no_quorum')` — at once when this member has had no leader, or no majority
 * in reach, for longer than an election timeout — and nothing diverges.
 *
 * Errors (`StoreError.code`): `conflict` (a condition failed: `RaftConflictError`, a
 * `ConflictError` whose `current` has the versions), `no_quorum`, `timeout` (a quorum seemed
 * reachable but the request did not finish in `requestTimeoutMs`), `invalid` (bad key, value or
 * command), `unavailable` (closed).
 *
 * When not to use: state that must stay writable during a partition (use the CRDT store), large
 * blobs (the whole state lives in memory on every member and in every snapshot).
 */
import type { Logger } from 'pino';
import pino from 'pino';
import type { ClusterNode } from '../cluster/node.ts';
import { RaftDriver } from '../raft/driver/index.ts';
import type { DriverOptions, DriverStatus, RaftDriverOptions } from '../raft/driver/index.ts';
import { startRaftMembership } from '../raft/formation/membership-driver.ts';
import type { RaftMembership, RaftMembershipOptions } from '../raft/formation/membership-driver.ts';
import { encodeCommand, TableMachine } from '../raft/tables/index.ts';
import type {
  ApplyOutcome,
  ApplyResult,
  Change as MachineChange,
  TableMachineOptions,
  TableRecord,
} from '../raft/tables/index.ts';
import { conditionKey } from './ops.ts';
import type { Transaction } from './ops.ts';
import { ChangeFeed, type RaftChange } from './raft-feed.ts';
import { RaftConflictError, toStoreError } from './raft-errors.ts';
import { SessionLanes } from './raft-sessions.ts';
import { RaftTable } from './raft-table.ts';
import type { ConsensusGroup, Store, Versioned } from './types.ts';
import { StoreError } from './types.ts';

export type { Condition, Op, TxnResult } from './ops.ts';

export interface RaftStoreOptions extends DriverOptions {
  readonly node: ClusterNode;
  /**
   * Full names (`name@host:port`) of the founding voters. Every founder passes the same list; a
   * member restarted from its data directory ignores it; a node not in it waits to be added.
   * Empty: the founders are decided later (`bootstrap`, see `raft/formation/`).
   */
  readonly voters: readonly string[];
  /** Directory of the durable log and snapshots. Default none: memory only (lost on restart). */
  readonly dataDir?: string;
  readonly logger?: Logger;
  /** Session bounds of the table machine; must be equal on every member. Defaults in `tables`. */
  readonly machine?: TableMachineOptions;
  /** Changes kept for `subscribeFrom`. Default 10,000 (a few MB; ~1 s of writes at full speed). */
  readonly retainChanges?: number;
  /** Core protocol options (pre-vote, check-quorum, flow control); defaults in `raft/core`. */
  readonly raft?: NonNullable<RaftDriverOptions<ApplyOutcome>['raft']>;
  /**
   * Called once if the member stops on an unrecoverable error (a storage write failed, the log is
   * corrupt); the store refuses every call from then on. Default: nothing more. A node process
   * exits here, so it does not linger as a dead voter.
   */
  readonly onFatal?: (err: Error) => void;
  /**
   * Formation and learner admission run by the member itself (see the module comment). Default
   * none: the group is `voters`, changed only by calls to `addMember`/`promote`/`removeMember`.
   */
  readonly admission?: RaftAdmission;
}

/** How this member forms the group and admits nodes; see `raft/formation/membership-driver.ts`. */
export type RaftAdmission = Pick<RaftMembershipOptions, 'expect' | 'founder' | 'named' | 'graceMs'>;

export type RaftStoreRole = 'leader' | 'follower' | 'candidate' | 'learner' | 'none';

export async function startRaftStore(options: RaftStoreOptions): Promise<RaftStore> {
  const log = (options.logger ?? pino({ level: 'silent' })).child({ store: 'raft' });
  const machine = new TableMachine(options.machine ?? {});
  const retain = options.retainChanges ?? 10_000;
  if (!Number.isSafeInteger(retain) || retain < 0) {
    throw new StoreError('invalid', `retainChanges must be an integer >= 0, got ${String(retain)}`);
  }
  let store: RaftStore | null = null;
  const early: Array<(s: RaftStore) => void> = [];
  const later = (fn: (s: RaftStore) => void): void => {
    if (store === null) early.push(fn);
    else fn(store);
  };
  const driver = await RaftDriver.start<ApplyOutcome>({
    ...options,
    machine,
    logger: options.logger ?? pino({ level: 'silent' }),
    onApplied: (index, outcome) => later((s) => s.applied(index, outcome)),
    onRestore: (phase, index) => later((s) => s.restoring(phase, index)),
  });
  const admission =
    options.admission === undefined
      ? undefined
      : { ...options.admission, logger: options.logger ?? pino({ level: 'silent' }) };
  store = new RaftStore(driver, machine, options.node, log, retain, admission);
  for (const fn of early) fn(store);
  return store;
}

export class RaftStore implements Store {
  readonly mode = 'raft' as const;
  private readonly driver: RaftDriver<ApplyOutcome>;
  private readonly machine: TableMachine;
  private readonly feed: ChangeFeed;
  private readonly lanes: SessionLanes;
  private readonly tables = new Map<string, RaftTable<unknown>>();
  private beforeRestore: Map<string, Map<string, TableRecord>> | null = null;
  private closed = false;
  private readonly admission: RaftMembership | undefined;

  /** Use `startRaftStore`. */
  constructor(
    driver: RaftDriver<ApplyOutcome>,
    machine: TableMachine,
    node: ClusterNode,
    log: Logger,
    retain: number,
    admission?: RaftAdmission & { readonly logger: Logger },
  ) {
    this.driver = driver;
    this.machine = machine;
    this.feed = new ChangeFeed({ retain, startIndex: driver.status().snapshotIndex, log });
    this.lanes = new SessionLanes(node.shortName);
    this.admission = admission && startRaftMembership({ ...admission, node, member: this });
  }

  table<V>(name: string): RaftTable<V> {
    if (typeof name !== 'string' || name.length === 0) {
      throw new StoreError('invalid', 'table names are non-empty strings');
    }
    let t = this.tables.get(name);
    if (t === undefined) {
      t = new RaftTable<unknown>(name, {
        transaction: this.transaction,
        read: (stale, fn) => this.read(stale, fn),
        getLocal: (table, key) => versioned(key, this.machine.get(table, key)),
        listLocal: (table) =>
          this.machine.list(table).map((e) => ({ key: e.key, value: e.value, version: e.version })),
        subscribe: (table, fn) => this.feed.subscribe(table, fn),
        subscribeFrom: (table, index, fn) => this.feed.subscribeFrom(table, index, fn),
      });
      this.tables.set(name, t);
    }
    return t as RaftTable<V>;
  }

  /**
   * Applies `ops` atomically, in one log entry, if every condition holds (each names a key and the
   * version it must have; 0 = absent). Resolves with the transaction's index and the new versions
   * (the index for a put, 0 for a delete); rejects with `RaftConflictError` (a `ConflictError`)
   * naming the current versions when a condition fails.
   */
  readonly transaction: Transaction = async (ops, conditions = []) => {
    if (this.closed) throw new StoreError('unavailable', 'raft store is closed');
    const deadline = performance.now() + this.driver.options.requestTimeoutMs;
    const lane = this.lanes.acquire();
    try {
      for (;;) {
        lane.seq++;
        let bytes: Uint8Array;
        try {
          bytes = encodeCommand({
            kind: 'txn',
            session: { client: lane.client, seq: lane.seq },
            ops: [...ops],
            conditions: [...conditions],
          });
        } catch (err) {
          lane.seq--;
          throw toStoreError(err);
        }
        const remaining = Math.max(1, deadline - performance.now());
        const result = (await this.driver.submit(bytes, remaining).catch((err: unknown) => {
          throw toStoreError(err);
        })) as ApplyResult;
        if (result.ok) return { index: result.index, versions: result.versions };
        switch (result.code) {
          case 'conflict': {
            const expected = new Map(conditions.map((c) => [conditionKey(c.table, c.key), c.version]));
            throw new RaftConflictError(result.current, expected);
          }
          case 'invalid':
            throw new StoreError('invalid', `invalid transaction: ${result.reason}`);
          case 'session-expired':
            // Refused without effect: the session was forgotten while idle. Start a new one.
            this.lanes.renew(lane);
            continue;
          case 'session-stale':
            throw new StoreError('timeout', 'the outcome of this write is unknown (its session moved on)');
        }
      }
    } finally {
      this.lanes.release(lane);
    }
  };

  /** Every table's changes applied on this member from now on, in commit order, each once. */
  subscribe(listener: (change: RaftChange) => void): () => void {
    return this.feed.subscribe(null, listener);
  }

  /** Replays retained changes after `index` (every table), then continues live. See `raft-feed.ts`. */
  subscribeFrom(index: number, listener: (change: RaftChange) => void): () => void {
    return this.feed.subscribeFrom(null, index, listener);
  }

  /** Resolves once this member's state includes every write acknowledged before the call. */
  async barrier(timeoutMs?: number): Promise<void> {
    if (this.closed) throw new StoreError('unavailable', 'raft store is closed');
    await this.driver.linearizableRead(timeoutMs).catch((err: unknown) => {
      throw toStoreError(err);
    });
  }

  role(): RaftStoreRole {
    return this.driver.role();
  }

  /** A leader is known and was heard from within an election timeout (leader: a majority was). */
  writable(): boolean {
    return !this.closed && this.driver.writable();
  }

  leader(): string | null {
    return this.driver.leader();
  }

  /** Resolves once a leader is known; rejects with `StoreError('timeout')` after `timeoutMs`. */
  async waitForLeader(timeoutMs = 10_000): Promise<string> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const leader = this.driver.leader();
      if (leader !== null) return leader;
      if (this.closed) throw new StoreError('unavailable', 'raft store is closed');
      if (performance.now() > until) throw new StoreError('timeout', `no leader within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, this.driver.options.tickMs / 2));
    }
  }

  /** Index of the last entry applied on this member. */
  get appliedIndex(): number {
    return this.driver.appliedIndex;
  }

  /** The oldest index `subscribeFrom` accepts now. */
  get retainedFrom(): number {
    return this.feed.retainedFrom;
  }

  /** Adds node `name` (full name) as a learner: it receives the log but does not vote yet. */
  addMember(name: string): Promise<void> {
    return this.driver.addMember(name).catch((err: unknown) => {
      throw toStoreError(err);
    });
  }

  /** Makes learner `name` a voter once it has caught up. */
  promote(name: string): Promise<void> {
    return this.driver.promote(name).catch((err: unknown) => {
      throw toStoreError(err);
    });
  }

  removeMember(name: string): Promise<void> {
    return this.driver.removeMember(name).catch((err: unknown) => {
      throw toStoreError(err);
    });
  }

  /** Writes the founding configuration on an empty member; see `RaftDriver.bootstrap`. */
  bootstrap(voters: readonly string[]): boolean {
    return !this.closed && this.driver.bootstrap(voters);
  }

  /** Whether this member has any Raft state (a term, an entry, a snapshot or a configuration). */
  hasState(): boolean {
    return this.driver.hasState();
  }

  members(): { voters: readonly string[]; learners: readonly string[] } {
    const s = this.driver.status();
    return { voters: s.voters, learners: s.learners };
  }

  status(): DriverStatus {
    return this.driver.status();
  }

  /** The group as this member sees it now: term, leader, voters, learners. */
  consensusGroup(): ConsensusGroup {
    const { term, leader, voters, learners } = this.driver.status();
    return { term, leader, voters, learners };
  }

  /** Why this node cannot be written through yet (formation, waiting to be admitted); null when it can. */
  notReady(): string | null {
    return this.admission?.notReady() ?? null;
  }

  /**
   * Stops admission, hands off leadership if leader, fails pending requests with `unavailable`,
   * closes the log.
   */
  async close(): Promise<void> {
    this.admission?.stop();
    this.closed = true;
    await this.driver.close();
  }

  /** Driver hook: one command entry was applied. */
  applied(_index: number, outcome: ApplyOutcome): void {
    for (const c of outcome.changes) this.feed.push(toChange(c));
  }

  /** Driver hook: a snapshot from the leader replaces the state; tell subscribers what changed. */
  restoring(phase: 'before' | 'after', index: number): void {
    if (phase === 'before') {
      this.beforeRestore = this.image();
      return;
    }
    const before = this.beforeRestore ?? new Map<string, Map<string, TableRecord>>();
    this.beforeRestore = null;
    const after = this.image();
    const changes: RaftChange[] = [];
    for (const table of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const old = before.get(table) ?? new Map<string, TableRecord>();
      const now = after.get(table) ?? new Map<string, TableRecord>();
      for (const key of [...new Set([...old.keys(), ...now.keys()])].sort()) {
        const o = old.get(key);
        const n = now.get(key);
        if (n === undefined && o !== undefined) {
          changes.push({ table, key, value: undefined, version: index, index, previousVersion: o.version });
        } else if (n !== undefined && n.version !== o?.version) {
          changes.push({
            table,
            key,
            value: n.value,
            version: n.version,
            index,
            previousVersion: o?.version ?? 0,
          });
        }
      }
    }
    this.feed.replaceState(index, changes);
  }

  private image(): Map<string, Map<string, TableRecord>> {
    const out = new Map<string, Map<string, TableRecord>>();
    for (const t of this.machine.tables()) out.set(t, new Map(this.machine.list(t).map((e) => [e.key, e])));
    return out;
  }

  private async read<T>(stale: boolean, fn: () => T): Promise<T> {
    if (this.closed) throw new StoreError('unavailable', 'raft store is closed');
    if (!stale) await this.barrier();
    return fn();
  }
}

function versioned(key: string, r: TableRecord | undefined): Versioned<unknown> | undefined {
  return r === undefined ? undefined : { key, value: r.value, version: r.version };
}

function toChange(c: MachineChange): RaftChange {
  const previousVersion = c.previous?.version ?? 0;
  return c.value === undefined
    ? { table: c.table, key: c.key, value: undefined, version: c.index, index: c.index, previousVersion }
    : { table: c.table, key: c.key, value: c.value, version: c.version, index: c.index, previousVersion };
}
