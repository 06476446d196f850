/**
 * Errors of the transports. Each failure has its own class with a stable `code`; wire-level
 * failures (framing, codec, handshake) are the classes in `wire/errors.ts`, all subclasses of
 * `WireError`, so `err instanceof WireError` covers every error a connection can close with.
 *
 * Example:
 * ```ts
 * conn.onClose((reason) => { if (reason?.code === 'ERR_PEER_TOO_SLOW') metrics.slowPeers.inc(); });
 * ```
 */
import { WireError } from '../../wire/errors.ts';

/** Dialling failed, or the link broke before the handshake completed (refused, unreachable, TLS rejected, ...). */
export class ConnectError extends WireError {
  readonly address: string;
  constructor(address: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('ERR_CONNECT_FAILED', `cannot connect to ${address}: ${detail}`, { cause });
    this.address = address;
  }
}

/** Listening failed (address in use, permission, ...). */
export class ListenError extends WireError {
  constructor(address: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('ERR_LISTEN_FAILED', `cannot listen on ${address}: ${detail}`, { cause });
  }
}

/** The transport was closed; no more dialling or accepting. */
export class TransportClosedError extends WireError {
  constructor() {
    super('ERR_TRANSPORT_CLOSED', 'transport is closed');
  }
}

/** More than `maxSendQueueBytes` were waiting for a peer that does not read fast enough. */
export class PeerTooSlowError extends WireError {
  readonly queuedBytes: number;
  readonly limit: number;
  constructor(peer: string, queuedBytes: number, limit: number) {
    super('ERR_PEER_TOO_SLOW', `peer ${peer} too slow: ${queuedBytes} bytes queued, limit ${limit}`);
    this.queuedBytes = queuedBytes;
    this.limit = limit;
  }
}

/** The link broke without a goodbye from the peer (crash, reset, network failure). */
export class ConnectionLostError extends WireError {
  constructor(peer: string, cause?: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super(
      'ERR_CONNECTION_LOST',
      `connection to ${peer} lost${detail}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The peer closed the connection and gave a reason; `remoteCode` is its error code. */
export class PeerClosedError extends WireError {
  readonly remoteCode: string;
  constructor(peer: string, remoteCode: string, remoteMessage: string) {
    super('ERR_PEER_CLOSED', `peer ${peer} closed the connection (${remoteCode}): ${remoteMessage}`);
    this.remoteCode = remoteCode;
  }
}

/** A message handler threw; the connection is closed because its reader cannot continue safely. */
export class MessageHandlerError extends WireError {
  constructor(peer: string, type: number, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('ERR_MESSAGE_HANDLER', `handler for message type ${type} from ${peer} threw: ${detail}`, { cause });
  }
}

/** `send` was called with a type id the connection does not accept (not in the set, or a handshake id). */
export class InvalidMessageTypeError extends WireError {
  constructor(type: number) {
    super('ERR_INVALID_MESSAGE_TYPE', `message type ${type} cannot be sent on an open connection`);
  }
}
