/**
 * Errors of the wire layer: framing, payload codec and handshake.
 *
 * Every failure has its own class with a stable string `code` (match on the code, not on the
 * message) and an optional `cause`. Any of them raised while reading a connection closes that
 * connection only; the transport keeps serving the others.
 *
 * Example:
 * ```ts
 * try { decoder.next(); } catch (err) { if (err instanceof WireError) log.warn({ code: err.code }); }
 * ```
 */
import { CodedError } from '../util/errors.ts';

/** Base of every error in the wire and transport layers: a stable `code` plus the usual `cause`. */
export class WireError extends CodedError {}

/** A frame's length field announces more than the configured maximum frame size. */
export class FrameTooLargeError extends WireError {
  readonly size: number;
  readonly limit: number;
  constructor(size: number, limit: number) {
    super('ERR_FRAME_TOO_LARGE', `frame of ${size} bytes exceeds the limit of ${limit} bytes`);
    this.size = size;
    this.limit = limit;
  }
}

/** A frame's length field is too small to hold the version and type bytes. */
export class MalformedFrameError extends WireError {
  constructor(message: string) {
    super('ERR_MALFORMED_FRAME', message);
  }
}

/** A frame carries a version byte this build does not speak. */
export class UnsupportedVersionError extends WireError {
  readonly version: number;
  constructor(version: number, supported: number) {
    super(
      'ERR_UNSUPPORTED_VERSION',
      `frame version ${version} is not supported (this node speaks ${supported})`,
    );
    this.version = version;
  }
}

/** A frame carries a message type id that is not in the accepted set. */
export class UnknownMessageTypeError extends WireError {
  readonly type: number;
  constructor(type: number) {
    super('ERR_UNKNOWN_MESSAGE_TYPE', `unknown message type ${type}`);
    this.type = type;
  }
}

/** A payload's bytes are not one valid MessagePack value. */
export class PayloadDecodeError extends WireError {
  constructor(cause: unknown) {
    super('ERR_PAYLOAD_DECODE', `payload is not valid MessagePack: ${String(errorMessage(cause))}`, {
      cause,
    });
  }
}

/** A payload uses a MessagePack extension other than `undefined` and timestamps (not plain data). */
export class PayloadExtensionError extends WireError {
  constructor(message: string) {
    super('ERR_PAYLOAD_EXTENSION', message);
  }
}

/** A payload exceeds a decoder limit (nesting depth). */
export class PayloadLimitError extends WireError {
  constructor(message: string) {
    super('ERR_PAYLOAD_LIMIT', message);
  }
}

/** A value cannot be encoded (for example a symbol, or a cycle deeper than the stack). */
export class PayloadEncodeError extends WireError {
  constructor(cause: unknown) {
    super('ERR_PAYLOAD_ENCODE', `payload cannot be encoded: ${String(errorMessage(cause))}`, { cause });
  }
}

/** The cookie is too short to be a secret: refused when a node starts, before any connection. */
export class CookieTooShortError extends WireError {
  readonly bytes: number;
  readonly minimum: number;
  constructor(bytes: number, minimum: number) {
    super(
      'ERR_COOKIE_TOO_SHORT',
      `the cluster cookie has ${bytes} bytes; at least ${minimum} are required (use a long random one)`,
    );
    this.bytes = bytes;
    this.minimum = minimum;
  }
}

/**
 * The peer does not know our cookie (its proof did not verify), or it answered with a bad proof.
 * `peer` is the name the peer announced, if it got that far (not authenticated, for messages only).
 */
export class HandshakeAuthError extends WireError {
  readonly peer: string | undefined;
  constructor(message: string, peer?: string) {
    super('ERR_HANDSHAKE_AUTH', message);
    this.peer = peer;
  }
}

/** The peer refused our handshake; `remoteCode` is the code it gave. */
export class HandshakeRefusedError extends WireError {
  readonly remoteCode: string;
  constructor(remoteCode: string, message: string) {
    super('ERR_HANDSHAKE_REFUSED', `handshake refused by peer (${remoteCode}): ${message}`);
    this.remoteCode = remoteCode;
  }
}

/** A message out of order or with an invalid payload arrived during the handshake. */
export class HandshakeProtocolError extends WireError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_HANDSHAKE_PROTOCOL', message, options);
  }
}

/** The handshake did not complete within the configured time. */
export class HandshakeTimeoutError extends WireError {
  constructor(timeoutMs: number) {
    super('ERR_HANDSHAKE_TIMEOUT', `handshake did not complete within ${timeoutMs} ms`);
  }
}

/** A node dialled itself (same name and incarnation on both ends). */
export class HandshakeSelfError extends WireError {
  constructor(name: string) {
    super('ERR_HANDSHAKE_SELF', `node ${name} connected to itself`);
  }
}

function errorMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
