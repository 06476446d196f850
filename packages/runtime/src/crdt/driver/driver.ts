/**
 * The CRDT driver: runs this node's replica of the AP map (the pure `Replicator`) on the cluster
 * mesh. It owns the I/O the core leaves out: the clock, the timer, the messages, the peers.
 *
 * Example:
 * ```ts
 * const driver = CrdtDriver.start<Hero>({ node });
 * driver.onChange((c) => console.log(c.key, c.entry?.value, c.origin));
 * const entry = driver.put('heroes/h1', hero); // in the local replica now; pushed to peers at once
 * driver.get('heroes/h1')?.value;
 * driver.restartEmpty();                      // a new, empty replica that refills from peers
 * await driver.refilled(5000);
 * driver.close();
 * ```
 *
 * What it does:
 * - Replica id: `fullNodeName#incarnation`, the incarnation being the wall time in ms when the
 *   replica was created (`attach.ts`), so a restarted store or node is a new replica.
 * - Peers: on node up it sends a `hello` with its replica id; a peer's `hello` makes the replica
 *   see that peer up (`peerUp`), node down makes it see it down (`left` when it left gracefully).
 *   Messages from a peer whose id is not known yet are dropped and answered with a `hello`.
 * - Messages: `ClusterMessageType.Crdt`, positional tuples (`wire.ts`), validated on receipt; a bad
 *   one is counted, logged (at most once per `logIntervalMs` per peer) and dropped.
 * - Timer: one timeout at the replica's `nextWakeAt()` (at least every `helloRetryMs`).
 * - Effects are performed in order: sends with `node.sendTo` (to the peer's current replica only),
 *   changes and hidden concurrent values to the change feed (`feed.ts`), drift reports, rejections
 *   and refills to the log.
 *
 * API: `CrdtDriver.start(options)`; `node`, `options`, `id`, `replicator`, `bootstrapped`,
 * `refilling`, `closed`, `get`, `entries`, `keys`, `put`, `delete`, `lastSeq`, `awaitAcks`,
 * `onChange`, `onConcurrent`, `restartEmpty`, `refilled`, `summary`, `peers`, `stats`, `close`.
 *
 * Lifecycle and timeouts: `start` and every write are synchronous (nothing waits for a peer);
 * `refilled(timeoutMs)` is the only wait; `close()` is idempotent and stops the timer. Errors of
 * the caller throw (`CrdtDriverClosedError`, `CrdtDriverAttachedError`); a peer's misbehaviour
 * never does.
 *
 * Obligations of the caller: one open driver per node (`attach.ts`); change listeners run
 * synchronously inside the step that made the change and must not block.
 *
 * Durability (`storage` option): records of what the replica applies are appended as they come
 * and committed before the step's first message goes out (persist before send); a new driver on
 * the same storage restores the state under a new replica id; `restartEmpty` wipes it. Pushes are
 * acked once joined and committed (`acks`), and `awaitAcks` lets a writer wait for them.
 *
 * When not to use: `put` returns once this replica holds the write; to know that a peer holds it
 * too, wait with `awaitAcks` (the store's write concern does). State that must be read back
 * exactly elsewhere belongs in the Raft store.
 */
import type { Logger } from 'pino';
import { ClusterMessageType } from '../../cluster/message-types.ts';
import type { NodeDownReason } from '../../cluster/node-options.ts';
import { compareEntries, type Entry } from '../core/entry.ts';
import type { WireKeyDelta } from '../core/compact.ts';
import type { ReplicaMessage, SummaryMessage } from '../core/messages.ts';
import type { ReplicaId } from '../core/replica-id.ts';
import { Replicator, type ReplicatorEffect, type ReplicatorInput } from '../core/replicator.ts';
import type { DurableImage } from '../core/durable.ts';
import { AckWaits } from './acks.ts';
import { attach, nextIncarnation } from './attach.ts';
import { CrdtDriverClosedError } from './errors.ts';
import { ChangeFeed, type DriverChange, type DriverConcurrent } from './feed.ts';
import {
  resolveDriverOptions,
  type CrdtDriverOptions,
  type CrdtNode,
  type ResolvedCrdtDriverOptions,
} from './options.ts';
import { PeerIds } from './peers.ts';
import { MAX_LOCAL_LC } from './version.ts';
import type { CrdtStorage } from './storage/storage.ts';
import { decodeWire, encodeWire, isReplicaId, type DriverMessage, type HelloMessage } from './wire.ts';

/** Counters since the driver started (messages, not bytes: the node encodes). */
export interface CrdtDriverStats {
  readonly sent: number;
  readonly received: number;
  /** Messages sent, by core message type (and `hello`). */
  readonly sentByType: Readonly<Record<string, number>>;
  /**
   * Addressed to a replica id its node no longer runs (a store that restarted): sent to a peer's
   * old id, or a snapshot chunk received that was cut for our old id.
   */
  readonly droppedStale: number;
  /** The peer was not connected when the message was sent. */
  readonly droppedNotConnected: number;
  /** Could not be encoded (a value MessagePack cannot carry, or a frame over the limit). */
  readonly droppedUnencodable: number;
  /** Received from a peer whose replica id was not known yet. */
  readonly droppedUnknownPeer: number;
  /** Received but malformed, or a `hello` naming another node. */
  readonly malformed: number;
  /** Messages or peers the replicator refused (`rejected` effects). */
  readonly rejected: number;
  /** Remote stamps too far ahead of our clock (`clockDrift` effects). */
  readonly clockDrift: number;
  /** Completed refills (snapshots applied). */
  readonly refills: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class CrdtDriver<V = unknown> {
  readonly node: CrdtNode;
  readonly options: ResolvedCrdtDriverOptions;
  readonly #log: Logger;
  readonly #feed: ChangeFeed<V>;
  readonly #peers = new PeerIds();
  readonly #offs: (() => void)[] = [];
  readonly #refillWaiters = new Set<(ok: boolean) => void>();
  readonly #lastLogAt = new Map<string, number>();
  readonly #stats: Mutable<Omit<CrdtDriverStats, 'sentByType'>> = {
    sent: 0,
    received: 0,
    droppedStale: 0,
    droppedNotConnected: 0,
    droppedUnencodable: 0,
    droppedUnknownPeer: 0,
    malformed: 0,
    rejected: 0,
    clockDrift: 0,
    refills: 0,
  };
  readonly #sentByType: Record<string, number> = {};
  #replicator: Replicator<V>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #writeFloorMs = 0;
  #closed = false;
  readonly #storage: CrdtStorage<V> | undefined;
  readonly #acks = new AckWaits();
  /** Records appended in this step that `commit` has not covered yet. */
  #uncommitted = false;

  /** Starts the driver: attaches to the node's CRDT messages and greets the connected peers. */
  static start<V = unknown>(options: CrdtDriverOptions): CrdtDriver<V> {
    const driver = new CrdtDriver<V>(options);
    driver.#begin();
    return driver;
  }

  private constructor(options: CrdtDriverOptions) {
    this.options = resolveDriverOptions(options);
    this.node = this.options.node;
    this.#log = this.options.logger;
    this.#feed = new ChangeFeed<V>((err) => this.#log.warn({ err }, 'a CRDT change listener threw'));
    this.#storage = this.options.storage as CrdtStorage<V> | undefined;
    this.#replicator = this.#createReplicator(this.#nowMs(), this.#storage?.image);
  }

  #begin(): void {
    this.#offs.push(attach(this.node, (peer, payload) => this.#receive(peer, payload)));
    this.#offs.push(this.node.onNodeUp((peer) => this.#onNodeUp(peer)));
    this.#offs.push(this.node.onNodeDown((peer, reason) => this.#onNodeDown(peer, reason)));
    for (const peer of this.node.nodes()) this.#sendHello(peer, this.#nowMs());
    const restored = this.#storage === undefined ? undefined : this.#replicator.size;
    this.#log.info({ replica: this.id, restored }, 'CRDT replica started');
    this.#schedule();
  }

  /** This replica's id, `fullNodeName#incarnation`; changes with `restartEmpty`. */
  get id(): ReplicaId {
    return this.#replicator.id;
  }

  /** The current replicator; read it, change it only through the driver. */
  get replicator(): Replicator<V> {
    return this.#replicator;
  }

  /** True once the replica was filled from a peer's snapshot (see `refilled`). */
  get bootstrapped(): boolean {
    return this.#replicator.bootstrapped;
  }

  /**
   * True while the replica started empty, peers hold the map and none has filled it yet (a restart
   * empty counts its predecessor's peers, so it is refilling even while cut off): a key absent here
   * may exist on the peers. See `crdt/core/refill.ts`.
   */
  get refilling(): boolean {
    return this.#replicator.refilling;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The visible entry of `key` in the local replica (value, dot, HLC stamp). */
  get(key: string): Entry<V> | undefined {
    return this.#replicator.map.winner(key);
  }

  keys(): IterableIterator<string> {
    return this.#replicator.map.keys();
  }

  /**
   * Every surviving entry of `key` in the local replica, the visible one first, then by stamp,
   * greatest first. More than one only while concurrent writes of the key are unresolved: the next
   * put of the key (here or on a replica that has seen them all) replaces them.
   */
  entries(key: string): Entry<V>[] {
    return [...this.#replicator.map.entriesOf(key)].sort((a, b) => compareEntries(b, a));
  }

  /** Writes `key` in the local replica and pushes it to the live peers; returns the new entry. */
  put(key: string, value: V): Entry<V> {
    this.#assertOpen();
    const r = this.#replicator;
    const nowMs = Math.max(this.#nowMs(), this.#writeFloorMs);
    this.#run(r, { type: 'put', key, value, nowMs });
    const entry = r.map.winner(key);
    if (entry === undefined) throw new Error(`invariant broken: put of ${key} left no entry`);
    // Keep the logical counter within the version's 10 bits (see `version.ts`).
    if (entry.lc >= MAX_LOCAL_LC) this.#writeFloorMs = entry.ms + 1;
    this.#schedule();
    return entry;
  }

  /** Deletes `key` from the local replica (and so everywhere); false when it held nothing. */
  delete(key: string): boolean {
    this.#assertOpen();
    const r = this.#replicator;
    if (!r.map.has(key)) return false;
    this.#run(r, { type: 'delete', key, nowMs: this.#nowMs() });
    this.#schedule();
    return true;
  }

  /** Changes of the local replica's visible values, each once (see `feed.ts`). */
  onChange(listener: (change: DriverChange<V>) => void): () => void {
    return this.#feed.subscribe(listener);
  }

  /**
   * Told when a join gives a key a value that stays hidden behind its visible one (a concurrent
   * write with a smaller stamp), which `onChange` does not report (see `feed.ts`).
   */
  onConcurrent(listener: (change: DriverConcurrent<V>) => void): () => void {
    return this.#feed.subscribeConcurrent(listener);
  }

  /**
   * Drops the local replica and starts an empty one under a new incarnation, which refills from
   * the first peer it reaches (what a crash of the store with the loss of its disk does, without
   * the process). A durable replica's storage is wiped. Writes are accepted at once; writes waiting
   * for acks stop waiting. When the old replica had seen a peer, the new one is `refilling` until
   * a peer fills it, even while none is reachable. Returns the new replica id.
   */
  restartEmpty(): ReplicaId {
    this.#assertOpen();
    const nowMs = this.#nowMs();
    const previous = this.#replicator;
    const old = previous.id;
    this.#storage?.wipe();
    this.#acks.releaseAll();
    // Its peers hold what it lost: the new replica is refilling until one fills it, reachable or not.
    const r = this.#createReplicator(nowMs, undefined, previous.knowsPeers);
    this.#replicator = r;
    this.#writeFloorMs = 0;
    this.#feed.restart();
    this.#log.warn({ old, replica: r.id }, 'CRDT replica restarted empty; refilling from peers');
    // Peers must learn the new id before its first protocol message reaches them.
    for (const peer of this.node.nodes()) this.#sendHello(peer, nowMs);
    for (const [, id] of this.#peers.entries()) this.#run(r, { type: 'peerUp', peer: id, nowMs });
    this.#schedule();
    return r.id;
  }

  /**
   * Resolves true once the replica has been filled from a peer (at once if it already was) — a
   * replica restored from disk once it has been refreshed from the first peer it reached — false
   * after `timeoutMs` (default 5000) or when the driver closes. A replica alone never is.
   */
  refilled(timeoutMs = 5000): Promise<boolean> {
    if (this.#replicator.caughtUp) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.#refillWaiters.delete(done);
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#refillWaiters.add(done);
    });
  }

  /** Seq of this replica's latest write (its put or delete just made has this seq). */
  lastSeq(): number {
    return this.#replicator.map.context.max(this.#replicator.id);
  }

  /**
   * Resolves with the number of distinct peers that acknowledged this replica's write `seq` (they
   * joined it, and wrote it down when durable), once `need` did or after `timeoutMs`. Resolves
   * with what it has when the replica restarts empty or the driver closes.
   */
  awaitAcks(seq: number, need: number, timeoutMs: number): Promise<number> {
    if (this.#closed) return Promise.resolve(0);
    return this.#acks.wait(seq, need, timeoutMs);
  }

  /** Two hashes (writes received, entries held); equal on replicas that converged. */
  summary(): SummaryMessage {
    return this.#replicator.summary();
  }

  /** Connected peers whose replica id is known, by full node name. */
  peers(): Map<string, ReplicaId> {
    return new Map(this.#peers.entries());
  }

  stats(): CrdtDriverStats {
    return { ...this.#stats, sentByType: { ...this.#sentByType } };
  }

  /** Stops the timer and detaches from the node. The replica's state is dropped with the driver. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const off of this.#offs.splice(0)) off();
    for (const done of [...this.#refillWaiters]) done(false);
    this.#acks.releaseAll();
  }

  #createReplicator(nowMs: number, restore: DurableImage<V> | undefined, peersBefore = false): Replicator<V> {
    return new Replicator<V>({
      node: this.node.name,
      incarnation: nextIncarnation(nowMs),
      nowMs,
      random: this.options.random(),
      options: this.options.replicator,
      durable: this.#storage !== undefined,
      peersBefore,
      ...(restore === undefined ? {} : { restore }),
    });
  }

  #nowMs(): number {
    return Math.floor(this.options.now());
  }

  #assertOpen(): void {
    if (this.#closed) throw new CrdtDriverClosedError();
  }

  /**
   * Steps `r` and performs its effects, unless a listener replaced the replica meanwhile. A durable
   * replica's records are appended as they come and committed before the first message of the step
   * goes out and at its end: persist before send.
   */
  #run(r: Replicator<V>, input: ReplicatorInput<V>): void {
    const effects = r.step(input);
    for (const effect of effects) {
      if (r !== this.#replicator || this.#closed) break;
      this.#perform(r, effect);
    }
    const storage = this.#storage;
    if (storage === undefined || this.#closed) return;
    this.#commit();
    if (r === this.#replicator && storage.wantsCompaction()) storage.compact(r.durableState());
  }

  #commit(): void {
    if (!this.#uncommitted) return;
    this.#uncommitted = false;
    this.#storage?.commit();
  }

  #perform(r: Replicator<V>, e: ReplicatorEffect<V>): void {
    switch (e.type) {
      case 'persist':
        this.#storage?.append(e.record);
        this.#uncommitted = true;
        return;
      case 'send':
        this.#commit();
        this.#send(e.to, e.message);
        return;
      case 'change':
        this.#feed.note(e.key, r.map.winner(e.key), nodeOfId(e.origin));
        return;
      case 'concurrent':
        this.#feed.noteConcurrent(e.key, e.entry, nodeOfId(e.origin));
        return;
      case 'clockDrift':
        this.#stats.clockDrift++;
        this.#logLimited(`drift:${e.from}`, () =>
          this.#log.warn(
            { peer: e.from, remoteMs: e.remoteMs, aheadByMs: e.aheadByMs },
            "a peer's clock is ahead of ours by more than maxDriftMs; its stamps are not adopted",
          ),
        );
        return;
      case 'snapshotApplied':
        this.#stats.refills++;
        this.#log.info({ replica: r.id, from: e.from, keys: e.keys }, 'CRDT replica filled from a peer');
        this.#feed.reconcile((key) => r.map.winner(key), nodeOfId(e.from));
        for (const done of [...this.#refillWaiters]) done(true);
        return;
      case 'pruned':
        this.#log.info({ pruned: e.replica }, 'departed CRDT replica pruned from version vectors');
        return;
      case 'rejected':
        this.#stats.rejected++;
        this.#logLimited(`rejected:${e.from}`, () =>
          this.#log.warn({ peer: e.from, err: e.error }, 'CRDT replicator rejected a peer message'),
        );
        return;
    }
  }

  #send(to: ReplicaId, message: DriverMessage<V>): void {
    const peer = nodeOfId(to);
    if (!this.#peers.isCurrent(peer, to)) {
      this.#stats.droppedStale++;
      return;
    }
    this.#sendWire(peer, to, message);
  }

  #sendWire(peer: string, to: ReplicaId | '', message: DriverMessage<V>): void {
    let ok: boolean;
    try {
      const link = { from: this.node.name, to: peer };
      ok = this.node.sendTo(peer, ClusterMessageType.Crdt, encodeWire(message, to, link));
    } catch (err) {
      this.#stats.droppedUnencodable++;
      this.#logLimited(`encode:${peer}`, () =>
        this.#log.error({ peer, err, type: message.type }, 'a CRDT message could not be sent'),
      );
      return;
    }
    if (!ok) {
      this.#stats.droppedNotConnected++;
      return;
    }
    this.#stats.sent++;
    this.#sentByType[message.type] = (this.#sentByType[message.type] ?? 0) + 1;
  }

  #sendHello(peer: string, nowMs: number): void {
    const known = this.#peers.idOf(peer) ?? '';
    const hello: HelloMessage = { type: 'hello', id: this.id, known };
    this.#peers.helloSent(peer, nowMs, this.options.helloRetryMs);
    this.#sendWire(peer, known, hello);
  }

  #receive(peer: string, payload: unknown): void {
    if (this.#closed) return;
    this.#stats.received++;
    let message: DriverMessage<unknown>;
    let to: ReplicaId | undefined;
    try {
      ({ message, to } = decodeWire(payload, { from: peer, to: this.node.name }));
    } catch (err) {
      this.#malformed(peer, err);
      return;
    }
    if (to !== undefined && to !== this.id) {
      this.#stats.droppedStale++; // cut for a replica this node ran before it restarted empty
      return;
    }
    const nowMs = this.#nowMs();
    if (message.type === 'hello') {
      this.#onHello(peer, message, nowMs);
    } else {
      const from = this.#peers.idOf(peer);
      if (from === undefined) {
        this.#stats.droppedUnknownPeer++;
        if (this.#peers.helloDue(peer, nowMs)) this.#sendHello(peer, nowMs);
        return;
      }
      if (message.type === 'ack') {
        this.#acks.ack(peer, message.seqs);
        return;
      }
      // Values are opaque to the replica: the store hands them back to its callers as they came.
      const r = this.#replicator;
      this.#run(r, { type: 'receive', from, message: message as ReplicaMessage<V>, nowMs });
      if (message.type === 'deltas' && this.options.acks && r === this.#replicator && !this.#closed)
        this.#ack(peer, from, message.reps, message.deltas);
    }
    this.#schedule();
  }

  /** Tells the pusher which of its own writes its push carried; sent after they were committed. */
  #ack(
    peer: string,
    from: ReplicaId,
    reps: readonly ReplicaId[],
    deltas: readonly WireKeyDelta<unknown>[],
  ): void {
    const own = reps.indexOf(from);
    if (own < 0) return;
    const seqs: number[] = [];
    for (const d of deltas) {
      const ops = d[3];
      for (let i = 0; i + 1 < ops.length; i += 2) if (ops[i] === own) seqs.push(ops[i + 1]!);
    }
    if (seqs.length > 0) this.#sendWire(peer, from, { type: 'ack', seqs });
  }

  #onHello(peer: string, hello: HelloMessage, nowMs: number): void {
    if (!isReplicaIdOf(hello.id, peer)) {
      this.#malformed(peer, new Error(`hello from ${peer} names replica ${hello.id}`));
      return;
    }
    const { changed, previous } = this.#peers.learn(peer, hello.id);
    if (hello.known !== this.id) this.#sendHello(peer, nowMs);
    if (!changed) return;
    const r = this.#replicator;
    if (previous !== undefined) this.#run(r, { type: 'peerDown', peer: previous, nowMs });
    this.#run(r, { type: 'peerUp', peer: hello.id, nowMs });
  }

  #onNodeUp(peer: string): void {
    if (this.#closed) return;
    this.#sendHello(peer, this.#nowMs());
  }

  #onNodeDown(peer: string, reason: NodeDownReason): void {
    if (this.#closed) return;
    const id = this.#peers.forget(peer);
    if (id === undefined) return;
    const r = this.#replicator;
    this.#run(r, { type: 'peerDown', peer: id, nowMs: this.#nowMs(), left: reason === 'left' });
    this.#schedule();
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#closed) return;
    const nowMs = this.#nowMs();
    const r = this.#replicator;
    this.#run(r, { type: 'tick', nowMs, random: this.options.random() });
    for (const peer of this.node.nodes()) {
      if (this.#peers.helloDue(peer, nowMs)) this.#sendHello(peer, nowMs);
    }
    this.#schedule();
  }

  /** Keeps one timeout armed at the replica's next wake-up (and at least every `helloRetryMs`). */
  #schedule(): void {
    if (this.#closed) return;
    const nowMs = this.#nowMs();
    const at = Math.min(this.#replicator.nextWakeAt(), nowMs + this.options.helloRetryMs);
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(0, at - nowMs));
  }

  #malformed(peer: string, err: unknown): void {
    this.#stats.malformed++;
    this.#logLimited(`malformed:${peer}`, () =>
      this.#log.warn({ peer, err }, 'dropped a malformed CRDT message'),
    );
  }

  #logLimited(key: string, write: () => void): void {
    const nowMs = this.#nowMs();
    const last = this.#lastLogAt.get(key);
    if (last !== undefined && nowMs - last < this.options.logIntervalMs) return;
    this.#lastLogAt.set(key, nowMs);
    write();
  }
}

/** The node part of a replica id, or the id itself when it has none. */
function nodeOfId(id: ReplicaId): string {
  const at = id.lastIndexOf('#');
  return at > 0 ? id.slice(0, at) : id;
}

function isReplicaIdOf(id: string, node: string): boolean {
  return isReplicaId(id) && nodeOfId(id) === node;
}
