/**
 * The CP store on an existing etcd cluster: the store interface (`Store`) with `transaction`
 * (`ops.ts`), with every record an etcd key, every version an etcd revision and the change feed
 * an etcd watch. For teams that already operate etcd (every Kubernetes cluster has one) and would
 * rather keep state there than in the embedded Raft store, or scale application nodes apart from
 * the quorum. See docs/etcd.md.
 *
 * ```ts
 * const store = await startEtcdStore({ endpoints: ['http://10.0.0.5:2379'], node: 'gotham' });
 * const heroes = store.table<Hero>('heroes');
 * const v = await heroes.put(hero.id, hero);                        // committed by etcd's quorum
 * await store.transaction(
 *   [{ op: 'put', table: 'heroes', key: a.id, value: a }],
 *   [{ table: 'placement', key: a.id, version: fenceVersion }],   // one Txn, compare on mod_revision
 * );
 * await store.close();
 * ```
 *
 * API: `startEtcdStore(options)` → `EtcdStore`: `table(name)`, `transaction(ops, conditions)`,
 * `maxTransactionOps` (64), `snapshot()`, `subscribe`/`subscribeFrom` (every table), `role()`
 * ('client'), `writable()` (this node's lease is alive), `backendStatus()` (etcd members and
 * leader), `close()`.
 *
 * Guarantees: a write resolves once etcd committed it; `get`/`list` are linearizable unless
 * `{ stale: true }`; a transaction's conditions and ops are one etcd `Txn`, checked and applied
 * atomically. Writes are never retried by the client (a retried compare-and-set could apply twice,
 * or fail on its own earlier success): a write whose outcome is unknown rejects with `timeout`.
 * While this node's lease is not alive, writes and linearizable reads fail at once with
 * `no_quorum`, as the Raft store does without a leader. Stale reads are retried on another endpoint.
 *
 * Options and defaults: `prefix` '/superhero/' (all keys of the store under it); `requestTimeoutMs`
 * 5 000 (etcd's own request timeout is about 5 s plus two election timeouts; a request still open
 * after ours is reported as unknown); `leaseTtlSeconds` 5; `retainChanges` 10 000 (as the Raft
 * store); `dialTimeoutMs` 3 000; `tls` (CA, client certificate and key, PEM) and `auth` (user,
 * password) passed to the client as is.
 *
 * When not to use: without an etcd cluster to hand (the embedded Raft store needs none), for values
 * beyond etcd's request limit (1.5 MiB by default), or for state that must stay writable in a
 * partition (the CRDT store).
 */
import type { Logger } from 'pino';
import pino from 'pino';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import type { IOptions, IRangeResponse, IRequestOp, ICompare } from 'etcd3';
import type { Transaction } from '../ops.ts';
import type { ReadOptions, Store, Versioned } from '../types.ts';
import { StoreError } from '../types.ts';
import { EtcdConflictError, EtcdNotSentError, toStoreError } from './errors.ts';
import { EtcdFeed } from './feed.ts';
import type { EtcdChange, StoreImage } from './feed.ts';
import { parseRecordKey, recordKey, storeRange, tableRange } from './keys.ts';
import type { KeyRange } from './keys.ts';
import { Liveness } from './liveness.ts';
import { EtcdTable } from './table.ts';
import { readStatus } from './status.ts';
import type { EtcdStatus } from './status.ts';

export interface EtcdStoreOptions {
  /** Client URLs of etcd members, e.g. `http://10.0.0.5:2379` (https with `tls`). */
  readonly endpoints: readonly string[];
  /** This node's name: its liveness key and lease. */
  readonly node: string;
  readonly prefix?: string;
  readonly requestTimeoutMs?: number;
  readonly leaseTtlSeconds?: number;
  readonly retainChanges?: number;
  readonly dialTimeoutMs?: number;
  readonly tls?: { readonly ca: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  readonly auth?: { readonly username: string; readonly password: string };
  readonly logger?: Logger;
}

export type { TxnResult } from '../ops.ts';

/** Records per range request when listing (stays far below gRPC's 4 MiB message limit). */
const PAGE = 500;
/** Attempts of a read whose endpoint was unreachable (the client picks another each time). */
const READ_ATTEMPTS = 3;

export async function startEtcdStore(options: EtcdStoreOptions): Promise<EtcdStore> {
  if (options.endpoints.length === 0)
    throw new StoreError('invalid', 'the etcd store needs at least one endpoint');
  const log = (options.logger ?? pino({ level: 'silent' })).child({ store: 'etcd' });
  const clientOptions: IOptions = {
    hosts: [...options.endpoints],
    dialTimeout: options.dialTimeoutMs ?? 3000,
    // No automatic retry: a retried write could apply twice (see the module comment).
    faultHandling: { global: noop },
    // A stream to an endpoint that went silent (cut off, not closed) is found dead within ~15 s.
    grpcOptions: { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5000 },
    ...(options.tls === undefined
      ? {}
      : {
          credentials: {
            rootCertificate: options.tls.ca,
            ...(options.tls.key === undefined ? {} : { privateKey: options.tls.key }),
            ...(options.tls.cert === undefined ? {} : { certChain: options.tls.cert }),
          },
        }),
    ...(options.auth === undefined ? {} : { auth: { ...options.auth } }),
  };
  const client = new Etcd3(clientOptions);
  const store = new EtcdStore(client, options, log);
  try {
    await store.open();
    return store;
  } catch (err) {
    await store.close();
    throw toStoreError(err, { writable: false, write: false });
  }
}

export class EtcdStore implements Store {
  readonly mode = 'etcd' as const;
  /**
   * etcd refuses a `Txn` with more than `--max-txn-ops` (default 128) entries in any of its
   * branches: compares, ops, or the failure branch's reads (one per condition). Half of it lets
   * every op carry two conditions — its own version and a fence — within etcd's default.
   */
  readonly maxTransactionOps = 64;
  readonly prefix: string;
  private readonly client: Etcd3;
  private readonly options: EtcdStoreOptions;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly liveness: Liveness;
  private readonly tables = new Map<string, EtcdTable<unknown>>();
  private feed: EtcdFeed | undefined;
  /** The lease lapsed since it was last alive (the feed's watch is renewed when it is back). */
  private lapsed = false;
  private closed = false;

  /** Use `startEtcdStore`. */
  constructor(client: Etcd3, options: EtcdStoreOptions, log: Logger) {
    this.client = client;
    this.options = options;
    this.log = log;
    this.prefix = options.prefix ?? '/superhero/';
    this.timeoutMs = options.requestTimeoutMs ?? 5000;
    this.liveness = new Liveness({
      client,
      prefix: this.prefix,
      node: options.node,
      ttlSeconds: options.leaseTtlSeconds ?? 5,
      log,
      onChange: (alive) => {
        log.info({ alive }, alive ? 'etcd lease alive' : 'etcd lease lapsed');
        // Back after a lapse (etcd unreachable, or this node cut off): the watch may sit on a
        // connection that died silently, and the feed would miss every change until gRPC's
        // keepalive noticed. A new stream resumes from the last revision delivered at once.
        if (!alive) this.lapsed = true;
        else if (this.lapsed) {
          this.lapsed = false;
          this.feed?.renew();
        }
      },
    });
  }

  /** Reads the store, starts the change feed and the lease (waits for its first grant). */
  async open(): Promise<void> {
    this.feed = await EtcdFeed.open({
      client: this.client,
      prefix: this.prefix,
      log: this.log,
      retain: this.options.retainChanges ?? 10_000,
      read: () => this.snapshot(),
      decode,
    });
    await this.liveness.start();
  }

  table<V>(name: string): EtcdTable<V> {
    if (typeof name !== 'string' || name.length === 0) {
      throw new StoreError('invalid', 'table names are non-empty strings');
    }
    let t = this.tables.get(name);
    if (t === undefined) {
      t = new EtcdTable<unknown>(name, {
        transaction: this.transaction,
        get: (table, key, stale) => this.get(table, key, stale),
        list: (table, stale) => this.list(tableRange(this.prefix, table), { stale }).then((r) => r.records),
        subscribe: (table, fn) => this.requireFeed().subscribe(table, fn),
        subscribeFrom: (table, revision, fn, onError) =>
          this.requireFeed().subscribeFrom(table, revision, fn, onError),
      });
      this.tables.set(name, t);
    }
    return t as EtcdTable<V>;
  }

  /**
   * Applies `ops` atomically if every condition holds (each names a key and the version it must
   * have; 0 = absent): one etcd `Txn`. Rejects with `EtcdConflictError` (a `ConflictError`) naming
   * the current versions of the keys whose conditions failed.
   */
  readonly transaction: Transaction = async (ops, conditions = []) => {
    this.usable(true);
    const compare: ICompare[] = conditions.map((c) => {
      if (!Number.isSafeInteger(c.version) || c.version < 0) {
        throw new StoreError('invalid', `condition versions are integers >= 0, got ${String(c.version)}`);
      }
      const key = recordKey(this.prefix, c.table, c.key);
      return c.version === 0
        ? { key, target: 'Version', result: 'Equal', version: 0 }
        : { key, target: 'Mod', result: 'Equal', mod_revision: c.version };
    });
    const success: IRequestOp[] = ops.map((op) =>
      op.op === 'put'
        ? { request_put: { key: recordKey(this.prefix, op.table, op.key), value: encode(op.value) } }
        : { request_delete_range: { key: recordKey(this.prefix, op.table, op.key) } },
    );
    const failure: IRequestOp[] = conditions.map((c) => ({
      request_range: { key: recordKey(this.prefix, c.table, c.key), keys_only: true },
    }));
    const res = await this.client.kv
      .txn({ compare, success, failure }, { deadline: Date.now() + this.timeoutMs })
      .catch((err: unknown) => {
        throw toStoreError(err, { writable: this.writable(), write: true });
      });
    if (!res.succeeded) {
      // The failure branch read every conditioned key at the transaction's revision: name the ones
      // that did not hold (group commit rejects only the writes they belong to).
      const current = conditions.map((c, i) => {
        const kv = res.responses[i]?.response_range.kvs[0];
        return { table: c.table, key: c.key, version: kv === undefined ? 0 : Number(kv.mod_revision) };
      });
      throw new EtcdConflictError(current.filter((c, i) => c.version !== conditions[i]!.version));
    }
    const index = Number(res.header.revision);
    return {
      index,
      versions: ops.map((op) => ({ table: op.table, key: op.key, version: op.op === 'put' ? index : 0 })),
    };
  };

  /** Every record of every table at one revision (linearizable). */
  async snapshot(): Promise<StoreImage> {
    const { revision, records } = await this.list(storeRange(this.prefix), { stale: false }, true);
    return { revision, records };
  }

  /** Every table's changes from now on, in revision order, each once. */
  subscribe(listener: (change: EtcdChange) => void): () => void {
    return this.requireFeed().subscribe(null, listener);
  }

  /** Every table's changes after `revision`, then live; see `feed.ts`. */
  subscribeFrom(
    revision: number,
    listener: (change: EtcdChange) => void,
    onError: (e: StoreError) => void,
  ): () => void {
    return this.requireFeed().subscribeFrom(null, revision, listener, onError);
  }

  /** An application node is a client of etcd, never one of its members. */
  role(): string {
    return 'client';
  }

  /** This node's lease is alive: etcd had a quorum and answered it within the lease's TTL. */
  writable(): boolean {
    return !this.closed && this.liveness.alive();
  }

  /** The etcd cluster as this node sees it: members, leader, revision. */
  backendStatus(): Promise<EtcdStatus> {
    return readStatus(this.client, this.options.endpoints, Math.min(this.timeoutMs, 2000));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.feed?.close();
    await this.liveness.stop();
    this.client.close();
  }

  private async get(table: string, key: string, stale: boolean): Promise<Versioned<unknown> | undefined> {
    this.usable(!stale);
    const res = await this.read((deadline) =>
      this.client.kv.range({ key: recordKey(this.prefix, table, key), serializable: stale }, { deadline }),
    );
    const kv = res.kvs[0];
    return kv === undefined ? undefined : { key, value: decode(kv.value), version: Number(kv.mod_revision) };
  }

  /** Every record in `range` at one revision, page by page (each page read at the first's revision). */
  private async list(
    range: KeyRange,
    options: ReadOptions,
    internal = false,
  ): Promise<{
    revision: number;
    records: Array<{ table: string; key: string; value: unknown; version: number }>;
  }> {
    if (!internal) this.usable(options.stale !== true);
    const records: Array<{ table: string; key: string; value: unknown; version: number }> = [];
    let from = range.key;
    let revision: string | undefined;
    for (;;) {
      const at = revision;
      const res = await this.read((deadline) =>
        this.client.kv.range(
          {
            key: from,
            range_end: range.rangeEnd,
            limit: PAGE,
            serializable: options.stale === true,
            ...(at === undefined ? {} : { revision: at }),
          },
          { deadline },
        ),
      );
      revision ??= res.header.revision;
      for (const kv of res.kvs) {
        const where = parseRecordKey(this.prefix, kv.key);
        if (where !== undefined)
          records.push({ ...where, value: decode(kv.value), version: Number(kv.mod_revision) });
      }
      const last = res.kvs.at(-1);
      if (!res.more || last === undefined) break;
      from = Buffer.concat([last.key, Buffer.from([0])]);
    }
    return { revision: Number(revision), records };
  }

  /** A read, retried on another endpoint when one was unreachable, within one request timeout. */
  private async read(call: (deadline: number) => Promise<IRangeResponse>): Promise<IRangeResponse> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(deadline);
      } catch (err) {
        const mapped = toStoreError(err, { writable: this.writable(), write: false });
        if (mapped.code !== 'no_quorum' || attempt >= READ_ATTEMPTS || Date.now() >= deadline) throw mapped;
      }
    }
  }

  private usable(needsQuorum: boolean): void {
    if (this.closed) throw new StoreError('unavailable', 'etcd store is closed');
    if (needsQuorum && this.feed !== undefined && !this.liveness.alive()) {
      const message = `no etcd lease for ${this.options.node}: etcd unreachable or without quorum`;
      throw new StoreError('no_quorum', message, { cause: new EtcdNotSentError(message) });
    }
  }

  private requireFeed(): EtcdFeed {
    if (this.feed === undefined) throw new StoreError('unavailable', 'etcd store is not open');
    return this.feed;
  }
}

function encode(value: unknown): Buffer {
  const text = JSON.stringify(value);
  if (text === undefined) throw new StoreError('invalid', 'values must be JSON-serialisable');
  return Buffer.from(text);
}

function decode(value: Buffer): unknown {
  return JSON.parse(value.toString()) as unknown;
}
