/**
 * Options shared by both transports, their defaults (with unit and reason) and their validation,
 * done once when a transport is constructed.
 *
 * Example:
 * ```ts
 * new TcpTransport({ name: 'gotham', cookie: process.env.COOKIE!, maxSendQueueBytes: 8 << 20 });
 * ```
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { Logger } from 'pino';
import { deriveKey } from '../../wire/cookie-key.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../../wire/frame.ts';
import { KNOWN_MESSAGE_TYPES } from '../../wire/message-types.ts';
import { realScheduler } from './scheduler.ts';
import type { Scheduler } from './scheduler.ts';

export interface TransportOptions {
  /** Short node name, e.g. `gotham`; `localName` becomes `gotham@host:port`. No `@`, 1–64 chars. */
  name: string;
  /**
   * Shared secret every node of the cluster must know; never sent on the wire. At least 16 bytes
   * (`MIN_COOKIE_BYTES`), else the constructor throws `CookieTooShortError`: a short cookie could
   * be guessed from one recorded handshake.
   */
  cookie: string;
  /** Id of this run of the node. Default: a random UUID, so a restart is a new incarnation. */
  incarnation?: string;
  /** Default: silent. Handshake failures and bad frames are logged at `warn` with a `code`. */
  logger?: Logger;
  /**
   * Largest frame in bytes, header included, both directions. Default 16 MiB
   * (`DEFAULT_MAX_FRAME_BYTES`): room for a snapshot chunk, small enough that a hostile length
   * field cannot make us buffer gigabytes. Before authentication the limit is 4 KiB regardless.
   */
  maxFrameBytes?: number;
  /**
   * Bytes that may wait for one peer (our queue plus the link's buffer) before the connection is
   * closed with `PeerTooSlowError`. Default 64 MiB: four maximum frames, far beyond what a
   * healthy peer on a LAN lets pile up, small enough that one stuck peer cannot exhaust memory.
   */
  maxSendQueueBytes?: number;
  /**
   * Milliseconds from dialling (or accepting) until the handshake must have succeeded. Default
   * 5000: covers TCP + TLS + two round trips on a slow WAN; a dial across a partition fails
   * within it, and a stranger that sends nothing holds a socket no longer.
   */
  handshakeTimeoutMs?: number;
  /**
   * Milliseconds a gracefully closed link may take to flush before it is destroyed. Default
   * 2000: enough to hand over queued messages, bounded so a stuck peer cannot keep a socket.
   */
  closeLingerMs?: number;
  /**
   * Accepted connections that may be in their handshake at once; more are closed at once (and
   * logged, rate-limited). Default 128: a whole cluster reconnecting after a restart fits, while
   * strangers holding sockets open without a cookie hold at most this many, each for at most
   * `handshakeTimeoutMs` and 4 KiB of buffer.
   */
  maxPendingHandshakes?: number;
  /** Accepted message type ids. Default: every id in `MessageType` (wire/message-types.ts). */
  messageTypes?: ReadonlySet<number>;
  /** Clock and timers. Default: the real ones (`realScheduler`). */
  scheduler?: Scheduler;
}

export interface ResolvedTransportOptions {
  readonly name: string;
  readonly cookie: string;
  readonly incarnation: string;
  readonly logger: Logger;
  readonly maxFrameBytes: number;
  readonly maxSendQueueBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly closeLingerMs: number;
  readonly maxPendingHandshakes: number;
  readonly messageTypes: ReadonlySet<number>;
  readonly scheduler: Scheduler;
}

/** Largest frame accepted before the peer is authenticated: handshake messages are < 300 bytes. */
export const HANDSHAKE_MAX_FRAME_BYTES = 4096;

export const TRANSPORT_DEFAULTS = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxSendQueueBytes: 64 * 1024 * 1024,
  handshakeTimeoutMs: 5000,
  closeLingerMs: 2000,
  maxPendingHandshakes: 128,
} as const;

export function resolveTransportOptions(options: TransportOptions): ResolvedTransportOptions {
  const { name, cookie } = options;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new TypeError(`node name must be 1–64 characters of [A-Za-z0-9_.-], got ${JSON.stringify(name)}`);
  }
  if (typeof cookie !== 'string') throw new TypeError('cookie must be a string');
  // Validates the length and pays for the key derivation now, at start, not on a first connection.
  deriveKey(cookie, 'handshake');
  const resolved: ResolvedTransportOptions = {
    name,
    cookie,
    incarnation: options.incarnation ?? randomUUID(),
    logger: options.logger ?? pino({ level: 'silent' }),
    maxFrameBytes: options.maxFrameBytes ?? TRANSPORT_DEFAULTS.maxFrameBytes,
    maxSendQueueBytes: options.maxSendQueueBytes ?? TRANSPORT_DEFAULTS.maxSendQueueBytes,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? TRANSPORT_DEFAULTS.handshakeTimeoutMs,
    closeLingerMs: options.closeLingerMs ?? TRANSPORT_DEFAULTS.closeLingerMs,
    maxPendingHandshakes: options.maxPendingHandshakes ?? TRANSPORT_DEFAULTS.maxPendingHandshakes,
    messageTypes: options.messageTypes ?? KNOWN_MESSAGE_TYPES,
    scheduler: options.scheduler ?? realScheduler,
  };
  if (resolved.incarnation.length === 0 || resolved.incarnation.length > 128) {
    throw new RangeError('incarnation must be 1–128 characters');
  }
  positive('maxFrameBytes', resolved.maxFrameBytes, HANDSHAKE_MAX_FRAME_BYTES);
  positive('maxSendQueueBytes', resolved.maxSendQueueBytes, resolved.maxFrameBytes);
  positive('handshakeTimeoutMs', resolved.handshakeTimeoutMs, 1);
  positive('closeLingerMs', resolved.closeLingerMs, 0);
  positive('maxPendingHandshakes', resolved.maxPendingHandshakes, 1);
  return resolved;
}

function positive(label: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min)
    throw new RangeError(`${label} must be a number >= ${min}, got ${value}`);
}
