/**
 * An in-process network for tests and simulations: `MemoryTransport`s attached to one
 * `MemoryNetwork` dial each other by `{host, port}` exactly like TCP transports, through the same
 * framing, handshake, coalescing and backpressure code, over in-memory pipes.
 *
 * Example:
 * ```ts
 * const network = new MemoryNetwork();
 * const a = network.transport({ name: 'gotham', cookie });
 * const b = network.transport({ name: 'metropolis', cookie });
 * const address = await b.listen();                 // { host: 'memory', port: 10000 }
 * const conn = await a.connect(address);
 * ```
 *
 * Options: `scheduler` (default real timers; pass a virtual one for deterministic simulation),
 * `highWaterMark` (bytes in flight per direction before writes report backpressure, default
 * 64 KiB like a socket buffer). Per transport: `host` (default `memory`), `port` (default 0: the
 * network assigns one from 10000 up). `crash()` kills a transport without goodbyes, as a killed
 * process would: its peers see `ConnectionLostError`.
 *
 * Not for: measuring network performance — it measures the code above the socket only.
 */
import { ConnectError, ListenError, TransportClosedError } from './errors.ts';
import { ConnectionHub } from './connection-hub.ts';
import type { FramedConnection } from './framed-connection.ts';
import type { Link } from './link.ts';
import { memoryLinkPair } from './memory-link.ts';
import { resolveTransportOptions } from './options.ts';
import type { ResolvedTransportOptions, TransportOptions } from './options.ts';
import { realScheduler } from './scheduler.ts';
import type { Scheduler } from './scheduler.ts';
import type { Connection, FaultInjectable, LinkPolicy, PeerAddress, Transport } from './types.ts';

export interface MemoryNetworkOptions {
  /** Clock and timers for every pipe and transport on this network. Default: real ones. */
  scheduler?: Scheduler;
  /** Bytes in flight per direction before `write` reports backpressure. Default 65536. */
  highWaterMark?: number;
}

export interface MemoryTransportOptions extends Omit<TransportOptions, 'scheduler'> {
  /** Host part of the address. Default `memory`. */
  host?: string;
  /** Port to listen on. Default 0: the network assigns a free one. */
  port?: number;
}

export class MemoryNetwork {
  readonly scheduler: Scheduler;
  readonly highWaterMark: number;
  private readonly listeners = new Map<string, MemoryTransport>();
  private nextPort = 10000;

  constructor(options: MemoryNetworkOptions = {}) {
    this.scheduler = options.scheduler ?? realScheduler;
    this.highWaterMark = options.highWaterMark ?? 64 * 1024;
  }

  /** Creates a transport on this network. */
  transport(options: MemoryTransportOptions): MemoryTransport {
    return new MemoryTransport(this, options);
  }

  /** @internal Registers a listener; port 0 picks a free one. */
  bind(transport: MemoryTransport, host: string, port: number): number {
    let chosen = port;
    if (chosen === 0) {
      while (this.listeners.has(`${host}:${this.nextPort}`)) this.nextPort++;
      chosen = this.nextPort++;
    }
    const key = `${host}:${chosen}`;
    if (this.listeners.has(key)) throw new ListenError(key, new Error('address in use'));
    this.listeners.set(key, transport);
    return chosen;
  }

  /** @internal */
  unbind(host: string, port: number, transport: MemoryTransport): void {
    const key = `${host}:${port}`;
    if (this.listeners.get(key) === transport) this.listeners.delete(key);
  }

  /** @internal The listener at an address, if any. */
  lookup(address: PeerAddress): MemoryTransport | undefined {
    return this.listeners.get(`${address.host}:${address.port}`);
  }
}

export class MemoryTransport implements Transport, FaultInjectable {
  private readonly network: MemoryNetwork;
  private readonly opts: ResolvedTransportOptions;
  private readonly host: string;
  private port: number;
  private listening = false;
  private closed = false;
  private policy: LinkPolicy | undefined;
  private readonly hub = new ConnectionHub();
  private readonly links = new Set<Link>();

  constructor(network: MemoryNetwork, options: MemoryTransportOptions) {
    this.network = network;
    this.opts = resolveTransportOptions({ ...options, scheduler: network.scheduler });
    this.host = options.host ?? 'memory';
    this.port = options.port ?? 0;
  }

  get localName(): string {
    return `${this.opts.name}@${this.host}:${this.port}`;
  }

  get localIncarnation(): string {
    return this.opts.incarnation;
  }

  setLinkPolicy(policy: LinkPolicy | undefined): void {
    this.policy = policy;
  }

  async listen(): Promise<PeerAddress> {
    if (this.closed) throw new TransportClosedError();
    if (!this.listening) {
      this.port = this.network.bind(this, this.host, this.port);
      this.listening = true;
    }
    return { host: this.host, port: this.port };
  }

  connect(address: PeerAddress): Promise<Connection> {
    if (this.closed) return Promise.reject(new TransportClosedError());
    const target = `${address.host}:${address.port}`;
    return new Promise<void>((resolve) => this.network.scheduler.defer(resolve)).then(() => {
      const listener = this.network.lookup(address);
      if (this.closed) throw new TransportClosedError();
      if (!listener) {
        throw new ConnectError(
          target,
          Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }),
        );
      }
      const [mine, theirs] = memoryLinkPair({
        scheduler: this.network.scheduler,
        highWaterMark: this.network.highWaterMark,
        names: [this.localName, target],
      });
      listener.accept(theirs);
      return this.track(mine, 'initiator').ready;
    });
  }

  onConnection(handler: (conn: Connection) => void): void {
    this.hub.onConnection(handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.listening) this.network.unbind(this.host, this.port, this);
    const linksClosed = [...this.links].map(
      (link) => new Promise<void>((resolve) => link.onClose(() => resolve())),
    );
    this.hub.closeAll();
    await Promise.all(linksClosed);
  }

  /** Dies like a killed process: stops listening and resets every link, no goodbyes. */
  crash(): void {
    this.closed = true;
    if (this.listening) this.network.unbind(this.host, this.port, this);
    for (const link of this.links) link.destroy();
  }

  /** @internal Called by the network for an inbound pipe. */
  accept(link: Link): void {
    if (this.closed) {
      link.destroy();
      return;
    }
    this.hub.announce(this.track(link, 'responder'));
  }

  private track(link: Link, role: 'initiator' | 'responder'): FramedConnection {
    this.links.add(link);
    link.onClose(() => this.links.delete(link));
    return this.hub.open({
      role,
      link,
      localName: this.localName,
      options: this.opts,
      policy: () => this.policy,
    });
  }
}
