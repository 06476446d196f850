/**
 * Message type ids: the one byte after the version byte in every frame.
 *
 * WARNING: ONLY APPEND TO THIS LIST. The numeric values are part of the wire protocol: a node
 * built from an older commit must read the same number as the same message. Never renumber,
 * never reuse a retired id (mark it retired in a comment instead).
 *
 * Ranges:
 * - 1–31 belong to the transport itself (handshake, heartbeat, goodbye). Handshake ids are only
 *   valid before a connection is authenticated; after that they close the connection.
 * - 32–255 belong to the protocols built on the transport (node, membership, actors, CRDT,
 *   Raft, ...). Append them at the end of `MessageType` with the next free number.
 *
 * Example:
 * ```ts
 * conn.send(MessageType.Heartbeat, { seq: 1 });
 * ```
 *
 * Not for: the meaning of payloads — each protocol documents its own payload shapes next to the
 * code that sends them.
 */

export const MessageType = {
  /** Handshake 1/4, initiator → responder: `{ v, name, incarnation, nonce }`. */
  HandshakeHello: 1,
  /** Handshake 2/4, responder → initiator: `{ name, incarnation, nonce }`. */
  HandshakeChallenge: 2,
  /** Handshake 3/4, initiator → responder: `{ mac }` proving the initiator knows the cookie. */
  HandshakeProof: 3,
  /** Handshake 4/4, responder → initiator: `{ mac }` proving the responder knows the cookie. */
  HandshakeAccept: 4,
  /** Handshake refusal, either direction: `{ code, message }`; the sender closes afterwards. */
  HandshakeReject: 5,
  /**
   * Failure-detector heartbeat: `{ seq }`. Every node sends it every 100 ms on every connection
   * that carried nothing else since the previous one.
   */
  Heartbeat: 6,
  /** Graceful close: `{ code?, message? }`; no more frames follow on this connection. */
  Goodbye: 7,
  // --- 8–31 reserved for the transport. Protocols on top of it start at 32. ---
} as const;

export type MessageTypeName = keyof typeof MessageType;
export type MessageTypeId = (typeof MessageType)[MessageTypeName];

/** Ids of the handshake messages; accepted only while a connection is being authenticated. */
export const HANDSHAKE_MESSAGE_TYPES: ReadonlySet<number> = new Set<number>([
  MessageType.HandshakeHello,
  MessageType.HandshakeChallenge,
  MessageType.HandshakeProof,
  MessageType.HandshakeAccept,
  MessageType.HandshakeReject,
]);

/** Every id in `MessageType`: the default set a frame decoder accepts. */
export const KNOWN_MESSAGE_TYPES: ReadonlySet<number> = new Set<number>(Object.values(MessageType));

/** First id free for protocols built on the transport. */
export const FIRST_APPLICATION_MESSAGE_TYPE = 32;

/** Name of a type id for logs, e.g. `messageTypeName(6) === 'Heartbeat'`. */
export function messageTypeName(type: number): string {
  for (const [name, id] of Object.entries(MessageType)) if (id === type) return name;
  return `unknown(${type})`;
}
