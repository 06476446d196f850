/**
 * Options of `startNode`, with their defaults (unit and reason), and the shapes discovery sources
 * are given in. Validated where they are used: names and cookies by the transport, detector
 * options by the detector, discovery options by each source.
 *
 * Example:
 * ```ts
 * const node = await startNode({
 *   name: 'gotham', cookie, port: 4370,
 *   seeds: [{ host: '10.0.0.2', port: 4370 }],
 *   discovery: [({ address }) => new DnsDiscovery({ query: 'superhero.default.svc', port: address.port })],
 *   failureDetector: { threshold: 10 },
 * });
 * ```
 */
import type { Logger } from 'pino';
import type { HeartbeatMonitorOptions } from './failure-detector/heartbeat-monitor.ts';
import type { NameResolverFn } from './global-names.ts';
import type { DiscoverySource } from './discovery/types.ts';
import type { FaultController } from './transport/faults.ts';
import type { TcpTlsOptions } from './transport/tcp-transport.ts';
import type { FaultInjectable, PeerAddress, Transport } from './transport/types.ts';

export type { DiscoveryContext, DiscoverySource } from './discovery/types.ts';

export interface NodeOptions {
  /** Short node name, e.g. `gotham`. The full name is `gotham@host:port`. */
  readonly name: string;
  /** Shared secret of the cluster (never sent on the wire). */
  readonly cookie: string;
  /** Interface to bind. Default `127.0.0.1`: nothing is exposed by accident. */
  readonly host?: string;
  /** Port to bind. Default 0 (any free port). */
  readonly port?: number;
  /** Host peers should dial. Default `host`. */
  readonly advertiseHost?: string;
  /** Static seed list: dialled at start and redialled after failures for good. Default none. */
  readonly seeds?: readonly PeerAddress[];
  /**
   * Discovery sources (`DnsDiscovery`, `GossipDiscovery`, `StaticDiscovery`, or factories of
   * them); the node dials every candidate they offer. Default none. `startNode` rejects with
   * `DiscoveryStartError` if one cannot start.
   */
  readonly discovery?: readonly DiscoverySource[];
  /** Mutual TLS between nodes. Default off. */
  readonly tls?: TcpTlsOptions;
  /** Build the transport (the in-memory one for simulations). Default TCP. */
  readonly transport?: (base: {
    name: string;
    cookie: string;
    logger: Logger;
    messageTypes: ReadonlySet<number>;
  }) => Transport & FaultInjectable;
  /**
   * Where the node and its actors log. Default `defaultLogger()`: warnings and errors (crashes,
   * restarts, handshake refusals, node up and down) to standard error. `pino({ level: 'silent' })`
   * drops them.
   */
  readonly logger?: Logger;
  /** Fault injection shared with other nodes (simulations). Default: one controller per node. */
  readonly faults?: FaultController;
  /**
   * The failure detector's options (`FailureDetectorOptions`, plus `countTraffic`). Defaults: a
   * heartbeat every 100 ms on every connection that carried nothing else since the last one, φ 8,
   * 600 ms acceptable pause, other messages count as signs of life: a silent peer is declared
   * down 1.1–1.3 s after it fell silent, a 250 ms stall of ours or the peer's accuses nobody.
   * `countTraffic` must be the same on every node.
   */
  readonly failureDetector?: Omit<HeartbeatMonitorOptions, 'scheduler' | 'logger' | 'closeOnDown'>;
  /** First redial delay after a failed dial, ms. Default 100: a restarted peer is found at once. */
  readonly reconnectMinMs?: number;
  /** Largest redial delay, ms. Default 2 000: a dead address costs one dial every 2 s. */
  readonly reconnectMaxMs?: number;
  /** Resolves duplicate global names after a heal. Default: the earlier registration wins. */
  readonly nameResolver?: NameResolverFn;
  /**
   * After actor traffic (an envelope sent or received), keep the event loop polling the sockets
   * for up to this long instead of letting the process sleep, µs (see `TrafficSpin`). Default
   * 100: in a fast exchange (a call and its reply over loopback or a LAN) the next message
   * arrives within it and is read without the OS wake-up delay; it backs off by itself when
   * spinning does not pay (an idle node, a loaded machine, a slow peer). 0 turns it off.
   */
  readonly spinUs?: number;
  /** Default call timeout for this node's actor system, ms. Default 5 000. */
  readonly defaultCallTimeoutMs?: number;
}

/**
 * Why a peer went down: its connection closed (`connection_closed`), it fell silent
 * (`failure_detected`), it said goodbye (`left`), it came back as a new incarnation
 * (`restarted`), or we stopped (`stopped`).
 */
export type NodeDownReason = 'connection_closed' | 'failure_detected' | 'left' | 'restarted' | 'stopped';
