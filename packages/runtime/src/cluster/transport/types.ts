/**
 * The transport contract: authenticated, ordered, message-oriented connections between nodes.
 *
 * One `Transport` per node. `connect` dials a peer and resolves once both sides have proven they
 * share the cookie; `onConnection` hands out inbound connections in the same state. A
 * `Connection` carries `(type, payload)` messages in order, asynchronously, both ways.
 *
 * Example:
 * ```ts
 * const transport = new TcpTransport({ name: 'gotham', cookie, port: 4800 });
 * transport.onConnection((conn) => conn.onMessage((type, payload) => route(conn.peerName, type, payload)));
 * await transport.listen();
 * const conn = await transport.connect({ host: '127.0.0.1', port: 4801 });
 * conn.send(MY_TYPE, { hello: 'metropolis' });
 * ```
 *
 * Semantics every implementation keeps (the conformance suite in `testing/conformance/transport`
 * checks them):
 * - Delivery is asynchronous (never inside `send`) and in order per connection. There is no
 *   delivery guarantee across a close: messages still queued when a connection closes are lost.
 * - `send` never blocks. Messages sent by one task (a function and the microtasks queued before
 *   the write) are coalesced into one write, which follows right after that task; a burst past
 *   64 KiB is written in 64 KiB pieces as it grows, so the peer reads while we send. If the bytes
 *   queued for a peer exceed `maxSendQueueBytes`, the connection closes with `PeerTooSlowError`.
 *   `send` on a closed connection does nothing (like sending to a dead node).
 * - `send` throws synchronously for caller bugs: an oversized payload (`FrameTooLargeError`), an
 *   unencodable value (`PayloadEncodeError`), a type id not in the accepted set.
 * - `onClose` handlers run exactly once, with `undefined` for a graceful close (either side
 *   called `close()` without a reason) and an `Error` with a `code` otherwise. Registering
 *   after the close still runs the handler (asynchronously).
 * - Messages that arrive before the first `onMessage` handler is registered are kept and handed
 *   to it, so register handlers in the `onConnection` callback.
 * - Handlers must not block: they run on the connection's read path. A handler that throws
 *   closes that connection with `MessageHandlerError` (logged).
 * - Two nodes dialling each other at the same time get two connections; choosing one is the
 *   caller's job (for example: keep the one dialled by the smaller name).
 */

/** A dialable address. */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface Transport {
  /** This node's name on the wire: `name@host:port` (the port is the bound one after `listen`). */
  readonly localName: string;
  /** A fresh id per run of this node, so peers can tell a restarted node from the old one. */
  readonly localIncarnation: string;
  /** Starts accepting connections; resolves with the bound address. */
  listen(): Promise<PeerAddress>;
  /** Dials and authenticates; rejects with a typed error (`ConnectError`, `Handshake*Error`). */
  connect(address: PeerAddress): Promise<Connection>;
  /** Inbound connections, already authenticated. Connections accepted before a handler exists wait for it. */
  onConnection(handler: (conn: Connection) => void): void;
  /** Stops listening and closes every connection gracefully; `connect` rejects afterwards. */
  close(): Promise<void>;
}

export interface Connection {
  /** The peer's `localName`, authenticated by the handshake. */
  readonly peerName: string;
  /** The peer's `localIncarnation`, authenticated by the handshake. */
  readonly peerIncarnation: string;
  /** True until the connection closes. */
  readonly isOpen: boolean;
  /**
   * Frames handed to the link so far (not those a link policy dropped). Optional: the failure
   * detector leaves out a heartbeat on a connection whose count moved since the last one, as the
   * peer hears from us anyway; a connection without it always gets its heartbeats.
   */
  readonly framesSent?: number;
  send(type: number, payload: unknown): void;
  onMessage(handler: (type: number, payload: unknown) => void): void;
  onClose(handler: (reason: Error | undefined) => void): void;
  /** Closes gracefully; the peer sees `undefined` (no reason) or `PeerClosedError` (with one). */
  close(reason?: Error): void;
}

/**
 * Decides the fate of frames on a link; implemented by `FaultController`. Connections consult it
 * for every frame, handshake frames included. `remote` is the peer's (claimed) name, or
 * `undefined` before it is known.
 */
export interface LinkPolicy {
  /**
   * For a frame we are about to send: `'drop'`, or a delay in ms (0 = now). `control` frames are
   * the handshake and the goodbye; `message` frames are everything sent with `send`.
   */
  outbound(local: string, remote: string | undefined, kind: 'control' | 'message'): number | 'drop';
  /** For a frame we received: `false` drops it. */
  inbound(local: string, remote: string | undefined): boolean;
  /** True while the two nodes cannot hear each other (a close on such a link stays silent). */
  isCut(local: string, remote: string): boolean;
  /** Called whenever cuts change; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** A transport whose links can be governed by a `LinkPolicy` (both built-in transports). */
export interface FaultInjectable {
  readonly localName: string;
  setLinkPolicy(policy: LinkPolicy | undefined): void;
}
