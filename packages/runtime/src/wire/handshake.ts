/**
 * Mutual challenge–response handshake over the shared cookie, as a pure state machine.
 *
 * ```
 * initiator                                   responder
 *   Hello     { v, name, incarnation, nonceI } →
 *            ← Challenge { name, incarnation, nonceR }
 *   Proof     { mac = HMAC(k, "initiator" ‖ transcript) } →   responder verifies, then is open
 *            ← Accept    { mac = HMAC(k, "responder" ‖ transcript) }   initiator verifies, open
 *            ← Reject    { code, message }   (instead of Challenge/Accept, on any failure)
 * ```
 * The responder reveals no proof until the initiator has proven itself, and nothing but these
 * five messages is accepted before the handshake succeeds (the connection enforces that).
 * A wrong cookie fails on the responder (`HandshakeAuthError`, logged there), which sends a
 * Reject; the initiator turns that Reject into a `HandshakeAuthError` of its own (logged there).
 *
 * Example:
 * ```ts
 * const hs = new Handshake({ role: 'initiator', local, cookie, nonce: randomBytes(NONCE_BYTES) });
 * let out = hs.start();                       // send out.send, then feed replies:
 * out = hs.receive(type, payload);            // until out.peer (success) or out.error
 * ```
 *
 * The constructor throws `CookieTooShortError` for a cookie under 16 bytes; the key comes from the
 * cookie through scrypt and HKDF (`cookie-key.ts`), cached per cookie.
 *
 * API: `start()`, `receive(type, payload)`, `claimedPeerName` (the name the peer announced,
 * unauthenticated until `peer` is set). Outputs say what to send and whether it ended. Time
 * (the handshake timeout) and randomness (the nonce) are the caller's business.
 */
import { MessageType } from './message-types.ts';
import type { WireError } from './errors.ts';
import {
  HandshakeAuthError,
  HandshakeProtocolError,
  HandshakeRefusedError,
  HandshakeSelfError,
} from './errors.ts';
import {
  HANDSHAKE_PROTOCOL,
  NONCE_BYTES,
  deriveKey,
  handshakeProof,
  verifyProof,
} from './handshake-proof.ts';
import type { HandshakeRole, HandshakeTranscript } from './handshake-proof.ts';

/** Who a node is on the wire: its full name (`name@host:port`) and the id of this run of it. */
export interface NodeIdentity {
  readonly name: string;
  readonly incarnation: string;
}

export interface HandshakeOptions {
  readonly role: HandshakeRole;
  readonly local: NodeIdentity;
  readonly cookie: string | Uint8Array;
  /** `NONCE_BYTES` fresh random bytes; never reuse a nonce. */
  readonly nonce: Uint8Array;
}

export interface OutgoingMessage {
  readonly type: number;
  readonly payload: unknown;
}

export interface HandshakeOutput {
  /** Messages to send now, in order (also when the handshake failed: a Reject). */
  readonly send: readonly OutgoingMessage[];
  /** Set once the peer is authenticated. */
  readonly peer?: NodeIdentity;
  /** Set when the handshake failed; close the connection after sending `send`. */
  readonly error?: WireError;
}

const MAX_NAME_LENGTH = 255;
const MAX_INCARNATION_LENGTH = 128;

type State = 'idle' | 'awaiting-challenge' | 'awaiting-hello' | 'awaiting-proof' | 'awaiting-accept' | 'done';

export class Handshake {
  private readonly options: HandshakeOptions;
  private readonly key: Buffer;
  private state: State;
  private transcript: HandshakeTranscript | undefined;
  private claimed: string | undefined;

  constructor(options: HandshakeOptions) {
    if (options.nonce.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
    this.options = options;
    this.key = deriveKey(options.cookie, 'handshake');
    this.state = options.role === 'initiator' ? 'idle' : 'awaiting-hello';
  }

  /** The name the peer announced in its Hello/Challenge; not authenticated until `peer` is set. */
  get claimedPeerName(): string | undefined {
    return this.claimed;
  }

  /** First messages: the Hello for an initiator, nothing for a responder. */
  start(): HandshakeOutput {
    if (this.options.role === 'responder' || this.state !== 'idle') return { send: [] };
    this.state = 'awaiting-challenge';
    const { name, incarnation } = this.options.local;
    const hello = { v: HANDSHAKE_PROTOCOL, name, incarnation, nonce: this.options.nonce };
    return { send: [{ type: MessageType.HandshakeHello, payload: hello }] };
  }

  receive(type: number, payload: unknown): HandshakeOutput {
    if (type === MessageType.HandshakeReject) return this.rejected(payload);
    switch (this.state) {
      case 'awaiting-hello':
        return type === MessageType.HandshakeHello ? this.onHello(payload) : this.unexpected(type);
      case 'awaiting-challenge':
        return type === MessageType.HandshakeChallenge ? this.onChallenge(payload) : this.unexpected(type);
      case 'awaiting-proof':
        return type === MessageType.HandshakeProof ? this.onProof(payload) : this.unexpected(type);
      case 'awaiting-accept':
        return type === MessageType.HandshakeAccept ? this.onAccept(payload) : this.unexpected(type);
      case 'idle':
      case 'done':
        return this.unexpected(type);
    }
  }

  private onHello(payload: unknown): HandshakeOutput {
    if (!isRecord(payload)) return this.refuse(new HandshakeProtocolError('hello is not a map'));
    const name = payload['name'];
    if (typeof name === 'string') this.claimed = name.slice(0, MAX_NAME_LENGTH);
    if (payload['v'] !== HANDSHAKE_PROTOCOL) {
      return this.refuse(
        new HandshakeProtocolError(`handshake protocol ${String(payload['v'])} is not ${HANDSHAKE_PROTOCOL}`),
      );
    }
    const identity = parseIdentity(payload);
    const nonce = payload['nonce'];
    if (!identity || !isNonce(nonce))
      return this.refuse(new HandshakeProtocolError('hello has invalid fields'));
    const local = this.options.local;
    if (identity.name === local.name && identity.incarnation === local.incarnation) {
      return this.refuse(new HandshakeSelfError(local.name));
    }
    this.transcript = {
      initiatorName: identity.name,
      initiatorIncarnation: identity.incarnation,
      initiatorNonce: nonce,
      responderName: local.name,
      responderIncarnation: local.incarnation,
      responderNonce: this.options.nonce,
    };
    this.state = 'awaiting-proof';
    const challenge = { name: local.name, incarnation: local.incarnation, nonce: this.options.nonce };
    return { send: [{ type: MessageType.HandshakeChallenge, payload: challenge }] };
  }

  private onChallenge(payload: unknown): HandshakeOutput {
    const identity = isRecord(payload) ? parseIdentity(payload) : undefined;
    if (isRecord(payload) && typeof payload['name'] === 'string') {
      this.claimed = payload['name'].slice(0, MAX_NAME_LENGTH);
    }
    const nonce = isRecord(payload) ? payload['nonce'] : undefined;
    if (!identity || !isNonce(nonce))
      return this.fail(new HandshakeProtocolError('challenge has invalid fields'));
    const local = this.options.local;
    if (identity.name === local.name && identity.incarnation === local.incarnation) {
      return this.fail(new HandshakeSelfError(local.name));
    }
    this.transcript = {
      initiatorName: local.name,
      initiatorIncarnation: local.incarnation,
      initiatorNonce: this.options.nonce,
      responderName: identity.name,
      responderIncarnation: identity.incarnation,
      responderNonce: nonce,
    };
    this.state = 'awaiting-accept';
    const mac = handshakeProof(this.key, 'initiator', this.transcript);
    return { send: [{ type: MessageType.HandshakeProof, payload: { mac } }] };
  }

  private onProof(payload: unknown): HandshakeOutput {
    const transcript = this.transcript!;
    const mac = isRecord(payload) ? payload['mac'] : undefined;
    if (!(mac instanceof Uint8Array) || !verifyProof(this.key, 'initiator', transcript, mac)) {
      return this.refuse(
        new HandshakeAuthError(
          `${transcript.initiatorName} failed to prove it knows the cookie (cookie mismatch)`,
          transcript.initiatorName,
        ),
      );
    }
    this.state = 'done';
    const accept = { mac: handshakeProof(this.key, 'responder', transcript) };
    return {
      send: [{ type: MessageType.HandshakeAccept, payload: accept }],
      peer: { name: transcript.initiatorName, incarnation: transcript.initiatorIncarnation },
    };
  }

  private onAccept(payload: unknown): HandshakeOutput {
    const transcript = this.transcript!;
    const mac = isRecord(payload) ? payload['mac'] : undefined;
    if (!(mac instanceof Uint8Array) || !verifyProof(this.key, 'responder', transcript, mac)) {
      return this.fail(
        new HandshakeAuthError(
          `${transcript.responderName} failed to prove it knows the cookie (cookie mismatch)`,
          transcript.responderName,
        ),
      );
    }
    this.state = 'done';
    return {
      send: [],
      peer: { name: transcript.responderName, incarnation: transcript.responderIncarnation },
    };
  }

  private rejected(payload: unknown): HandshakeOutput {
    const code =
      isRecord(payload) && typeof payload['code'] === 'string' ? payload['code'].slice(0, 64) : 'unknown';
    const message =
      isRecord(payload) && typeof payload['message'] === 'string' ? payload['message'].slice(0, 256) : '';
    if (code === 'ERR_HANDSHAKE_AUTH') {
      return this.fail(
        new HandshakeAuthError(`peer refused our proof (cookie mismatch): ${message}`, this.claimed),
      );
    }
    if (code === 'ERR_HANDSHAKE_SELF') return this.fail(new HandshakeSelfError(this.options.local.name));
    return this.fail(new HandshakeRefusedError(code, message));
  }

  private unexpected(type: number): HandshakeOutput {
    return this.refuse(
      new HandshakeProtocolError(`unexpected message type ${type} in handshake state ${this.state}`),
    );
  }

  /** Fails and tells the peer why (the peer logs the code). */
  private refuse(error: WireError): HandshakeOutput {
    this.state = 'done';
    const reject = { code: error.code, message: error.message };
    return { send: [{ type: MessageType.HandshakeReject, payload: reject }], error };
  }

  private fail(error: WireError): HandshakeOutput {
    this.state = 'done';
    return { send: [], error };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function isNonce(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === NONCE_BYTES;
}

function parseIdentity(payload: Record<string, unknown>): NodeIdentity | undefined {
  const name = payload['name'];
  const incarnation = payload['incarnation'];
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) return undefined;
  if (
    typeof incarnation !== 'string' ||
    incarnation.length === 0 ||
    incarnation.length > MAX_INCARNATION_LENGTH
  ) {
    return undefined;
  }
  return { name, incarnation };
}
