/**
 * A cluster node: one `ActorSystem` joined to its peers over an authenticated transport — the
 * TypeScript counterpart of a distributed Erlang node.
 *
 * ```ts
 * const node = await startNode({ name: 'gotham', cookie: process.env.COOKIE!, port: 4370,
 *   seeds: [{ host: '127.0.0.1', port: 4371 }] });
 * node.onNodeUp((peer) => console.log('up', peer));
 * await node.system.call({ name: 'city', node: 'metropolis@127.0.0.1:4371' }, { type: 'status' });
 * node.globals.register('dispatcher', pid);      // cluster-unique name
 * node.pubsub.publish('heroes', { type: 'created' });
 * await node.leave();                             // graceful; `stop()` is the hard stop
 * ```
 *
 * Membership: connecting to any member yields the full mesh (members gossip their member lists on
 * every new connection). Addresses come from the seed list, from discovery sources (DNS, UDP
 * gossip; see `NodeOptions.discovery`) and from members; lost connections are redialled with
 * exponential backoff (100 ms → 2 s), so a restarted node rejoins by itself.
 *
 * Failure detection: a closed connection is a node down at once (`connection_closed`). A silent
 * peer — paused, or cut off by a partition that closes nothing — is declared down by the
 * phi-accrual detector (`failure_detected`): every connection carries a heartbeat every 100 ms,
 * and with the defaults a peer is down 1.1–1.3 s after it fell silent. A stall of our own event
 * loop (GC, a long handler, CPU starvation) is recognised as ours and accuses nobody. See
 * `docs/decisions/0001-failure-detection.md`.
 *
 * Logging: without `NodeOptions.logger`, warnings go to standard error (`defaultLogger`): actor
 * crashes and restarts, handshake refusals with their reason (a wrong cookie is named as such, on
 * both sides, never printing the cookie), node up and node down. `waitForPeer` rejects with
 * `CookieMismatchError` (`cookie_mismatch`) when the peer refuses our cookie.
 *
 * When not to use: inside one process, an `ActorSystem` alone is enough.
 */
import type { Logger } from 'pino';
import { defaultLogger } from '../util/default-logger.ts';
import { HandshakeAuthError } from '../wire/errors.ts';
import { ActorSystem } from '../actor/index.ts';
import type { Pid } from '../actor/index.ts';
import { Dialer, addressKey } from './dialer.ts';
import { CookieMismatchError, PeerTimeoutError } from './errors.ts';
import { TrafficSpin } from './traffic-spin.ts';
import { decodeEnvelope, encodeEnvelope } from './envelope-codec.ts';
import { combineDiscovery } from './discovery/combine.ts';
import { DiscoveryStartError } from './discovery/errors.ts';
import type { Discovery } from './discovery/types.ts';
import { HeartbeatMonitor } from './failure-detector/heartbeat-monitor.ts';
import type { PeerDownEvent } from './failure-detector/heartbeat-monitor.ts';
import { GlobalNames, earliestRegistrationWins } from './global-names.ts';
import { ClusterMessageType, CLUSTER_MESSAGE_TYPES } from './message-types.ts';
import type { NodeDownReason, NodeOptions } from './node-options.ts';
import type {
  LeavePayload,
  MemberAddress,
  MembersPayload,
  NameClaimPayload,
  NameReleasePayload,
  NamesSyncPayload,
  PublishPayload,
} from './protocol.ts';
import { parseNodeName, shortName } from './protocol.ts';
import { PubSub } from './pubsub.ts';
import { startWatcher } from './watcher.ts';
import type { Watch } from './watcher.ts';
import { FaultController } from './transport/faults.ts';
import { TcpTransport } from './transport/tcp-transport.ts';
import type { Connection, FaultInjectable, PeerAddress, Transport } from './transport/types.ts';
import { MessageType } from '../wire/message-types.ts';
import { every, type Periodic } from './transport/ticker.ts';

export type { DiscoveryContext, DiscoverySource, NodeDownReason, NodeOptions } from './node-options.ts';

interface Member {
  /** The connection we send on; a spare from a simultaneous dial may still be read for a while. */
  conn: Connection;
  readonly outbound: boolean;
  readonly address: MemberAddress;
  left: boolean;
}

export class ClusterNode {
  readonly system: ActorSystem;
  readonly globals: GlobalNames;
  readonly pubsub: PubSub;
  /** Fault injection for tests and chaos controls: partition, heal, drop and delay. */
  readonly faults: FaultController;
  /** Heartbeats on every connection and the phi-accrual detector behind them (φ, stall metrics). */
  readonly monitor: HeartbeatMonitor;
  readonly log: Logger;
  private readonly transport: Transport & FaultInjectable;
  private readonly members = new Map<string, Member>();
  private readonly dialer: Dialer;
  private readonly spin: TrafficSpin;
  private readonly handlers = new Map<number, (peer: string, payload: unknown) => void>();
  private readonly upListeners: ((peer: string) => void)[] = [];
  private readonly downListeners: ((peer: string, reason: NodeDownReason) => void)[] = [];
  /**
   * The latest cookie refusal from each peer we dialled, by full name and by `host:port`; cleared
   * when the peer connects. `waitForPeer` reports it instead of waiting out its timeout.
   */
  private readonly cookieRefusals = new Map<string, HandshakeAuthError>();
  private readonly refusalListeners: ((keys: readonly string[], err: HandshakeAuthError) => void)[] = [];
  private readonly options: NodeOptions;
  private readonly selfAddress: PeerAddress;
  private discovery: Discovery | undefined;
  private timers: Periodic[] = [];
  private unsubscribeFaults: (() => void) | undefined;
  private stopped = false;

  /** Use `startNode`. */
  constructor(
    options: NodeOptions,
    transport: Transport & FaultInjectable,
    selfAddress: PeerAddress,
    system: ActorSystem,
    watch: Watch,
    faults: FaultController,
  ) {
    this.options = options;
    this.transport = transport;
    this.selfAddress = selfAddress;
    this.system = system;
    this.log = system.log;
    this.faults = faults;
    this.monitor = new HeartbeatMonitor({ ...options.failureDetector, logger: this.log });
    this.monitor.onDown((event) => this.onPeerSilent(event));
    this.spin = new TrafficSpin({ budgetUs: options.spinUs ?? 100 });
    this.dialer = new Dialer({
      connect: (address) => this.transport.connect(address),
      isConnected: (peer) => this.members.has(peer),
      onConnected: (conn) => this.adopt(conn, true),
      onFailed: (address, err) => {
        if (err instanceof HandshakeAuthError) this.cookieRefused(address, err);
      },
      self: selfAddress,
      selfName: system.node,
      log: this.log,
      minDelayMs: options.reconnectMinMs ?? 100,
      maxDelayMs: options.reconnectMaxMs ?? 2000,
    });
    this.globals = new GlobalNames(
      system,
      {
        broadcastClaim: (claim) => this.broadcast(ClusterMessageType.NameClaim, claim),
        broadcastRelease: (name, pid) => this.broadcast(ClusterMessageType.NameRelease, { name, pid }),
        watch,
        now: () => Date.now(),
      },
      options.nameResolver ?? earliestRegistrationWins,
    );
    this.pubsub = new PubSub(
      system,
      (topic, msg) => this.broadcast(ClusterMessageType.Publish, { topic, msg }),
      watch,
    );
    system.attachBridge({
      send: (node, env) => {
        const m = this.members.get(node);
        if (m === undefined || !m.conn.isOpen) return false;
        m.conn.send(ClusterMessageType.Envelope, encodeEnvelope(env, this.name, node));
        this.spin.traffic();
        return true;
      },
      whereisGlobal: (name) => this.globals.whereis(name),
    });
  }

  /** Full name: `gotham@127.0.0.1:4370`. */
  get name(): string {
    return this.system.node;
  }

  get shortName(): string {
    return shortName(this.system.node);
  }

  get incarnation(): string {
    return this.transport.localIncarnation;
  }

  get address(): PeerAddress {
    return this.selfAddress;
  }

  /** Connected peers (full names). */
  nodes(): string[] {
    return [...this.members.keys()];
  }

  isConnected(peer: string): boolean {
    return this.members.has(peer);
  }

  /** Addresses this node dials or redials (seeds, members, discovery candidates). */
  knownAddresses(): PeerAddress[] {
    return this.dialer.addresses();
  }

  onNodeUp(listener: (peer: string) => void): () => void {
    this.upListeners.push(listener);
    return () => remove(this.upListeners, listener);
  }

  onNodeDown(listener: (peer: string, reason: NodeDownReason) => void): () => void {
    this.downListeners.push(listener);
    return () => remove(this.downListeners, listener);
  }

  /** Register the handler of a protocol message type (CRDT, Raft, …). One handler per type. */
  handle(type: number, handler: (peer: string, payload: unknown) => void): void {
    if (this.handlers.has(type)) throw new Error(`message type ${type} already has a handler`);
    this.handlers.set(type, handler);
  }

  /** Send to a connected peer; false when not connected. */
  sendTo(peer: string, type: number, payload: unknown): boolean {
    const m = this.members.get(peer);
    if (m === undefined || !m.conn.isOpen) return false;
    m.conn.send(type, payload);
    return true;
  }

  broadcast(type: number, payload: unknown): void {
    for (const m of this.members.values()) if (m.conn.isOpen) m.conn.send(type, payload);
  }

  /** Add an address to dial (like `Node.connect`); the node keeps it and redials it after failures. */
  addPeer(address: PeerAddress, knownPeer?: string): void {
    if (this.stopped) return;
    this.dialer.add(address, knownPeer);
  }

  /**
   * Resolves once `peer` (full name) is connected. Rejects with `CookieMismatchError`
   * (`cookie_mismatch`) as soon as our latest dial to it was refused for a cookie mismatch, and
   * with `PeerTimeoutError` (`peer_timeout`) after `timeoutMs` (default 10 000).
   */
  async waitForPeer(peer: string, timeoutMs = 10_000): Promise<void> {
    if (this.members.has(peer)) return;
    const keys = peerKeys(peer);
    const refused = keys.map((k) => this.cookieRefusals.get(k)).find((e) => e !== undefined);
    if (refused) throw new CookieMismatchError(peer, refused);
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        offUp();
        remove(this.refusalListeners, onRefusal);
      };
      const timer = setTimeout(() => {
        done();
        reject(new PeerTimeoutError(peer, timeoutMs));
      }, timeoutMs);
      const offUp = this.onNodeUp((p) => {
        if (p !== peer) return;
        done();
        resolve();
      });
      const onRefusal = (refusedKeys: readonly string[], err: HandshakeAuthError): void => {
        if (!refusedKeys.some((k) => keys.includes(k))) return;
        done();
        reject(new CookieMismatchError(peer, err));
      };
      this.refusalListeners.push(onRefusal);
    });
  }

  private cookieRefused(address: PeerAddress, err: HandshakeAuthError): void {
    const keys = err.peer === undefined ? [addressKey(address)] : [addressKey(address), err.peer];
    for (const k of keys) this.cookieRefusals.set(k, err);
    for (const l of [...this.refusalListeners]) l(keys, err);
  }

  /** Start the failure detector, the redial loop and the seeds; called by `startNode`. */
  start(): void {
    this.monitor.start();
    this.timers.push(every(50, () => this.dialer.dialDue()));
    this.transport.onConnection((conn) => this.adopt(conn, false));
    for (const seed of this.options.seeds ?? []) this.addPeer(seed);
    // After a heal, dial at once instead of waiting out a backoff or a stuck handshake.
    this.unsubscribeFaults = this.faults.onChange(() => this.dialer.retryNow());
  }

  /** Start the discovery sources; called by `startNode`. Rejects with `DiscoveryStartError`. */
  async startDiscovery(): Promise<void> {
    const sources = this.options.discovery ?? [];
    if (sources.length === 0 || this.stopped) return;
    let discovery: Discovery;
    try {
      const context = {
        localName: this.name,
        cookie: this.options.cookie,
        address: this.selfAddress,
        logger: this.log,
      };
      discovery = combineDiscovery(
        ...sources.map((source) => (typeof source === 'function' ? source(context) : source)),
      );
      await discovery.start((view) => {
        if (!this.stopped) this.dialer.offer(view);
      });
    } catch (err) {
      throw new DiscoveryStartError(err);
    }
    this.discovery = discovery;
  }

  private adopt(conn: Connection, outbound: boolean): void {
    const peer = conn.peerName;
    if (this.stopped || peer === this.name) {
      conn.close();
      return;
    }
    const address = parseNodeName(peer);
    if (!address) {
      conn.close(new Error(`bad peer name ${peer}`));
      return;
    }
    const existing = this.members.get(peer);
    if (existing?.conn.isOpen && existing.conn.peerIncarnation === conn.peerIncarnation) {
      // Both sides dialled at once. Both keep sending on the connection dialled by the smaller
      // name; the other stays open for reading a while, so nothing sent on it is lost.
      const preferNew = outbound === this.name < peer;
      const spare = preferNew ? existing.conn : conn;
      if (preferNew) existing.conn = conn;
      this.listen(peer, existing, conn);
      this.monitor.watch(conn);
      setTimeout(() => spare.close(), 2000).unref();
      return;
    }
    if (existing) {
      this.dropMember(peer, existing, 'restarted');
      existing.conn.close();
    }
    const member: Member = { conn, outbound, address, left: false };
    this.members.set(peer, member);
    this.listen(peer, member, conn);
    this.monitor.watch(conn);
    this.dialer.add(address, peer, 'member');
    for (const k of peerKeys(peer)) this.cookieRefusals.delete(k);
    // Warn level, as node down: membership changes are what an operator needs to see by default.
    this.log.warn({ peer }, 'node up');
    conn.send(ClusterMessageType.Members, { members: this.memberAddresses() } satisfies MembersPayload);
    conn.send(ClusterMessageType.NamesSync, {
      claims: this.globals.localClaims(),
    } satisfies NamesSyncPayload);
    for (const l of [...this.upListeners]) l(peer);
  }

  private listen(peer: string, member: Member, conn: Connection): void {
    conn.onMessage((type, payload) => this.receive(peer, member, type, payload));
    conn.onClose((reason) => {
      if (this.members.get(peer) !== member || member.conn !== conn) return;
      this.log.info({ peer, reason: reason?.message }, 'connection closed');
      this.dropMember(peer, member, member.left ? 'left' : 'connection_closed');
    });
  }

  /** The detector gave up on a connection (it closes it next); the peer is down if it was the one we use. */
  private onPeerSilent(event: PeerDownEvent): void {
    const member = this.members.get(event.peer);
    if (member?.conn !== event.connection) return;
    this.log.warn(
      { peer: event.peer, silenceMs: Math.round(event.silenceMs), phi: event.phi },
      'peer silent; declaring it down',
    );
    this.dropMember(event.peer, member, 'failure_detected');
  }

  private dropMember(peer: string, member: Member, reason: NodeDownReason): void {
    if (this.members.get(peer) !== member) return;
    this.members.delete(peer);
    if (reason === 'left') this.dialer.forget(member.address);
    this.system.nodeDown(peer);
    this.globals.nodeDown(peer);
    // Our own stop is not news; every other reason is.
    if (reason === 'stopped') this.log.info({ peer, reason }, 'node down');
    else this.log.warn({ peer, reason }, 'node down');
    for (const l of [...this.downListeners]) l(peer, reason);
  }

  private memberAddresses(): MemberAddress[] {
    const self = parseNodeName(this.name) as MemberAddress;
    return [self, ...[...this.members.values()].map((m) => m.address)];
  }

  private receive(peer: string, member: Member, type: number, payload: unknown): void {
    switch (type) {
      case ClusterMessageType.Envelope:
        this.spin.traffic(true);
        this.system.receiveRemote(decodeEnvelope(payload, this.name, peer));
        return;
      case MessageType.Heartbeat:
        return; // the heartbeat monitor reads these
      case ClusterMessageType.Members:
        for (const m of (payload as MembersPayload).members) {
          if (m.name !== this.name && !this.members.has(m.name))
            this.dialer.add({ host: m.host, port: m.port }, undefined, 'member');
        }
        return;
      case ClusterMessageType.NamesSync:
        for (const claim of (payload as NamesSyncPayload).claims) this.globals.receiveClaim(claim);
        return;
      case ClusterMessageType.NameClaim:
        this.globals.receiveClaim(payload as NameClaimPayload);
        return;
      case ClusterMessageType.NameRelease: {
        const p = payload as NameReleasePayload;
        this.globals.receiveRelease(p.name, p.pid);
        return;
      }
      case ClusterMessageType.Publish: {
        const p = payload as PublishPayload;
        this.pubsub.deliverLocal(p.topic, p.msg);
        return;
      }
      case ClusterMessageType.Leave:
        member.left = true;
        this.log.info({ peer, reason: (payload as LeavePayload).reason }, 'peer is leaving');
        return;
      default: {
        const handler = this.handlers.get(type);
        if (handler) handler(peer, payload);
        else this.log.warn({ peer, type }, 'no handler for message type');
      }
    }
  }

  /** Graceful leave: peers are told, so they forget this node instead of redialling it. */
  async leave(reason = 'leaving'): Promise<void> {
    if (this.stopped) return;
    this.broadcast(ClusterMessageType.Leave, { reason } satisfies LeavePayload);
    await this.close();
  }

  /** Hard stop: connections close without a goodbye; peers see the node down and keep redialling it. */
  async stop(): Promise<void> {
    await this.close();
  }

  private async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.monitor.stop();
    this.dialer.stop();
    this.unsubscribeFaults?.();
    const peers = [...this.members.entries()];
    await Promise.all([this.discovery?.stop(), this.transport.close()]);
    for (const [peer, m] of peers) this.dropMember(peer, m, 'stopped');
    this.system.shutdownNow();
  }

  /** Ids of pids on `node`, for tests. */
  static isOn(pid: Pid, node: string): boolean {
    return pid.node === node;
  }
}

/**
 * Starts a node: binds the transport, starts the actor system, the failure detector, the seeds'
 * dials and the discovery sources. Rejects with `ListenError` if the port cannot be bound and
 * with `DiscoveryStartError` if a discovery source cannot start (the node is stopped again).
 */
export async function startNode(options: NodeOptions): Promise<ClusterNode> {
  const given = options.logger ?? defaultLogger();
  // Every line names its node (several nodes may share one logger, e.g. the default one); a
  // logger that already names it (the CLI binds it) is not bound twice.
  const logger = 'node' in given.bindings() ? given : given.child({ node: options.name });
  const messageTypes = new Set<number>([...Object.values(MessageType), ...CLUSTER_MESSAGE_TYPES]);
  const transport =
    options.transport?.({ name: options.name, cookie: options.cookie, logger, messageTypes }) ??
    new TcpTransport({
      name: options.name,
      cookie: options.cookie,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      ...(options.advertiseHost ? { advertiseHost: options.advertiseHost } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
      logger,
      messageTypes,
    });
  const faults = options.faults ?? new FaultController();
  faults.wrap(transport);
  const bound = await transport.listen();
  const selfAddress = parseNodeName(transport.localName) ?? { name: transport.localName, ...bound };
  const system = new ActorSystem({
    node: transport.localName,
    logger,
    ...(options.defaultCallTimeoutMs ? { defaultCallTimeoutMs: options.defaultCallTimeoutMs } : {}),
  });
  const watch = await startWatcher(system);
  const node = new ClusterNode(
    options,
    transport,
    { host: selfAddress.host, port: selfAddress.port },
    system,
    watch,
    faults,
  );
  node.start();
  try {
    await node.startDiscovery();
  } catch (err) {
    await node.stop();
    throw err;
  }
  return node;
}

/** The keys a peer's cookie refusal is kept under: its full name and its `host:port`. */
function peerKeys(peer: string): string[] {
  const address = parseNodeName(peer);
  return address ? [peer, addressKey(address)] : [peer];
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
