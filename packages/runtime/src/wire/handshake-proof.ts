/**
 * The cryptographic half of the handshake: key derivation from the cookie and the HMAC-SHA256
 * proofs each side sends.
 *
 * A proof is `HMAC(key, transcript(role))` where the transcript is the MessagePack encoding of
 * `[label, protocol, role, initiatorName, initiatorIncarnation, initiatorNonce, responderName,
 * responderIncarnation, responderNonce]`. Binding both names, both incarnations and both fresh
 * nonces means a proof cannot be replayed on another connection, for another node, or in the
 * other direction. The key is derived from the cookie by `cookie-key.ts` (scrypt, then HKDF with
 * a purpose label), so a recorded transcript costs an attacker a scrypt run per cookie guessed,
 * and the same cookie used for discovery announcements yields an unrelated key.
 *
 * Example:
 * ```ts
 * const key = deriveKey(cookie, 'handshake');
 * const mac = handshakeProof(key, 'initiator', transcript);
 * verifyProof(key, 'initiator', transcript, mac); // true
 * ```
 *
 * Not for: confidentiality. The cookie authenticates nodes; it does not encrypt traffic. Use the
 * transport's mutual-TLS option on untrusted networks.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodePayload } from './codec.ts';

export { deriveKey } from './cookie-key.ts';

/** Bytes of every handshake nonce: 32 fresh random bytes per side and connection. */
export const NONCE_BYTES = 32;

/** Handshake protocol versions this build speaks. */
export const HANDSHAKE_PROTOCOL = 1;

export type HandshakeRole = 'initiator' | 'responder';

/** Everything both sides know once hello and challenge have crossed. */
export interface HandshakeTranscript {
  readonly initiatorName: string;
  readonly initiatorIncarnation: string;
  readonly initiatorNonce: Uint8Array;
  readonly responderName: string;
  readonly responderIncarnation: string;
  readonly responderNonce: Uint8Array;
}

export function handshakeProof(
  key: Uint8Array,
  role: HandshakeRole,
  transcript: HandshakeTranscript,
): Buffer {
  const bytes = encodePayload([
    'superhero-dispatch handshake',
    HANDSHAKE_PROTOCOL,
    role,
    transcript.initiatorName,
    transcript.initiatorIncarnation,
    transcript.initiatorNonce,
    transcript.responderName,
    transcript.responderIncarnation,
    transcript.responderNonce,
  ]);
  return createHmac('sha256', key).update(bytes).digest();
}

/** Constant-time check of a proof received from the peer. */
export function verifyProof(
  key: Uint8Array,
  role: HandshakeRole,
  transcript: HandshakeTranscript,
  mac: Uint8Array,
): boolean {
  const expected = handshakeProof(key, role, transcript);
  return mac.length === expected.length && timingSafeEqual(expected, mac);
}
