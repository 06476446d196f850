/**
 * A cluster node: one `ActorSystem` joined to its peers over an authenticated transport — the
 * TypeScript counterpart of a distributed Erlang node.
 *
 * ```ts
 * const node = await startNode({ name: 'gotham', cookie: 'secret', port: 4370,
 *   seeds: [{ host: '127.0.0.1', port: 4371 }] });
 * node.onNodeUp((peer) => console.log('up', peer));
 * await node.system.call({ name: 'city', node: 'metropolis@127.0.0.1:4371' }, { type: 'status' });
 * node.globals.register('dispatcher', pid);      // cluster-unique name
 * node.pubsub.publish('heroes', { type: 'created' });
 * await node.leave();                             // graceful; `stop()` is the hard stop
 * ```
 *
 * Membership: connecting to any member yields the full mesh (members gossip their member lists on
 * every new connection); lost connections are redialled with exponential backoff (100 ms → 2 s), so
 * a restarted node rejoins by itself. A closed connection is a node down at once; a silent peer
 * (paused, or cut off by a partition) is declared down by the failure detector fed by heartbeats
 * every `heartbeatIntervalMs`.
 *
 * When not to use: inside one process, an `ActorSystem` alone is enough.
 */
import pino from 'pino';
import type { Logger } from 'pino';
import { ActorSystem } from '../actor/index.ts';
import type { Pid, RemoteEnvelope } from '../actor/index.ts';
import { GlobalNames, earliestRegistrationWins } from './global-names.ts';
import type { NameResolverFn } from './global-names.ts';
import { ClusterMessageType, CLUSTER_MESSAGE_TYPES } from './message-types.ts';
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
import { createFailureDetector } from './peer-detector.ts';
import type { PeerDetector, PeerDetectorOptions } from './peer-detector.ts';
import { FaultController } from './transport/faults.ts';
import { TcpTransport } from './transport/tcp-transport.ts';
import type { TcpTlsOptions } from './transport/tcp-transport.ts';
import type { Connection, FaultInjectable, PeerAddress, Transport } from './transport/types.ts';
import { MessageType } from '../wire/message-types.ts';

export interface NodeOptions {
  /** Short node name, e.g. `gotham`. The full name is `gotham@host:port`. */
  readonly name: string;
  /** Shared secret of the cluster (never sent on the wire). */
  readonly cookie: string;
  /** Interface to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Port to bind. Default 0 (any free port). */
  readonly port?: number;
  /** Host peers should dial. Default `host`. */
  readonly advertiseHost?: string;
  /** Static seed list. Default none. */
  readonly seeds?: readonly PeerAddress[];
  /** Further discovery strategies (DNS, UDP gossip). Default none. */
  readonly discovery?: readonly AddressSource[];
  /** Mutual TLS between nodes. Default off. */
  readonly tls?: TcpTlsOptions;
  /** Build the transport (the in-memory one for simulations). Default TCP. */
  readonly transport?: (base: {
    name: string;
    cookie: string;
    logger: Logger;
    messageTypes: ReadonlySet<number>;
  }) => Transport & FaultInjectable;
  readonly logger?: Logger;
  /** Fault injection shared with other nodes (simulations). Default: one controller per node. */
  readonly faults?: FaultController;
  /** Heartbeat period. Default 100 ms: with the detector's defaults a silent peer is down in well under 2 s. */
  readonly heartbeatIntervalMs?: number;
  readonly failureDetector?: PeerDetectorOptions;
  /** First redial delay after a failure. Default 100 ms. */
  readonly reconnectMinMs?: number;
  /** Largest redial delay. Default 2 000 ms. */
  readonly reconnectMaxMs?: number;
  /** Resolves duplicate global names after a heal. Default: the earlier registration wins. */
  readonly nameResolver?: NameResolverFn;
  /** Default call timeout for this node's actor system, ms. Default 5 000. */
  readonly defaultCallTimeoutMs?: number;
}

/** Anything that yields peer addresses over time (static list, DNS, UDP gossip). */
export interface AddressSource {
  start(onAddress: (address: PeerAddress) => void): void;
  stop(): void;
}

export type NodeDownReason = 'connection_closed' | 'failure_detected' | 'left' | 'restarted' | 'stopped';

interface Member {
  /** The connection we send on; a spare from a simultaneous dial may still be read for a while. */
  conn: Connection;
  readonly outbound: boolean;
  readonly address: MemberAddress;
  left: boolean;
}

interface DialState {
  readonly address: PeerAddress;
  nextAt: number;
  delay: number;
  inFlight: boolean;
  /** The node behind this address, once known. */
  peer?: string;
}

export class ClusterNode {
  readonly system: ActorSystem;
  readonly globals: GlobalNames;
  readonly pubsub: PubSub;
  /** Fault injection for tests and chaos controls: partition, heal, drop and delay. */
  readonly faults: FaultController;
  readonly log: Logger;
  private readonly transport: Transport & FaultInjectable;
  private readonly members = new Map<string, Member>();
  private readonly dials = new Map<string, DialState>();
  private readonly handlers = new Map<number, (peer: string, payload: unknown) => void>();
  private readonly upListeners: ((peer: string) => void)[] = [];
  private readonly downListeners: ((peer: string, reason: NodeDownReason) => void)[] = [];
  private readonly detector: PeerDetector;
  private readonly options: NodeOptions;
  private readonly selfAddress: PeerAddress;
  private timers: ReturnType<typeof setInterval>[] = [];
  private stopped = false;
  private seq = 0;

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
    this.detector = createFailureDetector(options.failureDetector);
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
      send: (node, env) => this.sendTo(node, ClusterMessageType.Envelope, env),
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
    if (!m?.conn.isOpen) return false;
    m.conn.send(type, payload);
    return true;
  }

  broadcast(type: number, payload: unknown): void {
    for (const m of this.members.values()) if (m.conn.isOpen) m.conn.send(type, payload);
  }

  /** Add an address to dial (like `Node.connect`); the node keeps it and redials it after failures. */
  addPeer(address: PeerAddress, knownPeer?: string): void {
    if (this.stopped) return;
    if (address.host === this.selfAddress.host && address.port === this.selfAddress.port) return;
    const key = addrKey(address);
    const existing = this.dials.get(key);
    if (existing) {
      if (knownPeer) existing.peer = knownPeer;
      return;
    }
    const state: DialState = {
      address,
      nextAt: 0,
      delay: this.options.reconnectMinMs ?? 100,
      inFlight: false,
    };
    if (knownPeer) state.peer = knownPeer;
    this.dials.set(key, state);
    this.dialDue();
  }

  /** Resolves once `peer` (full name) is connected, or rejects after `timeoutMs`. */
  async waitForPeer(peer: string, timeoutMs = 10_000): Promise<void> {
    if (this.members.has(peer)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`${peer} did not connect within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onNodeUp((p) => {
        if (p !== peer) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** Start timers and discovery; called by `startNode`. */
  start(): void {
    const hb = this.options.heartbeatIntervalMs ?? 100;
    let lastTick = performance.now();
    this.timers.push(
      setInterval(() => {
        const now = performance.now();
        // A stall of our own event loop is not our peers' silence: forgive it.
        if (now - lastTick > hb * 3) this.detector.forgive(now);
        lastTick = now;
        this.seq++;
        for (const m of this.members.values())
          if (m.conn.isOpen) m.conn.send(MessageType.Heartbeat, { seq: this.seq });
        for (const peer of this.detector.suspects(now)) {
          const m = this.members.get(peer);
          if (!m) continue;
          this.log.warn({ peer }, 'peer silent; declaring it down');
          this.dropMember(peer, m, 'failure_detected');
          m.conn.close(new Error('failure detected'));
        }
      }, hb),
      setInterval(() => this.dialDue(), 50),
    );
    for (const t of this.timers) t.unref();
    this.transport.onConnection((conn) => this.adopt(conn, false));
    for (const seed of this.options.seeds ?? []) this.addPeer(seed);
    for (const d of this.options.discovery ?? []) {
      d.start((address) => this.addPeer(address));
    }
    this.faults.onChange(() => {
      // After a heal, dial at once instead of waiting out a backoff or a stuck handshake.
      for (const d of this.dials.values()) {
        d.nextAt = 0;
        d.inFlight = false;
        d.delay = this.options.reconnectMinMs ?? 100;
      }
      this.dialDue();
    });
  }

  private dialDue(): void {
    if (this.stopped) return;
    const now = performance.now();
    for (const d of this.dials.values()) {
      if (d.inFlight || d.nextAt > now) continue;
      if (d.peer && this.members.has(d.peer)) continue;
      d.inFlight = true;
      this.transport.connect(d.address).then(
        (conn) => {
          d.inFlight = false;
          d.delay = this.options.reconnectMinMs ?? 100;
          d.peer = conn.peerName;
          this.adopt(conn, true);
        },
        (err: unknown) => {
          d.inFlight = false;
          d.nextAt = performance.now() + d.delay;
          d.delay = Math.min(d.delay * 2, this.options.reconnectMaxMs ?? 2000);
          this.log.debug({ address: addrKey(d.address), err: String(err) }, 'dial failed');
        },
      );
    }
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
      setTimeout(() => spare.close(), 2000).unref();
      return;
    }
    if (existing) {
      this.dropMember(peer, existing, 'restarted');
      existing.conn.close();
    }
    const member: Member = { conn, outbound, address, left: false };
    this.members.set(peer, member);
    this.detector.heartbeat(peer, performance.now());
    this.listen(peer, member, conn);
    this.addPeer(address, peer);
    this.log.info({ peer }, 'node up');
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

  private dropMember(peer: string, member: Member, reason: NodeDownReason): void {
    if (this.members.get(peer) !== member) return;
    this.members.delete(peer);
    this.detector.remove(peer);
    if (reason === 'left') this.dials.delete(addrKey(member.address));
    this.system.nodeDown(peer);
    this.globals.nodeDown(peer);
    this.log.warn({ peer, reason }, 'node down');
    for (const l of [...this.downListeners]) l(peer, reason);
  }

  private memberAddresses(): MemberAddress[] {
    const self = parseNodeName(this.name) as MemberAddress;
    return [self, ...[...this.members.values()].map((m) => m.address)];
  }

  private receive(peer: string, member: Member, type: number, payload: unknown): void {
    this.detector.heartbeat(peer, performance.now());
    switch (type) {
      case MessageType.Heartbeat:
        return;
      case ClusterMessageType.Envelope:
        this.system.receiveRemote(payload as RemoteEnvelope);
        return;
      case ClusterMessageType.Members:
        for (const m of (payload as MembersPayload).members) {
          if (m.name !== this.name && !this.members.has(m.name)) this.addPeer({ host: m.host, port: m.port });
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
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const d of this.options.discovery ?? []) d.stop();
    const peers = [...this.members.entries()];
    await this.transport.close();
    for (const [peer, m] of peers) this.dropMember(peer, m, 'stopped');
    this.system.shutdownNow();
  }

  /** Ids of pids on `node`, for tests. */
  static isOn(pid: Pid, node: string): boolean {
    return pid.node === node;
  }
}

export async function startNode(options: NodeOptions): Promise<ClusterNode> {
  const logger = options.logger ?? pino({ level: 'silent' });
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
    logger: logger.child({ node: options.name }),
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
  return node;
}

function addrKey(a: PeerAddress): string {
  return `${a.host}:${a.port}`;
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
