/**
 * Local-network gossip discovery over UDP: every node announces `name@host:port` every
 * `intervalMs`, authenticated with an HMAC derived from the cookie; announcements that do not
 * verify (strangers, other clusters, garbage) are ignored. The view is every node heard within
 * `expireAfterMs`, excluding ourselves.
 *
 * Example:
 * ```ts
 * const gossip = new GossipDiscovery({ localName: transport.localName, cookie });
 * await gossip.start((candidates) => dialAll(candidates));
 * ```
 *
 * Delivery (`delivery`), one of:
 * - `{ multicast: '233.252.1.32', ttl: 1 }` — the default, like the original libcluster gossip
 *   strategy: one group, TTL 1 so announcements stay on the local segment;
 * - `{ broadcast: '255.255.255.255' }` — for networks without multicast routing. On one machine
 *   without a multicast route (containers, sandboxes, CI) use `{ broadcast: '127.255.255.255' }`:
 *   Linux delivers loopback broadcasts to every socket bound to the port;
 * - `{ unicast: [{ host, port }, …] }` — an explicit list of targets (each node may then bind
 *   its own port).
 * Other options: `port` (default 45892, the original's), `bindAddress` (default `0.0.0.0`),
 * `intervalMs` (default 2000: a node joins within two seconds, the traffic is negligible),
 * `expireAfterMs` (default 3 × intervalMs: two lost datagrams do not drop a node from the view),
 * `logger` (default silent; ignored datagrams are logged at `debug`), `scheduler`.
 * The socket is opened with `reuseAddr`, so several nodes on one host share the port.
 *
 * Not for: crossing routers or the internet; use DNS or a seed list there. IPv4 only.
 */
import dgram from 'node:dgram';
import type { Socket } from 'node:dgram';
import pino from 'pino';
import type { Logger } from 'pino';
import { deriveKey } from '../../wire/handshake-proof.ts';
import { realScheduler } from '../transport/scheduler.ts';
import type { Scheduler, Timer } from '../transport/scheduler.ts';
import type { PeerAddress } from '../transport/types.ts';
import { decodeAnnouncement, encodeAnnouncement } from './gossip-packet.ts';
import type { Announcement } from './gossip-packet.ts';
import { normalizeCandidates, parseCandidate } from './types.ts';
import type { Candidate, Discovery } from './types.ts';

export type GossipDelivery =
  | { readonly multicast: string; readonly ttl?: number }
  | { readonly broadcast: string }
  | { readonly unicast: readonly PeerAddress[] };

export interface GossipDiscoveryOptions {
  /** What to announce: this node's `localName` (`name@host:port`, a host peers can dial). */
  localName: string;
  cookie: string;
  port?: number;
  bindAddress?: string;
  delivery?: GossipDelivery;
  intervalMs?: number;
  expireAfterMs?: number;
  logger?: Logger;
  scheduler?: Scheduler;
}

export const GOSSIP_DEFAULTS = {
  port: 45892,
  bindAddress: '0.0.0.0',
  delivery: { multicast: '233.252.1.32', ttl: 1 } as GossipDelivery,
  intervalMs: 2000,
} as const;

export interface GossipStats {
  /** Datagrams sent. */
  sent: number;
  /** Valid announcements from other nodes. */
  accepted: number;
  /** Datagrams ignored (bad MAC, bad format, oversized). */
  ignored: number;
}

export class GossipDiscovery implements Discovery {
  readonly stats: GossipStats = { sent: 0, accepted: 0, ignored: 0 };
  private readonly self: Announcement;
  private readonly key: Buffer;
  private readonly port: number;
  private readonly bindAddress: string;
  private readonly delivery: GossipDelivery;
  private readonly intervalMs: number;
  private readonly expireAfterMs: number;
  private readonly log: Logger;
  private readonly scheduler: Scheduler;
  private readonly heard = new Map<string, { candidate: Candidate; seenAt: number }>();
  private socket: Socket | undefined;
  private timer: Timer | undefined;
  private listener: ((candidates: readonly Candidate[]) => void) | undefined;

  constructor(options: GossipDiscoveryOptions) {
    const parsed = parseCandidate(options.localName);
    this.self = { name: options.localName, host: parsed.host, port: parsed.port };
    if (!options.cookie) throw new TypeError('cookie must be a non-empty string');
    this.key = deriveKey(options.cookie, 'gossip');
    this.port = options.port ?? GOSSIP_DEFAULTS.port;
    this.bindAddress = options.bindAddress ?? GOSSIP_DEFAULTS.bindAddress;
    this.delivery = options.delivery ?? GOSSIP_DEFAULTS.delivery;
    this.intervalMs = options.intervalMs ?? GOSSIP_DEFAULTS.intervalMs;
    this.expireAfterMs = options.expireAfterMs ?? 3 * this.intervalMs;
    if (!(this.intervalMs > 0 && this.expireAfterMs > 0)) throw new RangeError('intervals must be > 0');
    this.log = options.logger ?? pino({ level: 'silent' });
    this.scheduler = options.scheduler ?? realScheduler;
  }

  async start(listener: (candidates: readonly Candidate[]) => void): Promise<void> {
    if (this.socket) return;
    this.listener = listener;
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    this.socket = socket;
    socket.on('message', (packet, from) => this.receive(packet, `${from.address}:${from.port}`));
    socket.on('error', (err) => this.log.warn({ err }, 'gossip socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.port, this.bindAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if ('multicast' in this.delivery) {
      socket.addMembership(this.delivery.multicast);
      socket.setMulticastTTL(this.delivery.ttl ?? 1);
      socket.setMulticastLoopback(true);
    } else if ('broadcast' in this.delivery) {
      socket.setBroadcast(true);
    }
    this.tick();
  }

  async stop(): Promise<void> {
    this.listener = undefined;
    this.timer?.cancel();
    this.timer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private tick(): void {
    if (!this.socket) return;
    this.announce();
    this.expire();
    this.timer = this.scheduler.setTimer(() => this.tick(), this.intervalMs);
  }

  private announce(): void {
    const socket = this.socket;
    if (!socket) return;
    const packet = encodeAnnouncement(this.key, this.self);
    const targets: PeerAddress[] =
      'unicast' in this.delivery
        ? [...this.delivery.unicast]
        : [
            {
              host: 'multicast' in this.delivery ? this.delivery.multicast : this.delivery.broadcast,
              port: this.port,
            },
          ];
    for (const target of targets) {
      socket.send(packet, target.port, target.host, (err) => {
        if (err) this.log.warn({ err, target }, 'gossip announcement not sent');
      });
      this.stats.sent++;
    }
  }

  private receive(packet: Buffer, from: string): void {
    const decoded = decodeAnnouncement(this.key, packet);
    if (!decoded.ok) {
      this.stats.ignored++;
      this.log.debug({ from, reason: decoded.reason }, 'gossip datagram ignored');
      return;
    }
    const { name, host, port } = decoded.announcement;
    if (name === this.self.name) return;
    this.stats.accepted++;
    const previous = this.heard.get(name);
    this.heard.set(name, { candidate: { host, port, name }, seenAt: this.scheduler.now() });
    if (!previous || previous.candidate.host !== host || previous.candidate.port !== port) this.emit();
  }

  private expire(): void {
    const cutoff = this.scheduler.now() - this.expireAfterMs;
    let changed = false;
    for (const [name, entry] of this.heard) {
      if (entry.seenAt < cutoff) {
        this.heard.delete(name);
        changed = true;
      }
    }
    if (changed) this.emit();
  }

  private emit(): void {
    this.listener?.(normalizeCandidates([...this.heard.values()].map((entry) => entry.candidate)));
  }
}
