/**
 * The replicator: one replica of the AP map plus its replication protocol, as a pure state
 * machine. Inputs go in through `step`; messages to send and events come out as effects. It reads
 * no clock, draws no random numbers and does no I/O: the driver passes `nowMs` and `random`,
 * delivers messages and calls `tick` by `nextWakeAt()`.
 *
 * Protocol (see docs/crdt.md):
 * 1. Eager push: each local write's key delta goes to every live peer at once, or, within
 *    `flushMs` of the previous push, joined per key with the other queued deltas and pushed when
 *    the window closes. Deltas are never relayed; repair is anti-entropy's job.
 * 2. Anti-entropy every `antiEntropyMs` with one random live peer: a `summary` (two hashes). If it
 *    differs, `digest`s (whole contexts) are exchanged both ways, and each side sends the other
 *    the deltas it lacks from its delta log.
 * 3. When the log no longer reaches back that far: `hashRequest` → `hashes` (bucket hashes of the
 *    side that lacks data) → `snapshot` chunks of the differing buckets, then the context.
 * 4. A new or restarted replica pulls a snapshot from the first peer it sees. When peers come up
 *    (a healed partition), a digest exchange starts at once with the first of the burst.
 * 5. Replicas that departed are pruned from the vector when it is safe (`prune.ts`).
 *
 * Example:
 * ```ts
 * const r = new Replicator<Hero>({ node: 'gotham', incarnation: startMs, nowMs, random: rng() });
 * for (const e of r.step({ type: 'put', key: hero.id, value: hero, nowMs })) driver.perform(e);
 * setTimer(r.nextWakeAt() - nowMs, () => perform(r.step({ type: 'tick', nowMs, random: rng() })));
 * ```
 *
 * API: `Replicator` (`step`, `get`, `entries`, `size`, `map`, `id`, `bootstrapped`, `caughtUp`,
 * `knowsPeers`, `refilling`, `livePeers`, `summary`, `hasApplied`, `applied`, `nextWakeAt`,
 * `durableState`), `ReplicatorInput`, `ReplicatorEffect`, `converged`.
 *
 * Refilling (`refill.ts`): a replica that started empty while peers hold the map is `refilling`
 * until a peer's snapshot is applied; an absent key says nothing meanwhile. A replica that replaces
 * one that had peers (a restart empty) is told so with `peersBefore`, so it counts as refilling
 * even while no peer is reachable.
 *
 * Durability (`durable: true`, see `durable.ts`): every change of the state is also a `persist`
 * effect; `restore` starts a replica from what an earlier one of the node wrote down.
 *
 * Obligations of the driver: perform effects in order; a put is acknowledged once `step`
 * returned (it is in the local replica; it reaches peers by push or repair); call `tick` no later
 * than `nextWakeAt()`; report peers up and down (`left: true` only when it will never return
 * with the same id).
 *
 * When not to use: when a write must not be lost with its node or must be seen by the next read
 * elsewhere; that is the CP (Raft) store.
 */
import { CausalContext, type WireContext } from './causal-context.ts';
import { packDeltas, unpackDeltas, unpackEntries } from './compact.ts';
import { DeltaLog } from './delta-log.ts';
import { DeltaMap, type KeyChange } from './delta-map.ts';
import { isEmptyImage, type DurableImage, type DurableRecord, type DurableState } from './durable.ts';
import { joinKeyDeltas, maxStamp, type Entry, type KeyDelta } from './entry.ts';
import { CrdtProtocolError } from './errors.ts';
import { sameHash } from './hash.ts';
import { HybridLogicalClock } from './hlc.ts';
import type { DigestMessage, ReplicaMessage, SnapshotMessage, SummaryMessage } from './messages.ts';
import {
  resolveReplicatorOptions,
  type ReplicatorOptions,
  type ResolvedReplicatorOptions,
} from './options.ts';
import { prunable, type PeerReport } from './prune.ts';
import { isRefilling } from './refill.ts';
import { nodeOf, replicaId, type Dot, type ReplicaId } from './replica-id.ts';
import { cutSnapshot, SnapshotAssembly } from './snapshot.ts';

export type ReplicatorInput<V> =
  | { readonly type: 'put'; readonly key: string; readonly value: V; readonly nowMs: number }
  | { readonly type: 'delete'; readonly key: string; readonly nowMs: number }
  /** `random`: uniform in [0, 1), picks the anti-entropy peer. */
  | { readonly type: 'tick'; readonly nowMs: number; readonly random: number }
  | { readonly type: 'peerUp'; readonly peer: ReplicaId; readonly nowMs: number }
  /** `left`: the peer left for good and will never return with this id (default false). */
  | { readonly type: 'peerDown'; readonly peer: ReplicaId; readonly nowMs: number; readonly left?: boolean }
  | {
      readonly type: 'receive';
      readonly from: ReplicaId;
      readonly message: ReplicaMessage<V>;
      readonly nowMs: number;
    };

export type ReplicatorEffect<V> =
  | { readonly type: 'send'; readonly to: ReplicaId; readonly message: ReplicaMessage<V> }
  /** The visible value of `key` changed (`value` undefined: deleted). `origin`: the writer, or for
   * a deletion the replica it came from (ourselves for local writes). */
  | {
      readonly type: 'change';
      readonly key: string;
      readonly value: V | undefined;
      readonly origin: ReplicaId;
    }
  /**
   * A join gave `key` a value that is not visible: a concurrent write whose stamp lost to the
   * visible one (`entry`, written by `origin`). No `change` reports it, as the visible value did
   * not change; an application that merges a key's concurrent values learns of it here. One per
   * key and step (the first such value).
   */
  | {
      readonly type: 'concurrent';
      readonly key: string;
      readonly entry: Entry<V>;
      readonly origin: ReplicaId;
    }
  /** A peer's stamp was more than `maxDriftMs` ahead of our wall clock; the HLC did not adopt it. */
  | {
      readonly type: 'clockDrift';
      readonly from: ReplicaId;
      readonly remoteMs: number;
      readonly aheadByMs: number;
    }
  /** A snapshot from `from` is complete and its context adopted (a fresh replica is now filled). */
  | { readonly type: 'snapshotApplied'; readonly from: ReplicaId; readonly keys: number }
  | { readonly type: 'pruned'; readonly replica: ReplicaId }
  /** A peer's message or id could not be used; nothing changed. For logs and metrics. */
  | { readonly type: 'rejected'; readonly from: ReplicaId; readonly error: Error }
  /**
   * Durable replicas only: the state changed as `record` says (see `durable.ts`). It comes before
   * any `send` of the same step that depends on it, so a driver that writes records as they come
   * has written a change before it tells a peer about it.
   */
  | { readonly type: 'persist'; readonly record: DurableRecord<V> };

export interface ReplicatorInit<V = unknown> {
  readonly node: string;
  /** Grows across restarts of the node (e.g. its start time in ms); see `replica-id.ts`. */
  readonly incarnation: number;
  readonly nowMs: number;
  /** Uniform in [0, 1): jitters the first anti-entropy round so replicas do not run in lockstep. */
  readonly random: number;
  readonly options?: ReplicatorOptions;
  /** Report every change of the state as a `persist` effect (default false). See `durable.ts`. */
  readonly durable?: boolean;
  /** Start from this state and these records (written by an earlier replica of this node). */
  readonly restore?: DurableImage<V>;
  /**
   * The replica this one replaces (a restart empty) had seen a peer (`knowsPeers`): this one counts
   * as refilling until filled, even while no peer is reachable (default false; see `refill.ts`).
   */
  readonly peersBefore?: boolean;
}

type Effects<V> = ReplicatorEffect<V>[];

export class Replicator<V> {
  readonly id: ReplicaId;
  readonly options: ResolvedReplicatorOptions;
  /** The replica's state; read it, but change it only through `step`. */
  readonly map: DeltaMap<V>;
  readonly #clock: HybridLogicalClock;
  readonly #log: DeltaLog<V>;
  /** Writes whose deltas were joined in full: what anti-entropy compares (see `entry.ts`). */
  readonly #applied = new CausalContext();
  readonly #live = new Set<ReplicaId>();
  readonly #members = new Set<ReplicaId>();
  readonly #departed = new Map<ReplicaId, number>();
  readonly #reports = new Map<ReplicaId, PeerReport>();
  readonly #outbox = new Map<string, KeyDelta<V>>();
  readonly #assembly = new SnapshotAssembly();
  /** Peers we sent our bucket hashes to and await a snapshot from, with the time we asked. */
  readonly #pulling = new Map<ReplicaId, number>();
  /**
   * Our causal context when we last sent our bucket hashes to a peer: what its snapshot is
   * judged against when adopted (`DeltaMap.unheldSince`). Kept past the pull's timeout and the
   * peer's going down, so a late snapshot can still be adopted, until it is adopted or the peer
   * departs; replaced by a later pull to the same peer, whose context can only be larger: for an
   * earlier snapshot that may miss a removal, never remove an entry the sender held.
   */
  readonly #hashedAt = new Map<ReplicaId, CausalContext>();
  #lastFlushMs = -Infinity;
  #flushDueMs: number | undefined;
  #nextAntiEntropyMs: number;
  #lastPeerUpDigestMs = -Infinity;
  #snapshotIds = 0;
  #bootstrapped = false;
  /**
   * Restored from disk and not yet refreshed from a peer: what the disk held may be long outdated
   * (the node was down while the others wrote), so the first peer reached is pulled from, as a
   * fresh replica does, before the replica counts as caught up (`caughtUp`).
   */
  #refreshing = false;
  readonly #durable: boolean;
  /** Started from a durable image that held state (`refill.ts`). */
  readonly #restored: boolean;
  /** A peer was seen up since the start, or the replica this one replaced saw one (`peersBefore`). */
  #peerSeen: boolean;

  constructor(init: ReplicatorInit<V>) {
    this.options = resolveReplicatorOptions(init.options);
    this.id = replicaId(init.node, init.incarnation);
    this.#durable = init.durable ?? false;
    this.#restored = init.restore !== undefined && !isEmptyImage(init.restore);
    this.#peerSeen = init.peersBefore ?? false;
    const state = init.restore?.state;
    const buckets = { buckets: this.options.buckets };
    this.map =
      state === undefined
        ? new DeltaMap<V>(this.id, buckets)
        : DeltaMap.fromState(this.id, state.map, buckets);
    this.#clock = new HybridLogicalClock(this.id, { maxDriftMs: this.options.maxDriftMs });
    this.#log = new DeltaLog<V>(this.options.logPerOrigin);
    this.#nextAntiEntropyMs = init.nowMs + init.random * this.options.antiEntropyMs;
    if (init.restore !== undefined) {
      this.#restore(init.restore, init.nowMs);
      this.#refreshing = this.#bootstrapped;
    }
  }

  /** Rebuilds the state an earlier replica of this node wrote down (see `durable.ts`). */
  #restore(image: DurableImage<V>, nowMs: number): void {
    if (image.state !== undefined) {
      for (const rep of image.state.retired) {
        this.map.context.retire(rep);
        this.#applied.retire(rep);
      }
      this.#applied.joinWire(image.state.applied);
      this.#bootstrapped = image.state.bootstrapped;
    }
    for (const record of image.records) this.#replay(record);
    // New writes must be stamped after every restored one, whatever the wall clock says now.
    let top: { ms: number; lc: number } | undefined;
    for (const [, v] of this.map.toState().entries) {
      const t = maxStamp(v);
      if (t !== undefined && (top === undefined || t.ms > top.ms || (t.ms === top.ms && t.lc > top.lc)))
        top = t;
    }
    // Our own history, not a peer's clock: adopted whatever the drift bound says.
    if (top !== undefined) this.#clock.receive(top, Math.max(nowMs, top.ms));
  }

  #replay(record: DurableRecord<V>): void {
    switch (record.type) {
      case 'delta':
        this.map.applyDelta(record.delta);
        for (const [rep, seq] of record.delta.ops) this.#applied.add(rep, seq);
        this.#log.record(record.delta);
        return;
      case 'chunk':
        this.map.applyScoped(record.entries, new Set(record.buckets), CausalContext.fromWire(record.ctx));
        return;
      case 'adopt':
        this.map.adoptContext(record.ctx);
        this.#applied.joinWire(record.applied);
        this.#bootstrapped = true;
        return;
      case 'retire':
        if (this.map.retire(record.rep)) this.#applied.retire(record.rep);
        return;
    }
  }

  /** The whole state as plain data, for compaction of a durable replica's log. */
  durableState(): DurableState<V> {
    return {
      map: this.map.toState(),
      applied: this.#applied.toWire(),
      retired: this.map.context.retiredReplicas(),
      bootstrapped: this.#bootstrapped,
    };
  }

  step(input: ReplicatorInput<V>): Effects<V> {
    switch (input.type) {
      case 'put':
        return this.#local(this.map.put(input.key, input.value, this.#clock.now(input.nowMs)), input.nowMs);
      case 'delete': {
        const delta = this.map.delete(input.key);
        return delta === undefined ? [] : this.#local(delta, input.nowMs);
      }
      case 'tick':
        return this.#tick(input.nowMs, input.random);
      case 'peerUp':
        return this.#peerUp(input.peer, input.nowMs);
      case 'peerDown':
        this.#live.delete(input.peer);
        this.#pulling.delete(input.peer);
        this.#assembly.drop(input.peer);
        if (input.left === true) this.#depart(input.peer, input.nowMs);
        return [];
      case 'receive':
        if (this.map.context.isRetired(input.from)) return [];
        return this.#receive(input.from, input.message, input.nowMs);
    }
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  get size(): number {
    return this.map.size;
  }

  /** True once a snapshot from a peer has been fully applied (a fresh replica is refilled). */
  get bootstrapped(): boolean {
    return this.#bootstrapped;
  }

  /**
   * True once this replica holds what a peer held when it was last pulled from: a fresh replica
   * once refilled, a replica restored from disk once refreshed from the first peer it reached.
   */
  get caughtUp(): boolean {
    return this.#bootstrapped && !this.#refreshing;
  }

  /**
   * A peer was seen up since this replica started, or the replica it replaced saw one
   * (`peersBefore`). It stays true when the peer goes down or leaves: its state is still out there.
   */
  get knowsPeers(): boolean {
    return this.#peerSeen;
  }

  /**
   * True while an absent key may exist on the peers: started empty (not from a durable image with
   * state), peers known, and no peer's snapshot applied yet (`refill.ts`).
   */
  get refilling(): boolean {
    return isRefilling({ restored: this.#restored, filled: this.#bootstrapped, peersKnown: this.knowsPeers });
  }

  /** A snapshot is still wanted: not bootstrapped, or restored and not refreshed yet. */
  get #wantsSnapshot(): boolean {
    return !this.#bootstrapped || this.#refreshing;
  }

  livePeers(): ReplicaId[] {
    return [...this.#live].sort();
  }

  summary(): SummaryMessage {
    return { type: 'summary', applied: this.#applied.hash(), state: this.map.buckets.total() };
  }

  /** Whether the write `(rep, seq)` has been received in full (or was pruned). */
  hasApplied(rep: ReplicaId, seq: number): boolean {
    return this.#applied.has(rep, seq);
  }

  /** The writes received in full, as plain data. */
  applied(): WireContext {
    return this.#applied.toWire();
  }

  /** The latest time by which `tick` must be called. */
  nextWakeAt(): number {
    return Math.min(this.#flushDueMs ?? Infinity, this.#nextAntiEntropyMs);
  }

  #local(delta: KeyDelta<V>, nowMs: number): Effects<V> {
    this.#log.record(delta);
    for (const [rep, seq] of delta.ops) this.#applied.add(rep, seq);
    const value = delta.entries[0]?.value;
    const effects: Effects<V> = [];
    if (this.#durable) effects.push({ type: 'persist', record: { type: 'delta', delta } });
    effects.push({ type: 'change', key: delta.key, value, origin: this.id });
    const queued = this.#outbox.get(delta.key);
    this.#outbox.set(delta.key, queued === undefined ? delta : joinKeyDeltas(queued, delta));
    if (nowMs - this.#lastFlushMs >= this.options.flushMs) this.#flush(nowMs, effects);
    else this.#flushDueMs = this.#lastFlushMs + this.options.flushMs;
    return effects;
  }

  #flush(nowMs: number, effects: Effects<V>): void {
    const deltas = [...this.#outbox.values()];
    this.#outbox.clear();
    this.#flushDueMs = undefined;
    this.#lastFlushMs = nowMs;
    this.#sendDeltas(this.livePeers(), deltas, effects);
  }

  #sendDeltas(peers: readonly ReplicaId[], deltas: readonly KeyDelta<V>[], effects: Effects<V>): void {
    const max = this.options.maxDeltasPerMessage;
    for (let i = 0; i < deltas.length; i += max) {
      const message: ReplicaMessage<V> = { type: 'deltas', ...packDeltas(deltas.slice(i, i + max)) };
      for (const to of peers) effects.push({ type: 'send', to, message });
    }
  }

  #tick(nowMs: number, random: number): Effects<V> {
    const effects: Effects<V> = [];
    if (this.#flushDueMs !== undefined && nowMs >= this.#flushDueMs) this.#flush(nowMs, effects);
    if (nowMs < this.#nextAntiEntropyMs) return effects;
    this.#nextAntiEntropyMs = nowMs + this.options.antiEntropyMs;
    for (const [peer, since] of this.#pulling)
      if (nowMs - since >= this.options.pullTimeoutMs) this.#pulling.delete(peer);
    this.#assembly.expire(nowMs - this.options.pullTimeoutMs);
    this.#noteSuperseded(nowMs);
    this.#prune(nowMs, effects);
    const peers = this.livePeers();
    const peer = peers[Math.min(peers.length - 1, Math.floor(random * peers.length))];
    if (peer === undefined) return effects;
    if (this.#wantsSnapshot && this.#pulling.size === 0) this.#pull(peer, nowMs, effects);
    else effects.push({ type: 'send', to: peer, message: this.summary() });
    return effects;
  }

  #pull(peer: ReplicaId, nowMs: number, effects: Effects<V>): void {
    this.#pulling.set(peer, nowMs);
    this.#hashedAt.set(peer, this.map.context.clone());
    effects.push({ type: 'send', to: peer, message: { type: 'hashes', hashes: this.map.buckets.toBytes() } });
  }

  #peerUp(peer: ReplicaId, nowMs: number): Effects<V> {
    if (peer === this.id) return [];
    if (this.map.context.isRetired(peer)) {
      return [
        {
          type: 'rejected',
          from: peer,
          error: new CrdtProtocolError(`${peer} was pruned; a returning node needs a new incarnation`),
        },
      ];
    }
    this.#departed.delete(peer);
    this.#peerSeen = true;
    this.#members.add(peer);
    this.#live.add(peer);
    this.#noteSuperseded(nowMs);
    const effects: Effects<V> = [];
    if (this.#wantsSnapshot && this.#pulling.size === 0) this.#pull(peer, nowMs, effects);
    // One digest per burst of peerUps (a healed partition): exchanging with one peer of the
    // other side fetches everything it has; asking each of them would fetch it N times.
    if (nowMs - this.#lastPeerUpDigestMs >= this.options.antiEntropyMs / 4) {
      this.#lastPeerUpDigestMs = nowMs;
      effects.push({ type: 'send', to: peer, message: this.#digest(false) });
    }
    return effects;
  }

  #digest(reply: boolean): DigestMessage {
    return { type: 'digest', applied: this.#applied.toWire(), state: this.map.buckets.total(), reply };
  }

  #receive(from: ReplicaId, message: ReplicaMessage<V>, nowMs: number): Effects<V> {
    const effects: Effects<V> = [];
    switch (message.type) {
      case 'summary':
        if (
          sameHash(message.applied, this.#applied.hash()) &&
          sameHash(message.state, this.map.buckets.total())
        ) {
          this.#reports.set(from, { atMs: nowMs, ctx: 'same' });
        } else {
          effects.push({ type: 'send', to: from, message: this.#digest(false) });
        }
        break;
      case 'digest':
        this.#onDigest(from, message, nowMs, effects);
        break;
      case 'deltas': {
        const deltas = unpackDeltas(message.reps, message.deltas);
        this.#observe(
          from,
          deltas.flatMap((d) => d.entries),
          nowMs,
          effects,
        );
        for (const delta of deltas) {
          const unseen = this.#unseen(delta.entries);
          const adds = this.#durable && this.#addsAnything(delta, unseen);
          this.#emit(from, this.map.applyDelta(delta), effects);
          this.#emitHidden(delta.key, unseen, effects);
          for (const [rep, seq] of delta.ops) this.#applied.add(rep, seq);
          this.#log.record(delta);
          if (adds) effects.push({ type: 'persist', record: { type: 'delta', delta } });
        }
        break;
      }
      case 'hashRequest':
        // One pull at a time: other peers' requests are retried by later rounds, by then mostly moot.
        if (this.#pulling.size === 0) this.#pull(from, nowMs, effects);
        break;
      case 'hashes':
        try {
          const applied = this.#applied.toWire();
          const chunks = cutSnapshot(
            this.map,
            applied,
            message.hashes,
            ++this.#snapshotIds,
            this.options.maxSnapshotKeys,
          );
          for (const chunk of chunks) effects.push({ type: 'send', to: from, message: chunk });
        } catch (error) {
          if (!(error instanceof CrdtProtocolError)) throw error;
          effects.push({ type: 'rejected', from, error });
        }
        break;
      case 'snapshot':
        this.#onSnapshot(from, message, nowMs, effects);
        break;
    }
    return effects;
  }

  #onDigest(from: ReplicaId, message: DigestMessage, nowMs: number, effects: Effects<V>): void {
    const theirs = CausalContext.fromWire(message.applied);
    this.#reports.set(from, { atMs: nowMs, ctx: theirs });
    const ours = this.#applied;
    let theyLack = false;
    let covered = true;
    const deltas = new Set<KeyDelta<V>>();
    for (const rep of ours.replicas()) {
      const wanted = (seq: number): boolean => !theirs.has(rep, seq);
      const ranges: [number, number][] = [[theirs.max(rep), ours.max(rep)]];
      for (const seq of ours.cloudOf(rep)) if (wanted(seq)) ranges.push([seq - 1, seq]);
      for (const [after, upTo] of ranges) {
        if (upTo <= after) continue;
        theyLack = true;
        const found = covered ? this.#log.collect(rep, after, upTo, (seq) => !wanted(seq)) : undefined;
        if (found === undefined) covered = false;
        else for (const d of found) deltas.add(d);
      }
    }
    if (theyLack && covered) this.#sendDeltas([from], [...deltas], effects);
    if (theyLack && !covered) effects.push({ type: 'send', to: from, message: { type: 'hashRequest' } });
    const weLack = theirs
      .replicas()
      .some(
        (rep) =>
          !ours.isRetired(rep) &&
          (theirs.max(rep) > ours.max(rep) || theirs.cloudOf(rep).some((seq) => !ours.has(rep, seq))),
      );
    const awaitingSnapshot = this.#wantsSnapshot && this.#pulling.size > 0;
    if (weLack && !message.reply && !awaitingSnapshot) {
      effects.push({ type: 'send', to: from, message: this.#digest(true) });
    }
    if (!theyLack && !weLack && !sameHash(message.state, this.map.buckets.total())) {
      // Equal contexts imply equal states; if not, trust neither and compare buckets.
      effects.push({ type: 'send', to: from, message: { type: 'hashRequest' } });
    }
  }

  #onSnapshot(from: ReplicaId, chunk: SnapshotMessage<V>, nowMs: number, effects: Effects<V>): void {
    const scope = new Set(chunk.buckets);
    const remote = CausalContext.fromWire(chunk.ctx);
    const entries = unpackEntries(chunk.reps, chunk.entries);
    this.#observe(
      from,
      entries.flatMap(([, list]) => list),
      nowMs,
      effects,
    );
    const unseen = entries.map(([key, list]) => [key, this.#unseen(list)] as const);
    const changes = this.map.applyScoped(entries, scope, remote);
    if (this.#durable)
      effects.push({
        type: 'persist',
        record: { type: 'chunk', buckets: chunk.buckets, entries, ctx: chunk.ctx },
      });
    for (const change of changes) this.#emit(from, change, effects);
    for (const [key, list] of unseen) this.#emitHidden(key, list, effects);
    const hashedAt = this.#hashedAt.get(from);
    // Only entries that joined after we hashed are ever asked about (`unheldSince`).
    const held: Dot[] = [];
    if (hashedAt !== undefined)
      for (const [, list] of entries)
        for (const e of list) if (!hashedAt.has(e.rep, e.seq)) held.push([e.rep, e.seq]);
    const done = this.#assembly.add(from, chunk, nowMs, held);
    if (done === undefined) return;
    // A snapshot we never sent hashes for cannot be judged: its chunks are joined, its context
    // is not adopted; a later pull fetches another.
    if (hashedAt === undefined) return;
    this.#hashedAt.delete(from);
    for (const removal of this.map.unheldSince(hashedAt, remote, done.held)) {
      if (this.#durable) effects.push({ type: 'persist', record: { type: 'delta', delta: removal } });
      this.#emit(from, this.map.applyDelta(removal), effects);
    }
    this.map.adoptContext(chunk.ctx);
    this.#applied.joinWire(chunk.applied);
    if (this.#durable)
      effects.push({ type: 'persist', record: { type: 'adopt', ctx: chunk.ctx, applied: chunk.applied } });
    this.#pulling.delete(from);
    this.#bootstrapped = true;
    this.#refreshing = false;
    effects.push({ type: 'snapshotApplied', from, keys: this.map.size });
  }

  /** Let the HLC catch up with remote stamps, reporting one that is too far ahead. */
  #observe(from: ReplicaId, entries: readonly Entry<V>[], nowMs: number, effects: Effects<V>): void {
    const top = maxStamp(entries);
    if (top === undefined) return;
    const result = this.#clock.receive(top, nowMs);
    if (result.bounded)
      effects.push({ type: 'clockDrift', from, remoteMs: top.ms, aheadByMs: result.aheadByMs });
  }

  #emit(from: ReplicaId, change: KeyChange<V> | undefined, effects: Effects<V>): void {
    if (change === undefined) return;
    const origin = change.after?.rep ?? from;
    effects.push({ type: 'change', key: change.key, value: change.after?.value, origin });
  }

  /** Whether joining `delta` changes anything here (a durable replica writes only those down). */
  #addsAnything(delta: KeyDelta<V>, unseen: readonly Entry<V>[]): boolean {
    if (unseen.length > 0) return true;
    for (const [rep, seq] of delta.ops) if (!this.#applied.has(rep, seq)) return true;
    for (const [rep, seq] of delta.removed) if (!this.map.context.has(rep, seq)) return true;
    return false;
  }

  /** The entries of a remote message this replica has not seen: the only ones a join can add. */
  #unseen(entries: readonly Entry<V>[]): Entry<V>[] {
    return entries.filter((e) => !this.map.context.has(e.rep, e.seq));
  }

  /** Reports the first of `unseen` that the join kept under `key` without making it visible. */
  #emitHidden(key: string, unseen: readonly Entry<V>[], effects: Effects<V>): void {
    if (unseen.length === 0) return;
    const held = this.map.entriesOf(key);
    if (held.length < 2) return;
    const visible = this.map.winner(key);
    for (const e of unseen) {
      if (e.rep === visible?.rep && e.seq === visible.seq) continue;
      if (!held.some((x) => x.rep === e.rep && x.seq === e.seq)) continue;
      effects.push({ type: 'concurrent', key, entry: e, origin: e.rep });
      return;
    }
  }

  #depart(rep: ReplicaId, nowMs: number): void {
    if (rep === this.id || this.map.context.isRetired(rep)) return;
    if (!this.#departed.has(rep)) this.#departed.set(rep, nowMs);
    this.#members.delete(rep);
    this.#live.delete(rep);
    this.#reports.delete(rep);
    this.#pulling.delete(rep);
    this.#hashedAt.delete(rep);
    this.#assembly.drop(rep);
  }

  /** Another incarnation of a node is current (ourselves or a live peer): the others departed. */
  #noteSuperseded(nowMs: number): void {
    const current = new Map<string, ReplicaId>([[nodeOf(this.id), this.id]]);
    for (const peer of this.#live) {
      const node = safeNodeOf(peer);
      if (node !== undefined) current.set(node, peer);
    }
    for (const rep of [...this.map.context.replicas(), ...this.#members]) {
      const node = safeNodeOf(rep);
      const now = node === undefined ? undefined : current.get(node);
      if (now !== undefined && now !== rep) this.#depart(rep, nowMs);
    }
  }

  #prune(nowMs: number, effects: Effects<V>): void {
    const ready = prunable({
      self: this.id,
      nowMs,
      pruneAfterMs: this.options.pruneAfterMs,
      ctx: this.#applied,
      departed: this.#departed,
      members: this.#members,
      reports: this.#reports,
      entryCountOf: (rep) => this.map.entryCountOf(rep),
    });
    for (const rep of ready) {
      if (!this.map.retire(rep)) continue;
      this.#applied.retire(rep);
      if (this.#durable) effects.push({ type: 'persist', record: { type: 'retire', rep } });
      this.#log.forget(rep);
      this.#departed.delete(rep);
      effects.push({ type: 'pruned', replica: rep });
    }
  }
}

function safeNodeOf(rep: ReplicaId): string | undefined {
  const at = rep.lastIndexOf('#');
  return at > 0 ? rep.slice(0, at) : undefined;
}

/** Same entries and context (and, for replicators, the same delivered writes): converged. */
export function converged<V>(a: Replicator<V> | DeltaMap<V>, b: Replicator<V> | DeltaMap<V>): boolean {
  const ma = a instanceof Replicator ? a.map : a;
  const mb = b instanceof Replicator ? b.map : b;
  if (!sameHash(ma.buckets.total(), mb.buckets.total()) || !ma.context.equals(mb.context)) return false;
  if (
    a instanceof Replicator &&
    b instanceof Replicator &&
    JSON.stringify(a.applied()) !== JSON.stringify(b.applied())
  ) {
    return false;
  }
  return JSON.stringify(ma.toState().entries) === JSON.stringify(mb.toState().entries);
}
