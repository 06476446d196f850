/**
 * Transports: authenticated, ordered message connections between nodes, over TCP (optionally
 * mutual TLS) or an in-memory network, plus fault injection for either.
 */
export type { Connection, Transport, PeerAddress, LinkPolicy, FaultInjectable } from './types.ts';
export { TcpTransport } from './tcp-transport.ts';
export type { TcpTransportOptions, TcpTlsOptions } from './tcp-transport.ts';
export { MemoryNetwork, MemoryTransport } from './memory-network.ts';
export type { MemoryNetworkOptions, MemoryTransportOptions } from './memory-network.ts';
export { FramedConnection } from './framed-connection.ts';
export type { ConnectionStats } from './framed-connection.ts';
export { FaultController } from './faults.ts';
export type { FaultControllerOptions } from './faults.ts';
export { TRANSPORT_DEFAULTS, HANDSHAKE_MAX_FRAME_BYTES } from './options.ts';
export type { TransportOptions } from './options.ts';
export { realScheduler } from './scheduler.ts';
export { every, onTickLateness, TICK_MS } from './ticker.ts';
export type { Periodic } from './ticker.ts';
export type { Scheduler, Timer } from './scheduler.ts';
export {
  ConnectError,
  ListenError,
  TransportClosedError,
  PeerTooSlowError,
  ConnectionLostError,
  PeerClosedError,
  MessageHandlerError,
  InvalidMessageTypeError,
} from './errors.ts';
