/**
 * The gossip announcement datagram, pure: `magic ‖ HMAC-SHA256 ‖ body`, where the body is the
 * MessagePack map `{ name, host, port }` and the MAC is keyed by the cookie (derived for this
 * purpose only, so it is not the handshake key). Nodes without the cookie can neither forge an
 * announcement nor get one accepted; they are ignored.
 *
 * Example:
 * ```ts
 * const key = deriveKey(cookie, 'gossip');
 * const packet = encodeAnnouncement(key, { name: 'gotham', host: '10.0.0.5', port: 4800 });
 * decodeAnnouncement(key, packet); // { ok: true, announcement: { … } }
 * ```
 *
 * A captured announcement can be replayed by a stranger; that only repeats a true address, and
 * the handshake still decides who may connect.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodePayload, encodePayload } from '../../wire/codec.ts';

/** First bytes of every announcement: "SDG" + format version 1. */
export const GOSSIP_MAGIC = Buffer.from([0x53, 0x44, 0x47, 0x01]);
/** Largest datagram accepted; announcements are ~100 bytes. */
export const MAX_ANNOUNCEMENT_BYTES = 512;
const MAC_BYTES = 32;

export interface Announcement {
  /** The node's full name, `name@host:port`. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export type DecodedAnnouncement =
  | { readonly ok: true; readonly announcement: Announcement }
  | { readonly ok: false; readonly reason: 'size' | 'magic' | 'mac' | 'body' };

export function encodeAnnouncement(key: Uint8Array, announcement: Announcement): Buffer {
  const body = encodePayload({ name: announcement.name, host: announcement.host, port: announcement.port });
  const mac = createHmac('sha256', key).update(body).digest();
  return Buffer.concat([GOSSIP_MAGIC, mac, body]);
}

export function decodeAnnouncement(key: Uint8Array, packet: Uint8Array): DecodedAnnouncement {
  if (packet.length > MAX_ANNOUNCEMENT_BYTES || packet.length <= GOSSIP_MAGIC.length + MAC_BYTES) {
    return { ok: false, reason: 'size' };
  }
  if (!GOSSIP_MAGIC.equals(packet.subarray(0, GOSSIP_MAGIC.length))) return { ok: false, reason: 'magic' };
  const mac = packet.subarray(GOSSIP_MAGIC.length, GOSSIP_MAGIC.length + MAC_BYTES);
  const body = packet.subarray(GOSSIP_MAGIC.length + MAC_BYTES);
  const expected = createHmac('sha256', key).update(body).digest();
  if (!timingSafeEqual(expected, mac)) return { ok: false, reason: 'mac' };
  let value: unknown;
  try {
    value = decodePayload(body);
  } catch {
    return { ok: false, reason: 'body' };
  }
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'body' };
  const { name, host, port } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name.length === 0 || name.length > 255)
    return { ok: false, reason: 'body' };
  if (typeof host !== 'string' || host.length === 0 || host.length > 255)
    return { ok: false, reason: 'body' };
  if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port >= 65536) {
    return { ok: false, reason: 'body' };
  }
  return { ok: true, announcement: { name, host, port } };
}
